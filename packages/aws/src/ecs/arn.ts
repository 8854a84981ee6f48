/** Task definition references as ECS accepts them: `family`, `family:revision` or a full ARN. */
export type TaskDefinitionReference =
  | { kind: 'arn'; arn: string; family: string; revision: number }
  | { kind: 'family'; family: string; revision?: number };

const FAMILY = '[A-Za-z0-9_-]{1,255}';
const ARN = new RegExp(`^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\\d{12}:task-definition/(${FAMILY}):(\\d+)$`);
const FAMILY_REF = new RegExp(`^(${FAMILY})(?::(\\d+))?$`);

/** Parses a reference; an `arn:` string that is not a task definition ARN is undefined (invalid). */
export function parseTaskDefinitionReference(text: string): TaskDefinitionReference | undefined {
  const arn = ARN.exec(text);
  if (arn) return { kind: 'arn', arn: text, family: arn[1], revision: Number(arn[2]) };
  if (text.startsWith('arn:')) return undefined;
  const family = FAMILY_REF.exec(text);
  if (!family) return undefined;
  return family[2] === undefined
    ? { kind: 'family', family: family[1] }
    : { kind: 'family', family: family[1], revision: Number(family[2]) };
}

/** `docuthinker-backend:7` from an ARN or a reference; the text itself when it is neither. */
export function familyRevision(taskDefinitionArn: string): string {
  const parsed = parseTaskDefinitionReference(taskDefinitionArn);
  if (!parsed) return taskDefinitionArn;
  if (parsed.kind === 'arn') return `${parsed.family}:${parsed.revision}`;
  return parsed.revision === undefined ? parsed.family : `${parsed.family}:${parsed.revision}`;
}
