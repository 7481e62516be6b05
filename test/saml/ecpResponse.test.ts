import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildEcpResponseEnvelope, buildSoapFault } from '../../src/saml/ecpResponse';
import { buildSignedResponse } from '../../src/saml/buildResponse';
import { ECP_NS, SOAP11_ENV_NS, SOAP_ACTOR_NEXT } from '../../src/saml/ecpNamespaces';
import { awsResponseInput, childElements, makeSigningKey, parseStrict, SAMLP_NS, verifyWithXmlCrypto } from './samlTestKit';
import { verifyWithXmlsec1 } from '../helpers/xmlsec';
import { verifyInEnvelopeWithXmlsec1 } from './ecpTestKit';

describe('ECP: the IdP response envelope (saml-ecp-v2.0 §2.3.4)', () => {
  const key = makeSigningKey('ecp unit');
  const built = buildSignedResponse(awsResponseInput({ signResponse: true }), key.signer);
  const xml = buildEcpResponseEnvelope({ assertionConsumerServiceUrl: 'https://signin.aws.amazon.com/saml', samlResponseXml: built.xml });

  it('is a SOAP 1.1 envelope: ecp:Response header (mustUnderstand, actor next, ACS URL), samlp:Response body', () => {
    const doc = parseStrict(xml);
    const envelope = doc.documentElement;
    assert.equal(envelope.namespaceURI, SOAP11_ENV_NS);
    const [header, body] = childElements(envelope);
    assert.equal(header!.localName, 'Header');
    const [ecp] = childElements(header!);
    assert.equal(ecp!.namespaceURI, ECP_NS);
    assert.equal(ecp!.localName, 'Response');
    assert.equal(ecp!.getAttribute('AssertionConsumerServiceURL'), 'https://signin.aws.amazon.com/saml');
    assert.equal(ecp!.getAttributeNS(SOAP11_ENV_NS, 'mustUnderstand'), '1');
    assert.equal(ecp!.getAttributeNS(SOAP11_ENV_NS, 'actor'), SOAP_ACTOR_NEXT);
    const [response] = childElements(body!);
    assert.equal(response!.namespaceURI, SAMLP_NS);
    assert.equal(response!.localName, 'Response');
  });

  it('carries the signed Response byte for byte, and both signatures still verify inside the envelope (exclusive C14N)', async () => {
    assert.ok(xml.includes(built.xml));
    for (const which of ['Assertion', 'Response'] as const) {
      assert.ok(verifyWithXmlCrypto(built.xml, key.certPem, which).valid);
      const alone = await verifyWithXmlsec1(built.xml, key.certPem, { node: which });
      assert.ok(alone.ok, alone.output);
      const inside = await verifyInEnvelopeWithXmlsec1(xml, key.certPem, which);
      assert.ok(inside.ok, inside.output);
    }
    // The check can fail: one changed character in the signed assertion inside the envelope.
    const tampered = xml.replace('<saml:Audience>urn:amazon:webservices<', '<saml:Audience>urn:amazon:webservicez<');
    assert.notEqual(tampered, xml);
    assert.equal((await verifyInEnvelopeWithXmlsec1(tampered, key.certPem, 'Assertion')).ok, false);
  });

  it('refuses anything but a bare samlp:Response', () => {
    assert.throws(() => buildEcpResponseEnvelope({ assertionConsumerServiceUrl: 'x', samlResponseXml: '<?xml version="1.0"?>' + built.xml }));
  });

  it('SOAP faults are well-formed, escape the message and qualify the faultcode', () => {
    const fault = buildSoapFault('Client', 'bad <thing> & "quotes"\u0001');
    const doc = parseStrict(fault);
    const text = doc.getElementsByTagName('faultstring')[0]!.textContent;
    assert.equal(text, 'bad <thing> & "quotes" ');
    assert.equal(doc.getElementsByTagName('faultcode')[0]!.textContent, 'S:Client');
  });
});
