/**
 * The shape of a RegisterTaskDefinition request, read from the AWS SDK's own schema, so that the check
 * of a task-definition document follows exactly the members the installed SDK knows. (SDK v3 silently
 * drops members it does not know and sends numbers written as strings as strings, which ECS refuses.)
 */
export type Shape =
  | { kind: 'struct'; name: string; members: Record<string, Shape> }
  | { kind: 'list'; item: Shape }
  | { kind: 'map'; value: Shape }
  | { kind: 'string' | 'number' | 'boolean' | 'other' };

/** The subset of @smithy/core's NormalizedSchema this module reads. */
interface SchemaView {
  getName(): string | undefined;
  isStructSchema(): boolean;
  isListSchema(): boolean;
  isMapSchema(): boolean;
  isNumericSchema(): boolean;
  isBooleanSchema(): boolean;
  isStringSchema(): boolean;
  structIterator(): Iterable<[string, SchemaView]>;
  getValueSchema(): SchemaView;
}

/** Converts a schema to a Shape; recursion (none in ECS today) stops at a depth where anything goes. */
function shapeFromSchema(schema: SchemaView, depth = 0): Shape {
  if (depth > 12) return { kind: 'other' };
  if (schema.isStructSchema()) {
    const members: Record<string, Shape> = {};
    for (const [name, member] of schema.structIterator()) members[name] = shapeFromSchema(member, depth + 1);
    return { kind: 'struct', name: schema.getName() ?? 'structure', members };
  }
  if (schema.isListSchema())
    return { kind: 'list', item: shapeFromSchema(schema.getValueSchema(), depth + 1) };
  if (schema.isMapSchema())
    return { kind: 'map', value: shapeFromSchema(schema.getValueSchema(), depth + 1) };
  if (schema.isNumericSchema()) return { kind: 'number' };
  if (schema.isBooleanSchema()) return { kind: 'boolean' };
  if (schema.isStringSchema()) return { kind: 'string' };
  return { kind: 'other' };
}

/** The RegisterTaskDefinition request shape of the installed @aws-sdk/client-ecs (through the suite's subset). */
export async function loadTaskDefinitionShape(): Promise<Shape> {
  const [{ NormalizedSchema }, sdk] = await Promise.all([
    import('@smithy/core/schema'),
    import('@deploy-suite/aws/ecs/sdk-subset')
  ]);
  return shapeFromSchema(
    NormalizedSchema.of(sdk.RegisterTaskDefinitionRequest$ as never) as unknown as SchemaView
  );
}
