import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BINDING_POST, BINDING_REDIRECT, buildIdpMetadata, MD_NS } from '../../src/saml/idpMetadata';
import { BINDING_SOAP } from '../../src/saml/ecpNamespaces';
import { childElements, descendants, makeSigningKey, parseStrict } from './samlTestKit';

describe('metadata: the ECP endpoint (saml-ecp-v2.0 §2.3.3: the IdP publishes a SOAP SingleSignOnService)', () => {
  const key = makeSigningKey('ecp metadata');
  const services = (xml: string) =>
    childElements(descendants(parseStrict(xml), MD_NS, 'IDPSSODescriptor')[0]!, MD_NS, 'SingleSignOnService').map((s) => [s.getAttribute('Binding'), s.getAttribute('Location')]);

  it('adds a SOAP-binding SingleSignOnService at the ECP URL after Redirect and POST', () => {
    const xml = buildIdpMetadata({ entityId: 'https://sso.example.org/saml/metadata', signingCertificates: [key.certBase64], ssoUrl: 'https://sso.example.org/saml/sso', ecpUrl: 'https://sso.example.org/saml/ecp' });
    assert.deepEqual(services(xml), [
      [BINDING_REDIRECT, 'https://sso.example.org/saml/sso'],
      [BINDING_POST, 'https://sso.example.org/saml/sso'],
      [BINDING_SOAP, 'https://sso.example.org/saml/ecp'],
    ]);
  });

  it('without an ECP URL there is no SOAP endpoint', () => {
    const xml = buildIdpMetadata({ entityId: 'https://sso.example.org/saml/metadata', signingCertificates: [key.certBase64], ssoUrl: 'https://sso.example.org/saml/sso' });
    assert.ok(!services(xml).some(([binding]) => binding === BINDING_SOAP));
  });
});
