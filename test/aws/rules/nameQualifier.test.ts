import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nameQualifier, subjectType } from '../../../src/aws/rules';

test('N3: NameQualifier matches the value a real STS returned (Okta issuer, account 099966572610, provider okta-oie)', () => {
  assert.equal(nameQualifier('http://www.okta.com/exk3kzb4ja8B9PHgs1d7', '099966572610', 'okta-oie'), 'ntHNa4L+06nVQFiE3ekTsihyVQY=');
});

test('N3: SubjectType drops the SAML 2.0 nameid-format prefix', () => {
  assert.equal(subjectType('urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'), 'persistent');
  assert.equal(subjectType('urn:oasis:names:tc:SAML:2.0:nameid-format:transient'), 'transient');
  assert.equal(subjectType(null), 'unspecified');
  assert.equal(subjectType('urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'), 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
});
