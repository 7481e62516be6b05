/**
 * The shared AWS rule set (src/aws/rules), rule by rule: a response from Sesame's own builder is
 * accepted, and each broken rule of aws-saml-rules.md is refused with its rule id and AWS's error code
 * (rules P3). Negatives are re-signed with the IdP key, so exactly the rule under test breaks.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { defaultRoleTrust, judgeSamlResponse, type Judgement, type RoleTrust } from '../../../src/aws/rules';
import { IDP_ENTITY_ID } from '../../saml/samlTestKit';
import {
  ADMIN_ROLE,
  DURATION_ATTRIBUTE,
  NOW,
  NS_SAML,
  NS_SAMLP,
  PROVIDER,
  ROLE_ATTRIBUTE,
  RSN_ATTRIBUTE,
  URI_FORMAT,
  adminRequest,
  b64,
  errorRules,
  judge,
  only,
  resign,
  ruleKit,
  sesameResponse,
  setAttribute,
  warningRules,
} from './ruleKit';

const minutes = (n: number) => new Date(NOW.getTime() + n * 60_000);
const key = () => ruleKit().key.privateKey;
const trust = (overrides: Partial<RoleTrust>): RoleTrust => ({ ...defaultRoleTrust('aws'), ...overrides });
const roleValue = (role = ADMIN_ROLE, provider = PROVIDER) => `${role},${provider}`;

/** The response is refused with `rule` first and AWS's `code`; `only` lists every error rule expected. */
function assertRefused(judgement: Judgement, rule: string, code: string, options: { message?: RegExp; only?: string[] } = {}): void {
  const first = judgement.findings.find((f) => f.severity === 'error');
  assert.equal(judgement.accepted, false, 'the response must be refused');
  assert.equal(judgement.session, null, 'no session for a refused response');
  assert.equal(first?.rule, rule, `first broken rule: ${JSON.stringify(judgement.findings, null, 1)}`);
  assert.equal(judgement.rejection?.code, code);
  if (options.message) assert.match(`${first!.message} | ${judgement.rejection!.message}`, options.message);
  assert.ok(first!.fix.length > 10, 'every error says how to fix it');
  assert.deepEqual([...new Set(errorRules(judgement))], options.only ?? [rule]);
}

describe('accepted: what AWS would take', () => {
  test("a response from Sesame's builder is accepted for its granted role, with the STS identity fields of N3", () => {
    const judgement = judge(sesameResponse());
    assert.equal(judgement.accepted, true, JSON.stringify(judgement.findings));
    assert.deepEqual(judgement.findings, []);
    assert.equal(judgement.facts?.trusted, true);
    const session = judgement.session!;
    assert.equal(session.assumedRoleArn, 'arn:aws:sts::111122223333:assumed-role/Admin/alice');
    assert.equal(session.audience, 'https://signin.aws.amazon.com/saml', 'saml:aud is the Recipient (E7)');
    assert.equal(session.issuer, IDP_ENTITY_ID);
    assert.equal(session.subject, 'k3Jx0pV8qYz-opaque-persistent-id');
    assert.equal(session.subjectType, 'persistent');
    const expected = createHash('sha1').update(`${IDP_ENTITY_ID}111122223333/Sesame`).digest('base64');
    assert.equal(session.nameQualifier, expected);
    assert.equal(session.lifetimeSeconds, 3600, 'DurationSeconds defaults to 3600');
  });

  test('without a request (the doctor without --role) the response alone is judged', () => {
    const judgement = judgeSamlResponse({ samlResponse: b64(sesameResponse()), provider: ruleKit().provider, now: NOW });
    assert.equal(judgement.accepted, true);
    assert.equal(judgement.session, null);
  });

  test('S1: an unsigned Response around a signed Assertion is accepted (as Entra ID sends it)', () => {
    assert.equal(judge(sesameResponse({ signResponse: false })).accepted, true);
  });

  test('A3/T6: SessionDuration shortens the credentials below DurationSeconds, with a warning', () => {
    const xml = resign(sesameResponse(), key(), (doc) => setAttribute(doc, DURATION_ATTRIBUTE, ['900']));
    const judgement = judge(xml, { request: adminRequest({ durationSeconds: 3600 }) });
    assert.equal(judgement.accepted, true, JSON.stringify(judgement.findings));
    assert.equal(judgement.session?.lifetimeSeconds, 900);
    assert.deepEqual(warningRules(judgement), ['A3']);
  });

  test('T6: DurationSeconds up to a raised MaxSessionDuration is granted', () => {
    const judgement = judge(sesameResponse(), { request: adminRequest({ durationSeconds: 28800 }), role: trust({ maxSessionDuration: 43200 }) });
    assert.equal(judgement.accepted, true);
    assert.equal(judgement.session?.lifetimeSeconds, 28800);
  });

  test('E6: the sign-in URL is also accepted as Audience', () => {
    assert.equal(judge(sesameResponse({ audience: 'https://signin.aws.amazon.com/saml' })).accepted, true);
  });

  test('TP2: a regional Recipient passes when the trust policy lists it', () => {
    const regional = 'https://us-east-2.signin.aws.amazon.com/saml';
    assert.equal(judge(sesameResponse({ destination: regional }), { role: trust({ samlAud: [regional] }) }).accepted, true);
  });

  test('GovCloud: its own ACS, audience and ARNs', () => {
    const govRole = 'arn:aws-us-gov:iam::111122223333:role/Admin';
    const govProvider = 'arn:aws-us-gov:iam::111122223333:saml-provider/Sesame';
    const xml = sesameResponse({
      destination: 'https://signin.amazonaws-us-gov.com/saml',
      audience: 'urn:amazon:webservices:govcloud',
      attributes: [
        { name: ROLE_ATTRIBUTE, nameFormat: URI_FORMAT, values: [roleValue(govRole, govProvider)] },
        { name: RSN_ATTRIBUTE, nameFormat: URI_FORMAT, values: ['alice'] },
      ],
    });
    const judgement = judge(xml, { providerArn: govProvider, request: adminRequest({ roleArn: govRole, principalArn: govProvider }), role: defaultRoleTrust('aws-us-gov') });
    assert.equal(judgement.accepted, true, JSON.stringify(judgement.findings));
    assert.equal(judgement.session?.assumedRoleArn, 'arn:aws-us-gov:sts::111122223333:assumed-role/Admin/alice');
    assertRefused(judge(xml), 'E6', 'InvalidIdentityToken', { only: ['E6', 'E3', 'A1', 'TP2'] });
  });
});

describe('refused: Issuer, status and time (R1, T1–T7)', () => {
  test('R1: an Issuer other than the metadata entityID → InvalidIdentityToken "Issuer not present in specified provider"', () => {
    assertRefused(judge(sesameResponse({ issuer: 'https://other-idp.example/saml' })), 'R1', 'InvalidIdentityToken', { message: /Issuer not present in specified provider/ });
  });

  test('R1: an unsuccessful StatusCode → IDPRejectedClaim', () => {
    const xml = resign(sesameResponse(), key(), (doc) => only(doc, NS_SAMLP, 'StatusCode').setAttribute('Value', 'urn:oasis:names:tc:SAML:2.0:status:Requester'));
    assertRefused(judge(xml), 'R1', 'IDPRejectedClaim');
  });

  test('T2: after NotOnOrAfter → ExpiredTokenException "Response has expired" (no tolerance)', () => {
    const judgement = judge(sesameResponse(), { now: minutes(5) });
    assertRefused(judgement, 'T2', 'ExpiredTokenException', { message: /Response has expired/, only: ['T2'] });
    assert.equal(judge(sesameResponse(), { now: new Date(NOW.getTime() + 299_999) }).accepted, true, 'one millisecond before NotOnOrAfter is fine');
  });

  test('T3: more than 5 minutes after IssueInstant → "Token must be redeemed within 5 minutes of issuance", whatever NotOnOrAfter says', () => {
    const xml = sesameResponse({ lifetimeSeconds: 3600 });
    const judgement = judge(xml, { now: minutes(6) });
    assertRefused(judgement, 'T3', 'ExpiredTokenException', { message: /redeemed within 5 minutes/ });
    assert.ok(warningRules(judge(xml)).includes('T3'), 'a lifetime beyond 5 minutes is flagged even while valid');
  });

  test('T4: NotBefore beyond the clock skew (60 s) → refused; within it → accepted', () => {
    assertRefused(judge(sesameResponse(), { now: minutes(-3) }), 'T4', 'InvalidIdentityToken', { only: ['T4'] });
    assert.equal(judge(sesameResponse(), { now: new Date(NOW.getTime() - 50_000) }).accepted, true, 'IssueInstant 50 s ahead of the clock is within the skew');
    assert.equal(judge(sesameResponse(), { now: minutes(-2), clock: { clockSkewSeconds: 180 } }).accepted, true, 'the skew is configurable');
  });

  test('T1: SubjectConfirmationData without NotOnOrAfter → refused', () => {
    const xml = resign(sesameResponse(), key(), (doc) => only(doc, NS_SAML, 'SubjectConfirmationData').removeAttribute('NotOnOrAfter'));
    assertRefused(judge(xml), 'T1', 'InvalidIdentityToken');
  });

  test('T7: a timestamp without a zone designator → refused', () => {
    const xml = resign(sesameResponse(), key(), (doc) => only(doc, NS_SAML, 'Conditions').setAttribute('NotOnOrAfter', '2026-11-24T10:25:30'));
    assertRefused(judge(xml), 'T7', 'InvalidIdentityToken');
  });

  test('T6: AuthnStatement SessionNotOnOrAfter in the past → refused; in the future it caps the credentials', () => {
    assertRefused(judge(sesameResponse({ sessionNotOnOrAfter: minutes(-1) })), 'T6', 'ExpiredTokenException');
    assert.equal(judge(sesameResponse({ sessionNotOnOrAfter: minutes(20) })).session?.lifetimeSeconds, 1200);
  });
});

describe('refused: audience, recipient and subject (E3, E6, R3, N1, TP2)', () => {
  test('E6: a wrong Audience → InvalidIdentityToken "Response does not contain the required audience"', () => {
    const judgement = judge(sesameResponse({ audience: 'urn:example:not-aws' }));
    assertRefused(judgement, 'E6', 'InvalidIdentityToken', { message: /required audience/ });
    assert.match(judgement.findings[0]!.message, /Audience is "urn:example:not-aws"; AWS expects urn:amazon:webservices/);
  });

  test('E6: no AudienceRestriction at all → refused', () => {
    const xml = resign(sesameResponse(), key(), (doc) => {
      const restriction = only(doc, NS_SAML, 'AudienceRestriction');
      restriction.parentNode!.removeChild(restriction);
    });
    assertRefused(judge(xml), 'E6', 'InvalidIdentityToken');
  });

  test('E3: a Recipient that is not an AWS sign-in URL → AccessDenied, naming the value and what AWS expects', () => {
    const xml = resign(sesameResponse(), key(), (doc) => only(doc, NS_SAML, 'SubjectConfirmationData').setAttribute('Recipient', 'https://sp.example.com/acs'));
    const judgement = judge(xml);
    assertRefused(judgement, 'E3', 'AccessDenied', { only: ['E3', 'TP2'] });
    assert.equal(judgement.findings[0]!.message, 'Recipient is "https://sp.example.com/acs"; AWS expects https://signin.aws.amazon.com/saml');
    assert.ok(warningRules(judgement).includes('E5'), 'Destination ≠ Recipient is flagged');
  });

  test('E3: a look-alike host is not AWS', () => {
    const xml = sesameResponse({ destination: 'https://signin.aws.amazon.com.evil.example/saml' });
    assertRefused(judge(xml), 'E3', 'AccessDenied', { only: ['E3', 'TP2'] });
  });

  test('TP2: a regional Recipient under the console-default trust policy → AccessDenied', () => {
    assertRefused(judge(sesameResponse({ destination: 'https://eu-west-1.signin.aws.amazon.com/saml' })), 'TP2', 'AccessDenied');
  });

  test('E4: a provider-specific sign-in URL for another provider ID → AccessDenied', () => {
    const xml = sesameResponse({ destination: 'https://us-east-1.signin.aws.amazon.com/saml/acs/SAMLSPAAAAAAAAAAAAAAAA' });
    const judgement = judge(xml, { providerUuid: 'SAMLSPBBBBBBBBBBBBBBBB', role: trust({ samlAud: [] }) });
    assertRefused(judgement, 'E4', 'AccessDenied');
  });

  test('E3: a holder-of-key confirmation, or two confirmations → refused', () => {
    const hok = resign(sesameResponse(), key(), (doc) => only(doc, NS_SAML, 'SubjectConfirmation').setAttribute('Method', 'urn:oasis:names:tc:SAML:2.0:cm:holder-of-key'));
    assertRefused(judge(hok), 'E3', 'InvalidIdentityToken');
    const two = resign(sesameResponse(), key(), (doc) => {
      const confirmation = only(doc, NS_SAML, 'SubjectConfirmation');
      confirmation.parentNode!.appendChild(confirmation.cloneNode(true));
    });
    assertRefused(judge(two), 'E3', 'InvalidIdentityToken');
  });

  test('R3: no NameID → AccessDenied', () => {
    const xml = resign(sesameResponse(), key(), (doc) => {
      const nameId = only(doc, NS_SAML, 'NameID');
      nameId.parentNode!.removeChild(nameId);
    });
    assertRefused(judge(xml), 'R3', 'AccessDenied');
  });

  test('N1: a NameID format AWS does not list → refused; N2: a transient one only warns', () => {
    assertRefused(judge(sesameResponse({ nameId: { value: 'x', format: 'urn:example:custom-format' } })), 'N1', 'InvalidIdentityToken');
    const transient = judge(sesameResponse({ nameId: { value: '_t123', format: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient' } }));
    assert.equal(transient.accepted, true);
    assert.deepEqual(warningRules(transient), ['N2']);
    assert.equal(transient.session?.subjectType, 'transient');
  });
});

describe('refused: the AWS attributes (A1–A6)', () => {
  const withAttribute = (name: string, values: string[] | null) => resign(sesameResponse(), key(), (doc) => setAttribute(doc, name, values));

  test('A1: no Role attribute → refused', () => {
    assertRefused(judge(withAttribute(ROLE_ATTRIBUTE, null)), 'A1', 'InvalidIdentityToken', { only: ['A1'] });
  });

  test('A1: a role the Role attribute does not carry → AccessDenied', () => {
    const judgement = judge(sesameResponse(), { request: adminRequest({ roleArn: 'arn:aws:iam::111122223333:role/Other' }) });
    assertRefused(judgement, 'A1', 'AccessDenied', { message: /role\/Other is not in the response's Role attribute/ });
  });

  test('A1: the right role with another provider than the one granted → AccessDenied', () => {
    const other = 'arn:aws:iam::111122223333:saml-provider/Other';
    assertRefused(judge(sesameResponse(), { providerArn: other, request: adminRequest({ principalArn: other }) }), 'A1', 'AccessDenied', { message: /granted with provider/ });
  });

  test('A1: a value that is not a role,provider pair → refused; S7: a pair across accounts → refused', () => {
    assertRefused(judge(withAttribute(ROLE_ATTRIBUTE, [ADMIN_ROLE])), 'A1', 'InvalidIdentityToken', { only: ['A1'] });
    const crossAccount = `${ADMIN_ROLE},arn:aws:iam::444455556666:saml-provider/Sesame`;
    assertRefused(judge(withAttribute(ROLE_ATTRIBUTE, [crossAccount])), 'S7', 'InvalidIdentityToken', { only: ['S7', 'A1'] });
    const sso = 'arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_0123,' + PROVIDER;
    assertRefused(judge(withAttribute(ROLE_ATTRIBUTE, [sso]), { request: null }), 'A1', 'InvalidIdentityToken');
  });

  test('A1: provider-first and spaced pairs are accepted by AWS but flagged for desktop clients', () => {
    const judgement = judge(withAttribute(ROLE_ATTRIBUTE, [`${PROVIDER}, ${ADMIN_ROLE}`]));
    assert.equal(judgement.accepted, true, JSON.stringify(judgement.findings));
    assert.deepEqual(warningRules(judgement), ['A1', 'A1']);
  });

  test('A2: RoleSessionName missing, with a space, or twice → InvalidIdentityToken with AWS\'s words', () => {
    assertRefused(judge(withAttribute(RSN_ATTRIBUTE, null)), 'A2', 'InvalidIdentityToken', { message: /RoleSessionName is required in AuthnResponse/ });
    assertRefused(judge(withAttribute(RSN_ATTRIBUTE, ['Alice Liddell'])), 'A2', 'InvalidIdentityToken', { message: /must match \[a-zA-Z_0-9\+=,\.@-\]\{2,64\}/ });
    assertRefused(judge(withAttribute(RSN_ATTRIBUTE, ['a'.repeat(65)])), 'A2', 'InvalidIdentityToken');
    assertRefused(judge(withAttribute(RSN_ATTRIBUTE, ['alice', 'bob'])), 'A2', 'InvalidIdentityToken');
  });

  test('A3: a SessionDuration outside 900–43200 → refused; one above the role maximum warns', () => {
    assertRefused(judge(withAttribute(DURATION_ATTRIBUTE, ['600'])), 'A3', 'InvalidIdentityToken');
    assertRefused(judge(withAttribute(DURATION_ATTRIBUTE, ['1h'])), 'A3', 'InvalidIdentityToken');
    const long = judge(withAttribute(DURATION_ATTRIBUTE, ['7200']));
    assert.equal(long.accepted, true);
    assert.deepEqual(warningRules(long), ['A3'], 'SessionDuration 7200 above MaxSessionDuration 3600: CLI helpers copying it fail');
  });

  test('A4: a SourceIdentity starting with aws: → refused; a valid one needs sts:SetSourceIdentity', () => {
    const attribute = 'https://aws.amazon.com/SAML/Attributes/SourceIdentity';
    assertRefused(judge(withAttribute(attribute, ['aws:alice'])), 'A4', 'InvalidIdentityToken', { message: /Source Identity must match/ });
    const valid = withAttribute(attribute, ['alice']);
    assert.equal(judge(valid).session?.sourceIdentity, 'alice');
    assertRefused(judge(valid, { role: trust({ allowSetSourceIdentity: false }) }), 'A4', 'AccessDenied');
  });

  test('A5: session tags — aws: keys, multi-valued, more than 50 → refused; valid tags need sts:TagSession', () => {
    const tag = (k: string) => `https://aws.amazon.com/SAML/Attributes/PrincipalTag:${k}`;
    assertRefused(judge(withAttribute(tag('aws:team'), ['x'])), 'A5', 'InvalidIdentityToken');
    assertRefused(judge(withAttribute(tag('team'), ['a', 'b'])), 'A5', 'InvalidIdentityToken');
    const many = resign(sesameResponse(), key(), (doc) => {
      for (let i = 0; i < 51; i++) setAttribute(doc, tag(`k${i}`), ['v']);
    });
    assertRefused(judge(many), 'A5', 'InvalidIdentityToken');
    const valid = withAttribute(tag('team'), ['platform']);
    assert.deepEqual(judge(valid).session?.tags, [{ key: 'team', value: 'platform' }]);
    assertRefused(judge(valid, { role: trust({ allowTagSession: false }) }), 'A5', 'AccessDenied');
  });

  test('A6: TransitiveTagKeys naming a tag that is not sent → refused', () => {
    const xml = withAttribute('https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys', ['team']);
    assertRefused(judge(xml), 'A6', 'InvalidIdentityToken');
  });

  test('A8: a mis-cased AWS attribute name is flagged (AWS ignores it)', () => {
    const judgement = judge(withAttribute('https://aws.amazon.com/SAML/Attributes/sessionduration', ['900']));
    assert.equal(judgement.accepted, true);
    assert.match(judgement.findings.find((f) => f.rule === 'A8')!.message, /did you mean https:\/\/aws\.amazon\.com\/SAML\/Attributes\/SessionDuration/);
  });
});

describe('refused: the request and the role (P1, T6, TP1)', () => {
  test('T6: DurationSeconds above the role\'s MaxSessionDuration → ValidationError with AWS\'s message', () => {
    assertRefused(judge(sesameResponse(), { request: adminRequest({ durationSeconds: 7200 }) }), 'T6', 'ValidationError', { message: /DurationSeconds exceeds the MaxSessionDuration set for this role/ });
  });

  test('P1: DurationSeconds outside 900–43200 → ValidationError', () => {
    assertRefused(judge(sesameResponse(), { request: adminRequest({ durationSeconds: 899 }) }), 'P1', 'ValidationError');
    assertRefused(judge(sesameResponse(), { request: adminRequest({ durationSeconds: 43201 }), role: trust({ maxSessionDuration: 43200 }) }), 'P1', 'ValidationError', { only: ['P1', 'T6'] });
  });

  test('TP1: a role missing from the account, or whose trust policy names another provider → AccessDenied', () => {
    assertRefused(judge(sesameResponse(), { role: trust({ exists: false }) }), 'TP1', 'AccessDenied');
    assertRefused(judge(sesameResponse(), { role: trust({ trustedProviderArns: ['arn:aws:iam::111122223333:saml-provider/Okta'] }) }), 'TP1', 'AccessDenied');
  });
});

describe('several broken rules: the doctor lists all, STS answers the first', () => {
  test('expired and for the wrong audience: both listed, ExpiredTokenException answered', () => {
    const judgement = judge(sesameResponse({ audience: 'urn:example:not-aws' }), { now: minutes(10), diagnose: true });
    assert.deepEqual([...new Set(errorRules(judgement))], ['T2', 'T3', 'E6']);
    assert.equal(judgement.rejection?.code, 'ExpiredTokenException');
  });

  test('warnings never refuse: Destination, InResponseTo and prefixes', () => {
    const xml = resign(sesameResponse({ inResponseTo: '_req1' }), key(), (doc) => doc.documentElement!.setAttribute('Destination', 'https://idp.example/other'));
    const judgement = judge(xml);
    assert.equal(judgement.accepted, true, JSON.stringify(judgement.findings));
    assert.deepEqual(warningRules(judgement).sort(), ['E5', 'E9']);
  });
});
