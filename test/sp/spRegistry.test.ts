import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SqliteStore } from '../../src/store/sqliteStore';
import { SqliteSpRegistryStore } from '../../src/store/sqliteSpRegistryStore';
import { SqliteSamlStateStore } from '../../src/store/sqliteSamlStateStore';
import { SpRegistry, SpRegistryError } from '../../src/sp/spRegistry';
import { SpSettingError } from '../../src/sp/spSettings';
import { ensureAwsConsoleSps } from '../../src/sp/awsConsoleSp';
import { AWS_CONSOLE_RELEASE } from '../../src/sp/release/attributeMappers';
import { generateTestKeyPair } from '../helpers/fixtureResponse';
import { spMetadata } from '../e2e/sp/craftedRequests';

let dir: string;
let store: SqliteStore;
let registry: SpRegistry;
const key = generateTestKeyPair('sp');

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-sp-'));
  store = SqliteStore.open(dir);
  registry = new SpRegistry(store, new SqliteSpRegistryStore(store.db), 'cli:tester');
});
after(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('SpRegistry: validated, audited changes to the SP registry', () => {
  test('register from metadata with settings; a second registration of the entityID is a conflict; every change is audited with its actor', async () => {
    const xml = spMetadata({ entityId: 'https://app/md', acs: ['https://app/acs'], signingCert: key.certBase64, encryptionCert: key.certBase64 });
    const sp = await registry.register(xml, { name: 'App', release: 'uid,groups' });
    assert.equal(sp.settings.displayName, 'App');
    assert.equal(sp.settings.encryptAssertion, true);
    await assert.rejects(registry.register(xml), /already registered/);
    const audit = await store.listAudit({ event: 'admin.sp.add', limit: 10 });
    assert.equal(audit[0]!.actor, 'cli:tester');
    assert.equal(audit[0]!.subject, 'https://app/md');
  });

  test('settings are checked against the metadata and the groups that exist', async () => {
    await assert.rejects(registry.configure('https://app/md', { groups: 'nobody' }), SpSettingError);
    await assert.rejects(registry.configure('https://app/md', { 'sign-assertion': 'no' }), /WantAssertionsSigned/);
    await assert.rejects(registry.configure('https://app/md', { release: 'uid,telepathy' }), /unknown attribute mapper/);
    await assert.rejects(registry.configure('https://app/md', { lifetime: '5' }), /60–3600/);
    await store.createGroup('staff', null);
    const sp = await registry.configure('https://app/md', { groups: 'staff', encrypt: 'no', nameid: 'transient' });
    assert.deepEqual(sp.settings.allowedGroups, ['staff']);
    assert.equal(sp.settings.nameId, 'transient');
  });

  test('new metadata replaces endpoints and keys, keeps settings; without an encryption key, encryption is switched off', async () => {
    await registry.configure('https://app/md', { encrypt: 'yes' });
    const sp = await registry.updateMetadata(spMetadata({ entityId: 'https://app/md', acs: ['https://app/acs-new'], signingCert: key.certBase64 }));
    assert.deepEqual(sp.acs.map((a) => a.location), ['https://app/acs-new']);
    assert.equal(sp.settings.encryptAssertion, false);
    assert.deepEqual(sp.settings.allowedGroups, ['staff']);
  });

  test('the AWS consoles are config-managed entries with the AWS mappers: seeded idempotently, not removable', async () => {
    const config = { signinUrl: 'https://us-east-2.signin.aws.amazon.com/saml', signinPartition: 'aws' as const, audience: 'urn:amazon:webservices', signResponse: false, assertionLifetimeSeconds: 300 };
    await ensureAwsConsoleSps(registry, config);
    await ensureAwsConsoleSps(registry, config);
    const aws = await registry.get('urn:amazon:webservices');
    assert.equal(aws.source, 'config');
    assert.deepEqual(aws.settings.attributeRelease, AWS_CONSOLE_RELEASE);
    assert.deepEqual(aws.acs.map((a) => a.location), ['https://us-east-2.signin.aws.amazon.com/saml']);
    assert.equal(aws.settings.signResponse, false);
    assert.ok(await registry.get('urn:amazon:webservices:govcloud'));
    await assert.rejects(registry.remove('urn:amazon:webservices'), SpRegistryError);
  });
});

describe('SpRegistry: an SP registered from metadata can never receive what the AWS console or another SP receives', () => {
  const md = (entityId: string, acs = 'https://other.example/acs') => spMetadata({ entityId, acs: [acs] });
  const refusedBy = (pattern: RegExp) => (e: unknown) => e instanceof SpSettingError && pattern.test(e.message);

  test('the AWS audience (any partition), an AWS sign-in URL as entityID, audience or ACS: refused', async () => {
    for (const audience of ['urn:amazon:webservices', 'urn:amazon:webservices:govcloud', 'URN:AMAZON:webservices:cn-north-1', 'https://signin.aws.amazon.com/saml', 'https://us-east-2.signin.aws.amazon.com/saml/', 'https://signin.amazonaws.cn/saml']) {
      await assert.rejects(registry.register(md('https://wiki.example.net/sp'), { audience }), refusedBy(/audience AWS accepts/), audience);
    }
    await assert.rejects(registry.register(md('https://signin.aws.amazon.com/saml')), refusedBy(/entityID .* AWS accepts/));
    await assert.rejects(registry.register(md('urn:amazon:webservices:evil')), refusedBy(/entityID/));
    await assert.rejects(registry.register(md('https://wiki.example.net/sp', 'https://signin.aws.amazon.com/saml')), refusedBy(/AWS sign-in endpoint/));
    await assert.rejects(registry.register(md('https://wiki.example.net/sp', 'https://eu-west-1.signin.aws.amazon.com/saml/acs/ABC')), refusedBy(/AWS sign-in endpoint/));
    assert.equal((await registry.list()).some((sp) => sp.entityId === 'https://wiki.example.net/sp'), false, 'nothing was registered');
  });

  test('the aws:* mappers are refused on an SP registered from metadata, at registration and later', async () => {
    await assert.rejects(registry.register(md('https://wiki.example.net/sp'), { release: 'uid,aws:role,aws:roleSessionName' }), refusedBy(/aws:role, aws:roleSessionName/));
    await registry.register(md('https://wiki.example.net/sp'));
    await assert.rejects(registry.configure('https://wiki.example.net/sp', { release: 'aws:sessionDuration' }), refusedBy(/AWS console entries only/));
    await assert.rejects(registry.configure('https://wiki.example.net/sp', { audience: 'urn:amazon:webservices' }), refusedBy(/audience AWS accepts/));
  });

  test("another SP's entityID or audience cannot be an SP's audience or entityID", async () => {
    await assert.rejects(registry.configure('https://wiki.example.net/sp', { audience: 'https://app/md' }), refusedBy(/already the entityID or audience/));
    await registry.configure('https://wiki.example.net/sp', { audience: 'https://wiki.example.net/audience' });
    await assert.rejects(registry.register(md('https://wiki.example.net/audience')), refusedBy(/already the entityID or audience/));
    await assert.rejects(registry.register(md('https://third.example/sp'), { audience: 'https://wiki.example.net/audience' }), refusedBy(/already the entityID or audience/));
    await registry.configure('https://wiki.example.net/sp', { audience: '' });
  });

  test('a plain-http ACS is refused unless it is on loopback or the admin sets allow-http-acs', async () => {
    await assert.rejects(registry.register(md('https://http.example/sp', 'http://http.example/acs')), refusedBy(/plain http.*allow-http-acs/));
    const loopback = await registry.register(md('https://loop.example/sp', 'http://127.0.0.1:8000/acs'));
    assert.equal(loopback.acs[0]!.location, 'http://127.0.0.1:8000/acs');
    const allowed = await registry.register(md('https://http.example/sp', 'http://http.example/acs'), { 'allow-http-acs': 'yes' });
    assert.equal(allowed.settings.allowHttpAcs, true);
    await assert.rejects(registry.configure('https://http.example/sp', { 'allow-http-acs': 'no' }), refusedBy(/plain http/));
  });

  test('AWS console entries take only the settings /aws/sso, the API and ECP honour (name, release, groups); the rest is refused with the reason', async () => {
    await store.createGroup('aws-users', null);
    const aws = await registry.configure('urn:amazon:webservices', { groups: 'aws-users', name: 'AWS' });
    assert.deepEqual(aws.settings.allowedGroups, ['aws-users']);
    for (const [name, value] of [['audience', 'urn:example'], ['nameid', 'email'], ['lifetime', '3600'], ['encrypt', 'yes'], ['sign-response', 'no'], ['require-signed-requests', 'yes']] as const) {
      await assert.rejects(registry.configure('urn:amazon:webservices', { [name]: value }), refusedBy(new RegExp(`^${name}: not used for .*configuration`)), name);
    }
    await registry.configure('urn:amazon:webservices', { groups: '' });
  });
});

describe('SqliteSamlStateStore: replay cache, transactions, SP sessions', () => {
  test('a message ID is accepted once per issuer; a transaction is taken once; SP sessions are found by subject and by IdP session', async () => {
    const state = new SqliteSamlStateStore(store.db);
    const later = Date.now() + 60_000;
    assert.equal(await state.rememberMessageId('sp', 'id1', later), true);
    assert.equal(await state.rememberMessageId('sp', 'id1', later), false);
    assert.equal(await state.rememberMessageId('other-sp', 'id1', later), true);
    await state.putTransaction('k', 'sso', '{}', later);
    assert.equal(await state.getTransaction('k', 'slo', Date.now()), null, 'kinds do not mix');
    assert.equal(await state.takeTransaction('k', 'sso'), true);
    assert.equal(await state.takeTransaction('k', 'sso'), false);
    await state.recordSpSession({ idpSessionIndex: '_i', spEntityId: 'sp', spSessionIndex: '_s', nameId: 'n', nameIdFormat: 'f', sid: 's', userId: 1, createdAt: Date.now(), expiresAt: later });
    assert.equal((await state.findSpSessionsBySubject('sp', 'n', Date.now()))[0]!.spSessionIndex, '_s', 'the SP\'s own SessionIndex is kept');
    assert.equal((await state.listSpSessions('_i', Date.now())).length, 1);
    await state.removeSpSessions('_i');
    assert.equal((await state.listSpSessions('_i', Date.now())).length, 0);
  });
});
