import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { BINDING_POST, BINDING_REDIRECT, buildIdpMetadata, MD_NS } from '../../src/saml/idpMetadata';
import { NAMEID_PERSISTENT, NAMEID_TRANSIENT } from '../../src/saml/types';
import { certificateFromMetadata, toCertPem } from '../helpers/xmlsec';
import { childElements, descendants, DSIG_NS, makeSigningKey, onlyChild, parseStrict, type TestSigningKey } from './samlTestKit';

const ENTITY_ID = 'https://sesame.example.org/saml/metadata';
const SSO_URL = 'https://sesame.example.org/saml/sso';

describe('buildIdpMetadata: the document admins upload to IAM (S4)', () => {
  let key: TestSigningKey;
  let next: TestSigningKey;
  let xml: string;
  let doc: Document;
  before(() => {
    key = makeSigningKey('current');
    next = makeSigningKey('next');
    xml = buildIdpMetadata({ entityId: ENTITY_ID, signingCertificates: [key.certBase64], ssoUrl: SSO_URL });
    doc = parseStrict(xml);
  });

  it('S4: is at least 1,000 characters and at most 10,000,000 (IAM refuses stubs)', () => {
    assert.ok(xml.length >= 1000, `only ${xml.length} characters`);
    assert.ok(xml.length <= 10_000_000);
  });

  it('S4: is UTF-8 without a BOM and declares UTF-8', () => {
    assert.notEqual(xml.charCodeAt(0), 0xfeff);
    const bytes = Buffer.from(xml, 'utf8');
    assert.ok(!(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf));
    assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<md:EntityDescriptor '));
    assert.ok(!xml.includes('<!DOCTYPE'));
  });

  it('S4/R1: md:EntityDescriptor entityID is our Issuer, with one IDPSSODescriptor for SAML 2.0', () => {
    const root = doc.documentElement;
    assert.equal(root.namespaceURI, MD_NS);
    assert.equal(root.localName, 'EntityDescriptor');
    assert.equal(root.getAttribute('entityID'), ENTITY_ID);
    const idp = onlyChild(root, MD_NS, 'IDPSSODescriptor');
    assert.equal(idp.getAttribute('protocolSupportEnumeration'), 'urn:oasis:names:tc:SAML:2.0:protocol');
  });

  it('S4: KeyDescriptor use="signing" holds our certificate (the one xmlsec1 peers read back)', () => {
    const descriptors = descendants(doc, MD_NS, 'KeyDescriptor');
    assert.equal(descriptors.length, 1);
    assert.equal(descriptors[0]!.getAttribute('use'), 'signing');
    const certs = descendants(descriptors[0]!, DSIG_NS, 'X509Certificate');
    assert.equal(certs.length, 1);
    assert.equal(certs[0]!.textContent, key.certBase64);
    assert.equal(certificateFromMetadata(xml), toCertPem(key.certBase64));
  });

  it('offers SingleSignOnService for both HTTP-Redirect and HTTP-POST at the SSO URL', () => {
    const idp = descendants(doc, MD_NS, 'IDPSSODescriptor')[0]!;
    const services = childElements(idp, MD_NS, 'SingleSignOnService');
    assert.deepEqual(
      services.map((s) => [s.getAttribute('Binding'), s.getAttribute('Location')]),
      [
        [BINDING_REDIRECT, SSO_URL],
        [BINDING_POST, SSO_URL],
      ],
    );
  });

  it('S4: carries no validUntil (IAM would cut the provider lifetime short) and no cacheDuration', () => {
    assert.ok(!xml.includes('validUntil'));
    assert.ok(!xml.includes('cacheDuration'));
  });

  it('N2: advertises the persistent NameID format by default, or the formats given', () => {
    const idp = descendants(doc, MD_NS, 'IDPSSODescriptor')[0]!;
    assert.deepEqual(childElements(idp, MD_NS, 'NameIDFormat').map((f) => f.textContent), [NAMEID_PERSISTENT]);
    const custom = parseStrict(
      buildIdpMetadata({ entityId: ENTITY_ID, signingCertificates: [key.certBase64], ssoUrl: SSO_URL, nameIdFormats: [NAMEID_PERSISTENT, NAMEID_TRANSIENT] }),
    );
    assert.deepEqual(descendants(custom, MD_NS, 'NameIDFormat').map((f) => f.textContent), [NAMEID_PERSISTENT, NAMEID_TRANSIENT]);
  });

  it('IDPSSODescriptor children follow the schema order: KeyDescriptor, NameIDFormat, SingleSignOnService', () => {
    const idp = descendants(doc, MD_NS, 'IDPSSODescriptor')[0]!;
    assert.deepEqual(childElements(idp).map((e) => e.localName), ['KeyDescriptor', 'NameIDFormat', 'SingleSignOnService', 'SingleSignOnService']);
  });

  it('S5: during a key rollover two certificates give two signing KeyDescriptors, current first', () => {
    const rollover = buildIdpMetadata({ entityId: ENTITY_ID, signingCertificates: [key.certBase64, next.certBase64], ssoUrl: SSO_URL });
    const descriptors = descendants(parseStrict(rollover), MD_NS, 'KeyDescriptor');
    assert.equal(descriptors.length, 2);
    assert.deepEqual(descriptors.map((d) => d.getAttribute('use')), ['signing', 'signing']);
    assert.deepEqual(
      descriptors.map((d) => descendants(d, DSIG_NS, 'X509Certificate')[0]!.textContent),
      [key.certBase64, next.certBase64],
    );
  });

  it('an entity ID or SSO URL containing & < " is escaped, so the document stays well-formed and reads back exactly', () => {
    const entityId = 'https://idp.example/saml?tenant=a&x="1"<2';
    const ssoUrl = 'https://idp.example/sso?a=1&b=2';
    const out = buildIdpMetadata({ entityId, signingCertificates: [key.certBase64], ssoUrl });
    assert.ok(out.includes('entityID="https://idp.example/saml?tenant=a&amp;x=&quot;1&quot;&lt;2"'));
    const parsed = parseStrict(out);
    assert.equal(parsed.documentElement.getAttribute('entityID'), entityId);
    assert.deepEqual(descendants(parsed, MD_NS, 'SingleSignOnService').map((s) => s.getAttribute('Location')), [ssoUrl, ssoUrl]);
  });
});
