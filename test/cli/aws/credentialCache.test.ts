import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { CACHE_REUSE_MARGIN_MS, CredentialCache, type CacheKeyParts } from '../../../src/cli/aws/credentialCache';
import { SesameAwsError } from '../../../src/cli/aws/sesameAwsError';

const KEY: CacheKeyParts = { idpUrl: 'https://sso.example.com', username: null, roleArn: 'arn:aws:iam::111122223333:role/Dev', durationSeconds: null, region: null, stsEndpoint: null };

function creds(expiresInMs: number, now: number) {
  return {
    AccessKeyId: 'ASIAX',
    SecretAccessKey: 's',
    SessionToken: 't',
    Expiration: new Date(now + expiresInMs).toISOString(),
    roleArn: KEY.roleArn!,
    assumedRoleArn: 'arn:aws:sts::111122223333:assumed-role/Dev/alice',
  };
}

describe('sesame-aws: the credential_process cache', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-aws-cache-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const now = Date.parse('2030-01-01T00:00:00Z');

  it('serves credentials until 11 minutes before expiry (the AWS CLI refuses them with under 10 left), then not', () => {
    let clock = now;
    const cache = new CredentialCache(path.join(dir, 'a'), () => clock);
    cache.write(KEY, creds(60 * 60 * 1000, now));
    assert.equal(cache.read(KEY)?.AccessKeyId, 'ASIAX');
    clock = now + 60 * 60 * 1000 - CACHE_REUSE_MARGIN_MS - 1000;
    assert.ok(cache.read(KEY), 'still served just before the margin');
    clock = now + 60 * 60 * 1000 - CACHE_REUSE_MARGIN_MS + 1000;
    assert.equal(cache.read(KEY), null, 'not served inside the margin');
  });

  it('keys by IdP, user, role, duration, region and endpoint', () => {
    const cache = new CredentialCache(path.join(dir, 'b'), () => now);
    cache.write(KEY, creds(3600_000, now));
    assert.ok(cache.read(KEY));
    for (const change of [{ roleArn: 'arn:aws:iam::111122223333:role/Other' }, { username: 'bob' }, { durationSeconds: 900 }, { region: 'eu-west-1' }, { stsEndpoint: 'http://127.0.0.1:1/' }, { idpUrl: 'https://other' }]) {
      assert.equal(cache.read({ ...KEY, ...change }), null, JSON.stringify(change));
    }
  });

  it('writes 0600 files in a 0700 directory and ignores a file others could read or write', () => {
    const cacheDir = path.join(dir, 'c');
    const cache = new CredentialCache(cacheDir, () => now);
    cache.write(KEY, creds(3600_000, now));
    const file = cache.fileFor(KEY);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(fs.statSync(cacheDir).mode & 0o777, 0o700);
    fs.chmodSync(file, 0o644);
    assert.equal(cache.read(KEY), null, 'a group/world-readable cache file is not trusted');
    cache.write(KEY, creds(3600_000, now));
    assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'and is replaced by a private one');
    assert.ok(cache.read(KEY));
  });

  it('refuses a cache directory that is a symlink, open to others or not a directory, with a message saying what to fix', () => {
    const victim = path.join(dir, 'victim-dir');
    fs.mkdirSync(victim, { mode: 0o700 });
    const linked = path.join(dir, 'linked');
    fs.symlinkSync(victim, linked);
    const refuses = (cacheDir: string, message: RegExp) => {
      const cache = new CredentialCache(cacheDir, () => now);
      for (const act of [() => cache.write(KEY, creds(3600_000, now)), () => cache.read(KEY)]) {
        assert.throws(act, (error: unknown) => {
          assert.ok(error instanceof SesameAwsError);
          assert.equal(error.code, 'unsafe_cache_dir');
          assert.match(error.message, message);
          return true;
        });
      }
    };
    refuses(linked, /is a symbolic link/);
    assert.deepEqual(fs.readdirSync(victim), [], 'nothing was written through the link');

    const open = path.join(dir, 'open');
    fs.mkdirSync(open, { mode: 0o755 });
    fs.chmodSync(open, 0o755);
    refuses(open, /mode 0755, open to other users.*chmod 700/);
    assert.deepEqual(fs.readdirSync(open), []);

    const file = path.join(dir, 'plain-file');
    fs.writeFileSync(file, '');
    refuses(file, /is not a directory/);
  });

  it('never writes through a symlink planted at a cache file\'s name: the link is replaced, its target untouched', () => {
    const cacheDir = path.join(dir, 'e');
    const cache = new CredentialCache(cacheDir, () => now);
    cache.write(KEY, creds(3600_000, now));
    const target = path.join(dir, 'elsewhere.txt');
    fs.writeFileSync(target, 'precious\n', { mode: 0o600 });
    fs.rmSync(cache.fileFor(KEY));
    fs.symlinkSync(target, cache.fileFor(KEY));
    assert.equal(cache.read(KEY), null, 'a symlink is not read');
    cache.write(KEY, creds(3600_000, now));
    assert.equal(fs.readFileSync(target, 'utf8'), 'precious\n');
    assert.ok(fs.lstatSync(cache.fileFor(KEY)).isFile());
    assert.ok(cache.read(KEY));
  });

  it('creates a missing cache directory (and its parents) as 0700', () => {
    const cacheDir = path.join(dir, 'f', 'nested', 'sesame-aws');
    new CredentialCache(cacheDir, () => now).write(KEY, creds(3600_000, now));
    assert.equal(fs.lstatSync(cacheDir).mode & 0o777, 0o700);
  });

  it('treats a corrupt or incomplete file as a miss', () => {
    const cache = new CredentialCache(path.join(dir, 'd'), () => now);
    cache.write(KEY, creds(3600_000, now));
    fs.writeFileSync(cache.fileFor(KEY), '{not json', { mode: 0o600 });
    assert.equal(cache.read(KEY), null);
    fs.writeFileSync(cache.fileFor(KEY), JSON.stringify({ AccessKeyId: 'x', Expiration: new Date(now + 3600_000).toISOString() }), { mode: 0o600 });
    assert.equal(cache.read(KEY), null);
  });
});
