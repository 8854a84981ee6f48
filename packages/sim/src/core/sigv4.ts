import type { SimRequest } from './http.js';

/** What the simulator reads from a SigV4 signature. Signatures are not verified: any key is accepted. */
export interface Credential {
  accessKeyId: string;
  date: string;
  region: string;
  /** the signing name: ecs, ecr, sts, elasticbeanstalk, s3 ... */
  service: string;
}

const SCOPE = /Credential=([^/,\s]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request/;

/** The credential scope of a SigV4 `Authorization` header or presigned query, or undefined if absent. */
export function credentialOf(req: SimRequest): Credential | undefined {
  const header = req.headers.authorization;
  const source =
    typeof header === 'string' && header.startsWith('AWS4-HMAC-SHA256 ')
      ? header
      : req.query.get('X-Amz-Credential')
        ? `Credential=${req.query.get('X-Amz-Credential')}`
        : undefined;
  if (!source) return undefined;
  const match = SCOPE.exec(source);
  if (!match) return undefined;
  return { accessKeyId: match[1], date: match[2], region: match[3], service: match[4] };
}
