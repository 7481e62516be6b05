import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensurePrivateDirectory, UnsafeDirectoryError, writeFileAtomically } from './atomicFile';
import { SesameAwsError } from './sesameAwsError';
import type { AwsCredentials } from './stsCredentials';

/**
 * Credentials are served from the cache until this long before they expire. botocore (the AWS CLI)
 * refreshes 15 minutes before expiry when it can and refuses credentials with less than 10 minutes
 * left ("mandatory refresh", C4), so a cached set must still have more than that when handed over.
 */
export const CACHE_REUSE_MARGIN_MS = 11 * 60 * 1000;

export interface CachedCredentials extends AwsCredentials {
  roleArn: string;
  assumedRoleArn: string;
}

export interface CacheKeyParts {
  idpUrl: string;
  username: string | null;
  roleArn: string | null;
  durationSeconds: number | null;
  region: string | null;
  stsEndpoint: string | null;
}

/**
 * A per-user cache of temporary credentials for `credential-process` and `exec`, so that every
 * `aws` command does not cost a sign-in. One file per (IdP, user, role, duration, region, endpoint)
 * in a directory that must be the user's own, a real directory with mode 0700 (created so; anything
 * else, a symlink included, is refused with SesameAwsError "unsafe_cache_dir"). Files are 0600,
 * written atomically, never through a symlink; a file another user could have written or read is
 * ignored and replaced.
 */
export class CredentialCache {
  constructor(
    private readonly dir: string,
    private readonly clock: () => number = Date.now,
  ) {}

  fileFor(parts: CacheKeyParts): string {
    const key = createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
    return path.join(this.dir, `${key}.json`);
  }

  /** Refuses (SesameAwsError unsafe_cache_dir) a cache directory that is a symlink, not ours, or open to others. */
  private checkDirectory(): void {
    try {
      ensurePrivateDirectory(this.dir);
    } catch (error) {
      if (error instanceof UnsafeDirectoryError) throw new SesameAwsError('unsafe_cache_dir', `credential cache: ${error.message} (or pass --no-cache)`);
      throw error;
    }
  }

  read(parts: CacheKeyParts): CachedCredentials | null {
    this.checkDirectory();
    const file = this.fileFor(parts);
    let text: string;
    try {
      const stat = fs.lstatSync(file);
      if (!stat.isFile() || (stat.mode & 0o077) !== 0 || (process.getuid && stat.uid !== process.getuid())) return null;
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return null;
    }
    try {
      const cached = JSON.parse(text) as CachedCredentials;
      const expires = Date.parse(cached.Expiration);
      if (!cached.AccessKeyId || !cached.SecretAccessKey || !cached.SessionToken || Number.isNaN(expires)) return null;
      return expires - this.clock() > CACHE_REUSE_MARGIN_MS ? cached : null;
    } catch {
      return null;
    }
  }

  write(parts: CacheKeyParts, credentials: CachedCredentials): void {
    this.checkDirectory();
    // A symlink planted at the file's name is replaced, never followed.
    writeFileAtomically(this.fileFor(parts), JSON.stringify(credentials) + '\n', 0o600, { followSymlinks: false });
  }
}
