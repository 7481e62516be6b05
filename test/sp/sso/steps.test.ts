import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkAuthnContext } from '../../../src/sp/sso/steps/checkAuthnContext';
import { checkFreshness } from '../../../src/sp/sso/steps/checkFreshness';
import { checkNameIdPolicy } from '../../../src/sp/sso/steps/checkNameIdPolicy';
import { checkSpAccess } from '../../../src/sp/sso/steps/checkSpAccess';
import { selectAcs } from '../../../src/sp/sso/steps/selectAcs';
import { checkSecondFactor } from '../../../src/sp/sso/steps/checkSecondFactor';
import type { SecondFactorCheck } from '../../../src/auth/secondFactor';
import type { UserRecord } from '../../../src/store/store';
import { SamlReplyError } from '../../../src/sp/sso/ssoTypes';
import { SamlIntakeError } from '../../../src/saml/intake/samlIntakeError';
import { defaultSettings } from '../../../src/sp/spSettings';
import { BINDING_HTTP_POST, type ServiceProvider } from '../../../src/sp/serviceProvider';

const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';
const EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
const PASSWORD = 'urn:oasis:names:tc:SAML:2.0:ac:classes:Password';
const PPT = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
const MFA = 'https://refeds.org/profile/mfa';

function sp(overrides: Partial<ServiceProvider['settings']> = {}): ServiceProvider {
  const facts = {
    entityId: 'https://sp/md',
    acs: [
      { binding: BINDING_HTTP_POST, location: 'https://sp/acs1', index: 1 },
      { binding: BINDING_HTTP_POST, location: 'https://sp/acs0', index: 0, isDefault: true },
      { binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact', location: 'https://sp/art', index: 2 },
    ],
    slo: [],
    signingCertificates: [],
    encryptionCertificates: [],
    authnRequestsSigned: false,
    wantAssertionsSigned: true,
    nameIdFormats: [],
  };
  return { ...facts, id: 1, settings: { ...defaultSettings(facts), ...overrides }, source: 'metadata', metadataXml: null, createdAt: '', updatedAt: '' };
}

describe('SSO pipeline steps', () => {
  test('selectAcs: exact registered URL, registered index, or the default; never anything else', () => {
    assert.equal(selectAcs(sp(), { acsUrl: 'https://sp/acs1', acsIndex: null }), 'https://sp/acs1');
    assert.equal(selectAcs(sp(), { acsUrl: null, acsIndex: 1 }), 'https://sp/acs1');
    assert.equal(selectAcs(sp(), { acsUrl: null, acsIndex: null }), 'https://sp/acs0');
    for (const acsUrl of ['https://sp/acs1/', 'https://SP/acs1', 'https://sp/art', 'https://evil/acs1']) {
      assert.throws(() => selectAcs(sp(), { acsUrl, acsIndex: null }), (e: unknown) => e instanceof SamlIntakeError && e.rule === 'request.acs' && e.status === 403, acsUrl);
    }
    assert.throws(() => selectAcs(sp(), { acsUrl: null, acsIndex: 2 }), SamlIntakeError, 'an Artifact endpoint is not a POST ACS');
  });

  test('checkNameIdPolicy: configured, opaque formats, unspecified; e-mail only when configured', () => {
    assert.equal(checkNameIdPolicy(sp(), null), 'persistent');
    assert.equal(checkNameIdPolicy(sp(), { format: TRANSIENT, allowCreate: true, spNameQualifier: null }), 'transient');
    assert.equal(checkNameIdPolicy(sp(), { format: PERSISTENT, allowCreate: true, spNameQualifier: null }), 'persistent');
    assert.throws(() => checkNameIdPolicy(sp(), { format: EMAIL, allowCreate: true, spNameQualifier: null }), (e: unknown) => e instanceof SamlReplyError && e.status.subCode!.endsWith('InvalidNameIDPolicy'));
    assert.equal(checkNameIdPolicy(sp({ nameId: 'email' }), { format: EMAIL, allowCreate: true, spNameQualifier: null }), 'email');
    assert.throws(() => checkNameIdPolicy(sp(), { format: PERSISTENT, allowCreate: true, spNameQualifier: 'https://other' }), SamlReplyError);
    assert.throws(() => checkNameIdPolicy(sp(), { format: 'urn:x:unknown', allowCreate: null, spNameQualifier: null }), SamlReplyError);
  });

  test('checkNameIdPolicy: an SP configured for transient (or e-mail, username) cannot get a persistent NameID by asking for one', () => {
    for (const nameId of ['transient', 'email', 'username'] as const) {
      assert.throws(
        () => checkNameIdPolicy(sp({ nameId }), { format: PERSISTENT, allowCreate: true, spNameQualifier: null }),
        (e: unknown) => e instanceof SamlReplyError && e.status.subCode!.endsWith('InvalidNameIDPolicy'),
        nameId,
      );
      assert.equal(checkNameIdPolicy(sp({ nameId }), { format: TRANSIENT, allowCreate: true, spNameQualifier: null }), 'transient', 'transient reveals less, so it may be asked for');
    }
  });

  test('StatusMessages are fixed text: nothing from the request is echoed into the signed reply', () => {
    const injected = 'urn:x:Your account is locked. Call +1-555-0100';
    assert.throws(
      () => checkNameIdPolicy(sp(), { format: injected, allowCreate: null, spNameQualifier: null }),
      (e: unknown) => e instanceof SamlReplyError && !e.status.message!.includes('555') && e.status.message === 'The requested NameID format is not released to this service provider.',
    );
    assert.throws(
      () => checkAuthnContext({ comparison: 'exact', classRefs: [injected] }, PASSWORD),
      (e: unknown) => e instanceof SamlReplyError && !e.status.message!.includes('555') && !e.status.message!.includes(PASSWORD),
    );
  });

  test('defaultSettings: persistent NameID even when the metadata lists e-mail first (an admin decides on e-mail)', () => {
    const facts = { ...sp(), nameIdFormats: [EMAIL, TRANSIENT] };
    assert.equal(defaultSettings(facts).nameId, 'persistent');
    assert.equal(defaultSettings(facts).allowHttpAcs, false);
  });

  test('checkAuthnContext: exact, minimum, better, maximum against the context this sign-in really had', () => {
    checkAuthnContext(null, PASSWORD);
    checkAuthnContext({ comparison: 'exact', classRefs: [PASSWORD] }, PASSWORD);
    assert.throws(() => checkAuthnContext({ comparison: 'exact', classRefs: [PPT] }, PASSWORD), (e: unknown) => e instanceof SamlReplyError && e.status.subCode!.endsWith('NoAuthnContext'));
    checkAuthnContext({ comparison: 'minimum', classRefs: [PPT] }, MFA);
    assert.throws(() => checkAuthnContext({ comparison: 'minimum', classRefs: [MFA] }, PPT), SamlReplyError);
    assert.throws(() => checkAuthnContext({ comparison: 'better', classRefs: [PPT] }, PPT), SamlReplyError);
    checkAuthnContext({ comparison: 'maximum', classRefs: [PPT] }, PASSWORD);
  });

  test('checkSpAccess: groups restrict, case-insensitively; an empty list lets everyone in', () => {
    checkSpAccess(sp(), []);
    checkSpAccess(sp({ allowedGroups: ['Wiki'] }), ['wiki']);
    assert.throws(() => checkSpAccess(sp({ allowedGroups: ['wiki'] }), ['other']), (e: unknown) => e instanceof SamlReplyError && e.status.subCode!.endsWith('RequestDenied'));
  });

  test('checkFreshness: too old (beyond max age + skew) and in the future (beyond skew) are refused', () => {
    const now = new Date('2026-11-24T10:00:00Z');
    const policy = { maxAgeSeconds: 300, skewSeconds: 60 };
    checkFreshness(new Date(now.getTime() - 359_000), now, policy);
    checkFreshness(new Date(now.getTime() + 59_000), now, policy);
    assert.throws(() => checkFreshness(new Date(now.getTime() - 361_000), now, policy), (e: unknown) => e instanceof SamlIntakeError && e.rule === 'request.stale');
    assert.throws(() => checkFreshness(new Date(now.getTime() + 61_000), now, policy), (e: unknown) => e instanceof SamlIntakeError && e.rule === 'request.future');
  });

  test('checkSecondFactor (finding 1): no assertion from a password-only session of a user who needs a second factor now; AuthnFailed to the SP', async () => {
    const user = { id: 1, username: 'alice' } as UserRecord;
    const session = (secondFactor: boolean) => ({ user, authnInstant: new Date(), sessionIndex: '_s', secondFactor, sid: 'sid' });
    const policy = (required: boolean): SecondFactorCheck => ({ isRequired: async () => required, verify: async () => 'invalid' });
    await checkSecondFactor(policy(false), session(false));
    await checkSecondFactor(policy(true), session(true));
    await checkSecondFactor(undefined, session(false));
    await assert.rejects(checkSecondFactor(policy(true), session(false)), (e: unknown) => {
      assert.ok(e instanceof SamlReplyError);
      assert.equal(e.rule, 'sso.second-factor');
      assert.equal(e.status.subCode, 'urn:oasis:names:tc:SAML:2.0:status:AuthnFailed');
      return true;
    });
  });
});
