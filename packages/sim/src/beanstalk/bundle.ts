/**
 * What Elastic Beanstalk's Docker platforms find in a source bundle: a zip with `Dockerrun.aws.json`
 * (v1 `Image.Name`, v2 `containerDefinitions`, v3 next to a compose file) or `docker-compose.yml` at its
 * root. Processing (CreateApplicationVersion Process=true) fails on a bundle without a valid one; a
 * deployment runs the containers named here.
 */
import { unzipSync } from 'fflate';
import { parse as parseYaml } from 'yaml';

export interface BundleContainer {
  name: string;
  image: string;
  essential: boolean;
  /** has port mappings: the container that answers the load balancer */
  serves: boolean;
}

export type BundleVerdict = { ok: true; containers: BundleContainer[] } | { ok: false; reason: string };

const COMPOSE_FILES = ['docker-compose.yml', 'docker-compose.yaml'];

export function inspectBundle(zip: Buffer): BundleVerdict {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(new Uint8Array(zip.buffer, zip.byteOffset, zip.byteLength));
  } catch (error) {
    return { ok: false, reason: `The source bundle is not a valid ZIP file (${String(error)}).` };
  }
  const text = (name: string) => Buffer.from(files[name]).toString('utf8');
  const compose = COMPOSE_FILES.find(name => files[name]);
  if (files['Dockerrun.aws.json']) {
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(text('Dockerrun.aws.json')) as Record<string, unknown>;
    } catch (error) {
      return { ok: false, reason: `Dockerrun.aws.json is not valid JSON: ${String(error)}` };
    }
    const version = String(doc?.AWSEBDockerrunVersion ?? '');
    if (version === '2') return dockerrunV2(doc);
    if (version === '1') {
      const image = (doc.Image as { Name?: unknown } | undefined)?.Name;
      if (typeof image !== 'string' || image === '') {
        return { ok: false, reason: 'Dockerrun.aws.json version 1 requires Image.Name.' };
      }
      return { ok: true, containers: [{ name: 'application', image, essential: true, serves: true }] };
    }
    if (version === '3') {
      if (!compose) {
        return {
          ok: false,
          reason: 'Dockerrun.aws.json version 3 requires a docker-compose.yml in the bundle.'
        };
      }
      return composeFile(text(compose));
    }
    return {
      ok: false,
      reason: `Dockerrun.aws.json has an unsupported AWSEBDockerrunVersion ${JSON.stringify(doc?.AWSEBDockerrunVersion)} (expected 1, 2 or 3).`
    };
  }
  if (compose) return composeFile(text(compose));
  return {
    ok: false,
    reason:
      'The source bundle has neither Dockerrun.aws.json nor docker-compose.yml at its root (files: ' +
      (Object.keys(files).slice(0, 10).join(', ') || 'none') +
      ').'
  };
}

function dockerrunV2(doc: Record<string, unknown>): BundleVerdict {
  const defs = doc.containerDefinitions;
  if (!Array.isArray(defs) || defs.length === 0) {
    return {
      ok: false,
      reason: 'Dockerrun.aws.json version 2 requires a non-empty containerDefinitions list.'
    };
  }
  const containers: BundleContainer[] = [];
  for (const [index, def] of defs.entries()) {
    const c = def as Record<string, unknown>;
    if (typeof c?.name !== 'string' || c.name === '') {
      return { ok: false, reason: `containerDefinitions[${index}] has no name.` };
    }
    if (typeof c.image !== 'string' || c.image === '') {
      return { ok: false, reason: `Container ${c.name} in Dockerrun.aws.json has no image.` };
    }
    containers.push({
      name: c.name,
      image: c.image,
      essential: c.essential !== false,
      serves: Array.isArray(c.portMappings) && c.portMappings.length > 0
    });
  }
  if (!containers.some(c => c.essential)) {
    return { ok: false, reason: 'Dockerrun.aws.json must have at least one essential container.' };
  }
  return { ok: true, containers };
}

function composeFile(source: string): BundleVerdict {
  let doc: { services?: Record<string, Record<string, unknown>> };
  try {
    doc = parseYaml(source) as typeof doc;
  } catch (error) {
    return { ok: false, reason: `docker-compose.yml is not valid YAML: ${String(error)}` };
  }
  const services = doc?.services;
  if (!services || typeof services !== 'object' || Object.keys(services).length === 0) {
    return { ok: false, reason: 'docker-compose.yml defines no services.' };
  }
  const containers: BundleContainer[] = [];
  for (const [name, service] of Object.entries(services)) {
    const image = service?.image;
    if (typeof image !== 'string' || image === '') {
      // the simulator cannot build: a service must name its image
      return { ok: false, reason: `Service ${name} in docker-compose.yml has no image.` };
    }
    containers.push({ name, image, essential: true, serves: Array.isArray(service.ports) });
  }
  return { ok: true, containers };
}
