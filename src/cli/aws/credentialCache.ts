import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomically } from './atomicFile';
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
 * under a 0700 directory, each 0600 and written atomically; a file another user could have written
 * or read is ignored and replaced.
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

  read(parts: CacheKeyParts): CachedCredentials | null {
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
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeFileAtomically(this.fileFor(parts), JSON.stringify(credentials) + '\n', 0o600);
  }
}
