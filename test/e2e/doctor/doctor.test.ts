/**
 * User story (issue 3, item 4): an admin asks `sesame doctor` why AWS would refuse a SAML response,
 * before trying AWS. It judges responses from the running IdP (fetched through its JSON API, or
 * saved to a file) against the metadata, with the same rule set as the STS emulator, names every
 * broken rule with its fix, and exits 0 only when AWS would accept.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { repoRoot } from '../../helpers/repoRoot';
import { sesameCli } from '../../helpers/sesameProcess';
import { SqliteStore } from '../../../src/store/sqliteStore';
import { SqliteMfaStore } from '../../../src/store/sqliteMfaStore';
import { NS_SAML, only, resign } from '../../aws/rules/ruleKit';
import { ACCOUNT, ALICE, AUDITOR, DEVELOPER, OPERATOR, assertionFor, decode, encode, startIdpWithGrants, type IdpFixture } from '../sts/idpFixture';

let fixture: IdpFixture;
let misconfigured: IdpFixture;
let dir: string;
let metadataFile: string;

interface DoctorRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function doctor(args: string[], stdin = ''): DoctorRun {
  const run = spawnSync(process.execPath, [path.join(repoRoot(), 'bin', 'sesame.js'), 'doctor', ...args], { env: { PATH: process.env.PATH, HOME: dir }, input: stdin, encoding: 'utf8', timeout: 60_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function save(name: string, content: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

/** Exit 1, the rule named as an ERROR, and the words of the finding. */
function assertBroken(run: DoctorRun, rule: string, words: RegExp): void {
  assert.equal(run.code, 1, `exit code 1 expected:\n${run.stdout}${run.stderr}`);
  assert.match(run.stdout, /AWS would REJECT this response/);
  assert.match(run.stdout, new RegExp(`^ERROR ${rule} `, 'm'), run.stdout);
  assert.match(run.stdout, words);
  assert.match(run.stdout, /fix: /);
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-doctor-'));
  [fixture, misconfigured] = await Promise.all([
    startIdpWithGrants(),
    // Audience and sign-in URL an admin might get wrong: a regional Recipient breaks the default trust policy (TP2).
    startIdpWithGrants({ SESAME_AWS_AUDIENCE: 'urn:example:not-aws', SESAME_AWS_SIGNIN_URL: 'https://us-east-2.signin.aws.amazon.com/saml' }),
  ]);
  metadataFile = save('idp-metadata.xml', fixture.metadataXml);
  // Dave has an authenticator app, enrolled in the MFA store as the enrolment page would do it.
  for (const args of [['user', 'add', DAVE.username, '--email', 'dave@example.com', '--password-stdin'], ['group', 'add-member', 'developers', DAVE.username]]) {
    const result = sesameCli(fixture.idp, args, DAVE.password);
    assert.equal(result.status, 0, result.stderr);
  }
  const store = SqliteStore.open(fixture.idp.env.SESAME_DATA_DIR!);
  try {
    const dave = (await store.findUserByUsername(DAVE.username))!;
    await new SqliteMfaStore(store.db).enrolTotp(dave.id, TOTP_SECRET, []);
  } finally {
    await store.close();
  }
});

const DAVE = { username: 'dave', password: 'a second factor keeps me safe' };
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

/** The current RFC 6238 code, from Python's standard library: an authenticator nobody here wrote. */
function totpNow(): string {
  const script = "import base64,hmac,hashlib,struct,sys,time\nk=base64.b32decode(sys.argv[1])\nm=hmac.new(k,struct.pack('>Q',int(time.time())//30),hashlib.sha1).digest()\no=m[-1]&15\nprint('%06d'%((struct.unpack('>I',m[o:o+4])[0]&0x7fffffff)%1000000))";
  const run = spawnSync('/usr/bin/python3', ['-c', script, TOTP_SECRET], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.trim();
}

after(async () => {
  await Promise.all([fixture?.idp.stop(), misconfigured?.idp.stop()]);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('admin: a healthy IdP', () => {
  test('--from-idp fetches a fresh response through the JSON API and exits 0 with the session AWS would grant', () => {
    const run = doctor(['--from-idp', fixture.idp.baseUrl, '--user', ALICE.username, '--password-stdin', '--role', DEVELOPER], ALICE.password);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, new RegExp(`AWS would accept this response for role ${DEVELOPER}: credentials for 3600 s as arn:aws:sts::${ACCOUNT}:assumed-role/Developer/alice@example\\.com\\.`));
    assert.match(run.stdout, /Signatures {2}Assertion verified, Response verified/);
    assert.ok(!run.stdout.includes(ALICE.password) && !run.stderr.includes(ALICE.password), 'the password is never printed');
  });

  test('--json gives scripts the verdict, the findings and the session', () => {
    const run = doctor(['--from-idp', fixture.idp.baseUrl, '--user', ALICE.username, '--password-stdin', '--role', DEVELOPER, '--json'], ALICE.password);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.accepted, true);
    assert.deepEqual(report.findings, []);
    assert.equal(report.session.assumedRoleArn, `arn:aws:sts::${ACCOUNT}:assumed-role/Developer/alice@example.com`);
    assert.equal(report.response.recipient, 'https://signin.aws.amazon.com/saml');
  });

  test('a saved response as XML, as base64, or as a copied form body is judged alike', async () => {
    const samlResponse = await assertionFor(fixture.idp, DEVELOPER);
    for (const [name, content] of [
      ['response.xml', decode(samlResponse)],
      ['response.b64', samlResponse + '\n'],
      ['form-body.txt', new URLSearchParams({ SAMLResponse: samlResponse, RelayState: '' }).toString()],
    ]) {
      const run = doctor(['--response', save(name!, content!), '--metadata', metadataFile]);
      assert.equal(run.code, 0, `${name}: ${run.stdout}${run.stderr}`);
      assert.match(run.stdout, /^AWS would accept this response\.$/m);
    }
    const inline = doctor(['--response-b64', samlResponse, '--metadata', `${fixture.idp.baseUrl}/saml/metadata`]);
    assert.equal(inline.code, 0, inline.stdout);
  });
});

describe('admin: every broken rule, named with its fix', () => {
  let samlResponse: string;
  let issuedAt: Date;
  before(async () => {
    samlResponse = await assertionFor(fixture.idp, DEVELOPER);
    issuedAt = new Date(/IssueInstant="([^"]+)"/.exec(decode(samlResponse))![1]!);
  });

  const check = (content: string, extra: string[] = []) => doctor(['--response', save(`r-${Math.random().toString(36).slice(2)}.b64`, content), '--metadata', metadataFile, ...extra]);
  const resigned = (mutate: (doc: Document) => void) => encode(resign(decode(samlResponse), fixture.signingKeyPem, mutate));

  test('T2/T3: an expired response, judged six minutes after issue', () => {
    const run = check(samlResponse, ['--at', new Date(issuedAt.getTime() + 6 * 60_000).toISOString()]);
    assertBroken(run, 'T2', /the response has expired/);
    assert.match(run.stdout, /^ERROR T3 /m);
    assert.match(run.stdout, /STS answers ExpiredTokenException \(HTTP 400\) "Response has expired"/);
  });

  test('S1: a tampered response', () => {
    const run = check(encode(decode(samlResponse).replace(`>${ALICE.email}<`, '>admin@example.com<')));
    assertBroken(run, 'S1', /changed after it was signed/);
    assert.match(run.stdout, /NOT verified/);
  });

  test('E6: the audience wrong — "Audience is X; AWS expects urn:amazon:webservices"', () => {
    const run = check(resigned((doc) => (only(doc, NS_SAML, 'Audience').textContent = 'urn:example:not-aws')));
    assertBroken(run, 'E6', /Audience is "urn:example:not-aws"; AWS expects urn:amazon:webservices/);
    assert.match(run.stdout, /SESAME_AWS_AUDIENCE/);
  });

  test('E3: the recipient wrong — "Recipient is X; AWS expects https://signin.aws.amazon.com/saml"', () => {
    const run = check(resigned((doc) => only(doc, NS_SAML, 'SubjectConfirmationData').setAttribute('Recipient', 'https://sp.example.com/saml/acs')));
    assertBroken(run, 'E3', /Recipient is "https:\/\/sp\.example\.com\/saml\/acs"; AWS expects https:\/\/signin\.aws\.amazon\.com\/saml/);
  });

  test('A1: a role the response does not grant — and the IdP will not issue one for it', () => {
    assertBroken(check(samlResponse, ['--role', OPERATOR]), 'A1', /role\/Operator is not in the response's Role attribute/);
    const fromIdp = doctor(['--from-idp', fixture.idp.baseUrl, '--user', ALICE.username, '--password-stdin', '--role', OPERATOR], ALICE.password);
    assert.equal(fromIdp.code, 1);
    assert.match(fromIdp.stderr, /issued no SAML response for alice and role arn:aws:iam::111122223333:role\/Operator: .*not granted/);
  });

  test('T6: DurationSeconds above the role\'s MaxSessionDuration', () => {
    const run = check(samlResponse, ['--role', DEVELOPER, '--duration', '7200']);
    assertBroken(run, 'T6', /DurationSeconds is 7200 s but the role's MaxSessionDuration is 3600 s/);
    assert.equal(check(samlResponse, ['--role', DEVELOPER, '--duration', '7200', '--max-session-duration', '7200']).code, 0, 'accepted once the role allows it');
  });

  test('A3: DurationSeconds above SessionDuration is accepted by AWS with shorter credentials — a warning, failing only with --strict', async () => {
    const auditor = await assertionFor(fixture.idp, AUDITOR);
    const run = check(auditor, ['--role', AUDITOR, '--duration', '3600']);
    assert.equal(run.code, 0, run.stdout);
    assert.match(run.stdout, /credentials for 900 s/);
    assert.match(run.stdout, /^WARN {2}A3 {3}DurationSeconds is 3600 s but the response's SessionDuration is 900 s: AWS issues credentials for 900 s only/m);
    assert.equal(check(auditor, ['--role', AUDITOR, '--duration', '3600', '--strict']).code, 1);
  });

  test('R1/S1: judged against another IdP\'s metadata, the Issuer and the signing certificate are named', () => {
    const run = doctor(['--response-b64', samlResponse, '--metadata', save('other-metadata.xml', misconfigured.metadataXml)]);
    assertBroken(run, 'R1', /Issuer is "http:\/\/127\.0\.0\.1:\d+\/saml\/metadata"; the provider's metadata has entityID/);
    assert.match(run.stdout, /^ERROR S1 .*not in the provider's metadata/m);
  });
});

describe('admin: a misconfigured IdP', () => {
  test('lists every broken rule at once: the audience (E6) and the regional Recipient against the default trust policy (TP2)', () => {
    const run = doctor(['--from-idp', misconfigured.idp.baseUrl, '--user', ALICE.username, '--password-stdin', '--role', DEVELOPER], ALICE.password);
    assertBroken(run, 'E6', /Audience is "urn:example:not-aws"; AWS expects urn:amazon:webservices/);
    assert.match(run.stdout, /^ERROR TP2 .*Recipient \(the SAML:aud condition key\) is "https:\/\/us-east-2\.signin\.aws\.amazon\.com\/saml"/m);
    assert.match(run.stdout, /SESAME_AWS_SIGNIN_URL/);
    const withRegionalTrust = doctor(['--from-idp', misconfigured.idp.baseUrl, '--user', ALICE.username, '--password-stdin', '--role', DEVELOPER, '--saml-aud', 'https://us-east-2.signin.aws.amazon.com/saml'], ALICE.password);
    assert.doesNotMatch(withRegionalTrust.stdout, /TP2/, 'a trust policy listing the regional URL clears TP2');
    assert.match(withRegionalTrust.stdout, /^ERROR E6 /m);
  });
});

describe('usage errors are clear and never hang', () => {
  test('a wrong password: the IdP\'s refusal, exit 1', () => {
    const run = doctor(['--from-idp', fixture.idp.baseUrl, '--user', ALICE.username, '--password-stdin'], 'not the password at all');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /refused the sign-in of alice: Incorrect username or password/);
  });

  test('a second factor: without --otp and without a terminal the doctor names --otp; with the code it judges', () => {
    const missing = doctor(['--from-idp', fixture.idp.baseUrl, '--user', DAVE.username, '--password-stdin', '--role', DEVELOPER], DAVE.password);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /needs a one-time code for dave: pass --otp CODE/);
    const withCode = doctor(['--from-idp', fixture.idp.baseUrl, '--user', DAVE.username, '--password-stdin', '--otp', totpNow(), '--role', DEVELOPER], DAVE.password);
    assert.equal(withCode.code, 0, withCode.stdout + withCode.stderr);
    assert.match(withCode.stdout, /assumed-role\/Developer\/dave@example\.com/);
  });

  test('no terminal and no --password-stdin: names the flag, exit 2; no response source or no metadata: exit 2', () => {
    const noPassword = doctor(['--from-idp', fixture.idp.baseUrl, '--user', ALICE.username]);
    assert.equal(noPassword.code, 2);
    assert.match(noPassword.stderr, /--password-stdin/);
    const cleartext = doctor(['--from-idp', 'http://sso.example.com', '--user', ALICE.username, '--password-stdin'], ALICE.password);
    assert.equal(cleartext.code, 2);
    assert.match(cleartext.stderr, /password would travel unencrypted; use https:\/\//);
    const nothing = doctor(['--metadata', metadataFile]);
    assert.equal(nothing.code, 2);
    assert.match(nothing.stderr, /exactly one of --response, --response-b64 or --from-idp/);
    const noMetadata = doctor(['--response-b64', 'PHg+']);
    assert.equal(noMetadata.code, 2);
    assert.match(noMetadata.stderr, /--metadata FILE\|URL is required/);
  });
});
