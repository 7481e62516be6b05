import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { upsertProfile, writeProfile } from '../../../src/cli/aws/credentialsFile';

const ENTRIES: Array<[string, string]> = [
  ['aws_access_key_id', 'ASIANEW'],
  ['aws_secret_access_key', 'secretNEW'],
  ['aws_session_token', 'tokenNEW'],
  ['x_security_token_expires', '2030-01-01T00:00:00Z'],
  ['x_principal_arn', 'arn:aws:iam::111122223333:role/Developer'],
];
const NEW_BLOCK = ENTRIES.map(([k, v]) => `${k} = ${v}`).join('\n');

const EXISTING = `# my credentials, hand-written
[default]
aws_access_key_id = AKIADEFAULT
aws_secret_access_key = defaultsecret ; keep me

; the prod profile is managed by another tool
[prod]
aws_access_key_id=AKIAPROD
aws_secret_access_key=prodsecret
region = eu-west-1
`;

describe('sesame-aws: upsertProfile edits one INI section and nothing else', () => {
  it('appends a new profile after the existing text, which stays byte for byte', () => {
    const out = upsertProfile(EXISTING, 'sesame-dev', ENTRIES);
    assert.ok(out.startsWith(EXISTING), 'everything before is unchanged');
    assert.equal(out, `${EXISTING}\n[sesame-dev]\n${NEW_BLOCK}\n`);
  });

  it('updates the managed keys of an existing profile in place, keeping its other keys and comments', () => {
    const text = `[a]\nx = 1\n\n[dev]\n# note about dev\naws_access_key_id = OLD\nregion = us-west-2\naws_session_token = OLDTOKEN\naws_security_token = OLDTOKEN\n\n# about b\n[b]\ny = 2\n`;
    const out = upsertProfile(text, 'dev', ENTRIES);
    assert.equal(
      out,
      `[a]\nx = 1\n\n[dev]\n# note about dev\naws_access_key_id = ASIANEW\nregion = us-west-2\naws_session_token = tokenNEW\naws_security_token = tokenNEW\n` +
        `aws_secret_access_key = secretNEW\nx_security_token_expires = 2030-01-01T00:00:00Z\nx_principal_arn = arn:aws:iam::111122223333:role/Developer\n\n# about b\n[b]\ny = 2\n`,
    );
  });

  it('creates a file from nothing, and keeps CRLF line endings and a missing final newline', () => {
    assert.equal(upsertProfile('', 'p', ENTRIES), `[p]\n${NEW_BLOCK}\n`);
    const crlf = '[a]\r\nx = 1\r\n';
    assert.equal(upsertProfile(crlf, 'p', ENTRIES), `[a]\r\nx = 1\r\n\r\n[p]\r\n${NEW_BLOCK.replace(/\n/g, '\r\n')}\r\n`);
    assert.equal(upsertProfile('[a]\nx = 1', 'a', [['x', '2']]), '[a]\nx = 2');
    assert.equal(upsertProfile('[a]\nx = 1', 'b', [['k', 'v']]), '[a]\nx = 1\n\n[b]\nk = v\n');
  });

  it('does not confuse a profile with a longer name, a key prefix, or [profile x] (config-file syntax)', () => {
    const text = '[devops]\naws_access_key_id = KEEP\n[profile dev]\naws_access_key_id = KEEP2\n[dev]\naws_access_key_id_old = KEEP3\n';
    const out = upsertProfile(text, 'dev', [['aws_access_key_id', 'NEW']]);
    assert.equal(out, '[devops]\naws_access_key_id = KEEP\n[profile dev]\naws_access_key_id = KEEP2\n[dev]\naws_access_key_id_old = KEEP3\naws_access_key_id = NEW\n');
  });

  it('refuses a value with a line break (it would inject a key or a section)', () => {
    assert.throws(() => upsertProfile('', 'p', [['aws_session_token', 'a\n[default]']]), /line break/);
  });
});

describe('sesame-aws: writeProfile writes atomically, mode 0600', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-aws-creds-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates ~/.aws (0700) and the file (0600), and leaves no temp or lock file behind', async () => {
    const file = path.join(dir, 'home', '.aws', 'credentials');
    await writeProfile(file, 'dev', ENTRIES);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['credentials']);
    assert.equal(fs.readFileSync(file, 'utf8'), `[dev]\n${NEW_BLOCK}\n`);
  });

  it('tightens a world-readable file to 0600 and writes through a symlink to its target', async () => {
    const real = path.join(dir, 'real-credentials');
    fs.writeFileSync(real, EXISTING, { mode: 0o644 });
    fs.chmodSync(real, 0o644);
    const link = path.join(dir, 'link-credentials');
    fs.symlinkSync(real, link);
    await writeProfile(link, 'dev', ENTRIES);
    assert.ok(fs.lstatSync(link).isSymbolicLink(), 'the link is still a link');
    assert.equal(fs.statSync(real).mode & 0o777, 0o600);
    assert.ok(fs.readFileSync(real, 'utf8').startsWith(EXISTING));
  });

  it('concurrent writers of different profiles both land (the lock serialises read-modify-write)', async () => {
    const file = path.join(dir, 'concurrent');
    fs.writeFileSync(file, EXISTING);
    await Promise.all(['p1', 'p2', 'p3', 'p4'].map((p) => writeProfile(file, p, [['k', p]])));
    const text = fs.readFileSync(file, 'utf8');
    for (const p of ['p1', 'p2', 'p3', 'p4']) assert.ok(text.includes(`[${p}]\nk = ${p}\n`), `${p} is in the file`);
    assert.ok(text.startsWith(EXISTING));
  });
});
