/**
 * deploy-static's own part of a release: the files come from the built folder, with the Content-Type
 * and Cache-Control the rules give them, and go up from disk (multipart when large).
 */
import type { LocalFile } from './files.js';
import {
  HASH_METADATA,
  kindOf,
  knownRemote,
  planFor,
  publishRelease,
  readLiveSite,
  type ReleaseResult,
  type SiteDeps,
  type SiteObject,
  type SiteSettings
} from '@deploy-suite/aws/static-site';
import { cacheControlOf, contentTypeOf, type CacheRule } from './site-rules.js';

interface SiteFile extends SiteObject, LocalFile {}

export interface DeploySettings extends SiteSettings {
  cacheRules: CacheRule[];
  /** the commit being deployed (part of the release id) and where it came from (kept in the record) */
  commit?: string;
  origin?: Record<string, string>;
}

export type DeployResult = ReleaseResult<SiteFile>;

function describeSiteFiles(files: LocalFile[], prefix: string, rules: CacheRule[]): SiteFile[] {
  return files.map(file => ({
    ...file,
    key: `${prefix}${file.path}`,
    kind: kindOf(file.path),
    contentType: contentTypeOf(file.path),
    cacheControl: cacheControlOf(file.path, rules)
  }));
}

export async function deploySite(
  localFiles: LocalFile[],
  settings: DeploySettings,
  deps: SiteDeps
): Promise<DeployResult> {
  const live = await readLiveSite(settings, deps, { records: settings.keepReleases });
  const files = describeSiteFiles(localFiles, settings.prefix, settings.cacheRules);
  const remote = await knownRemote(
    deps.store,
    live,
    settings.prefix,
    files.map(f => f.key)
  );
  return publishRelease(
    settings,
    live,
    {
      files,
      remote,
      plan: planFor(settings, live, files, remote),
      verb: 'Uploading',
      commit: settings.commit,
      origin: settings.origin,
      write: ({ file }) =>
        deps.store.uploadFile(file.key, file, {
          contentType: file.contentType,
          cacheControl: file.cacheControl,
          metadata: { [HASH_METADATA]: file.sha256 }
        })
    },
    deps
  );
}
