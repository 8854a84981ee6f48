/**
 * RequestEnvironmentInfo / RetrieveEnvironmentInfo: Beanstalk compiles each instance's logs into its
 * storage bucket and hands out presigned S3 URLs. The simulator does the same with the simulated S3:
 * the object lands in `elasticbeanstalk-<region>-<account>` and the URL (path style, on the simulator's
 * endpoint, with SigV4 query parameters) is served by the S3 service like any presigned GetObject.
 *
 * What an instance's log files hold: `/var/log/eb-engine.log` with the error of a failed deployment,
 * and `/var/log/containers/<container>-stdouterr.log` per container that started on the instance with
 * the lines of its image rule's `logs`. `tail` = the last 100 lines of each file; `bundle` = a zip.
 */
import { createHash } from 'node:crypto';
import { strToU8, zipSync } from 'fflate';

export const INFO_COMPILE_SECONDS = 5;
export const TAIL_LINES = 100;
const URL_EXPIRES_SECONDS = 900;
const RULE = '-'.repeat(40);

export interface LogFile {
  path: string;
  lines: string[];
}

/** The text of a tail: each file's last 100 lines under its path, as Beanstalk's TailLogs are laid out. */
export function tailText(files: LogFile[]): string {
  return files.map(f => [RULE, f.path, RULE, ...f.lines.slice(-TAIL_LINES), ''].join('\n')).join('\n');
}

/** The full logs as a zip of the files (paths without the leading slash). */
export function bundleZip(files: LogFile[]): Buffer {
  const entries = Object.fromEntries(
    files.map(f => [f.path.replace(/^\//, ''), strToU8(f.lines.map(line => `${line}\n`).join(''))])
  );
  return Buffer.from(zipSync(entries));
}

/** `2026/12/02 03:40:05.000000`: the timestamp format of eb-engine.log. */
export function engineTimestamp(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10).replace(/-/g, '/')} ${iso.slice(11, 19)}.${iso.slice(20, 23)}000`;
}

/** A presigned GetObject URL of the simulated S3 object (the signature is well-formed, not checked). */
export function presignedUrl(options: {
  endpoint: string;
  bucket: string;
  key: string;
  region: string;
  accessKeyId: string;
  now: Date;
}): string {
  const date = options.now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const query = new URLSearchParams({
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${options.accessKeyId}/${date.slice(0, 8)}/${options.region}/s3/aws4_request`,
    'X-Amz-Date': date,
    'X-Amz-Expires': String(URL_EXPIRES_SECONDS),
    'X-Amz-SignedHeaders': 'host'
  });
  const path = `/${options.bucket}/${options.key.split('/').map(encodeURIComponent).join('/')}`;
  const signature = createHash('sha256').update(`${path}?${query.toString()}`).digest('hex');
  query.set('X-Amz-Signature', signature);
  return `${options.endpoint}${path}?${query.toString()}`;
}
