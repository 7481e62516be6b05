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
    await state.recordSpSession({ idpSessionIndex: '_i', spEntityId: 'sp', nameId: 'n', nameIdFormat: 'f', sid: 's', userId: 1, createdAt: Date.now(), expiresAt: later });
    assert.equal((await state.findSpSessionsBySubject('sp', 'n', Date.now())).length, 1);
    assert.equal((await state.listSpSessions('_i', Date.now())).length, 1);
    await state.removeSpSessions('_i');
    assert.equal((await state.listSpSessions('_i', Date.now())).length, 0);
  });
});
