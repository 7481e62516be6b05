import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_ECP_REQUEST_BYTES, parseEcpAuthnRequest } from '../../src/saml/ecpAuthnRequest';
import { EcpError, type SoapFaultCode } from '../../src/saml/ecpError';

const ENDPOINT = 'https://sso.example.com/saml/ecp';
const NOW = new Date('2026-11-24T10:00:00.000Z');
const SOAP = 'http://schemas.xmlsoap.org/soap/envelope/';

function authnRequest(attrs: Record<string, string | null> = {}, inner = '<saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">urn:amazon:webservices</saml:Issuer>'): string {
  const all: Record<string, string | null> = {
    ID: '_req1',
    Version: '2.0',
    IssueInstant: '2026-11-24T10:00:05Z',
    AssertionConsumerServiceURL: 'https://signin.aws.amazon.com/saml',
    ProtocolBinding: 'urn:oasis:names:tc:SAML:2.0:bindings:PAOS',
    ...attrs,
  };
  const rendered = Object.entries(all)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => ` ${k}="${v}"`)
    .join('');
  return `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"${rendered}>${inner}</samlp:AuthnRequest>`;
}

const envelope = (body: string, header = '') => `<S:Envelope xmlns:S="${SOAP}">${header}<S:Body>${body}</S:Body></S:Envelope>`;
const parse = (xml: string) => parseEcpAuthnRequest(xml, { endpointUrl: ENDPOINT, now: NOW });

function refused(xml: string, code: SoapFaultCode, message: RegExp, status = 500) {
  assert.throws(
    () => parse(xml),
    (error: unknown) => {
      assert.ok(error instanceof EcpError, `not an EcpError: ${String(error)}`);
      assert.equal(error.faultCode, code, error.message);
      assert.equal(error.httpStatus, status, error.message);
      assert.match(error.message, message);
      return true;
    },
  );
}

describe('ECP: parsing the SOAP envelope an ECP sends to the IdP (saml-ecp-v2.0 §2.3.3)', () => {
  it('reads a standard request: ID, SP entity ID (trimmed), ACS, PAOS binding, NameIDPolicy', () => {
    const request = parse(
      `<?xml version="1.0" encoding="UTF-8"?>\n` +
        envelope(
          authnRequest(
            {},
            '<saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">\n\t\turn:amazon:webservices\n\t</saml:Issuer>' +
              '<samlp:NameIDPolicy AllowCreate="true" Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"/>',
          ),
        ),
    );
    assert.equal(request.id, '_req1');
    assert.equal(request.issuer, 'urn:amazon:webservices');
    assert.equal(request.assertionConsumerServiceUrl, 'https://signin.aws.amazon.com/saml');
    assert.equal(request.protocolBinding, 'urn:oasis:names:tc:SAML:2.0:bindings:PAOS');
    assert.equal(request.nameIdFormat, 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
    assert.equal(request.issueInstant.toISOString(), '2026-11-24T10:00:05.000Z');
  });

  it('accepts saml2aws-style requests: other prefixes, an RFC 3339 offset, a UUID ID, a header without mustUnderstand', () => {
    const xml =
      `<soap11:Envelope xmlns:soap11="${SOAP}" xmlns:saml2p="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion">` +
      `<soap11:Header><x:Trace xmlns:x="urn:example">1</x:Trace></soap11:Header><soap11:Body>` +
      `<saml2p:AuthnRequest ID="4b6f1c9e-8d3a-4e2b-9f1a-2c3d4e5f6a7b" IssueInstant="2026-11-24T11:00:05+01:00" Version="2.0"><saml2:Issuer>urn:amazon:webservices</saml2:Issuer></saml2p:AuthnRequest>` +
      `</soap11:Body></soap11:Envelope>`;
    const request = parse(xml);
    assert.equal(request.id, '4b6f1c9e-8d3a-4e2b-9f1a-2c3d4e5f6a7b');
    assert.equal(request.assertionConsumerServiceUrl, null);
    assert.equal(request.issueInstant.toISOString(), '2026-11-24T10:00:05.000Z');
  });

  it('refuses a DOCTYPE or ENTITY before parsing (SOAP 1.1 §3; no entity tricks, no parser differential)', () => {
    refused(`<!DOCTYPE S:Envelope [<!ENTITY x "urn:amazon:webservices">]>` + envelope(authnRequest()), 'Client', /DOCTYPE/);
    refused(`<!doctype x>` + envelope(authnRequest()), 'Client', /DOCTYPE/);
  });

  it('refuses processing instructions, unknown entities, malformed XML and two roots', () => {
    refused(envelope(authnRequest({}, '<saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><?p x?>urn:amazon:webservices</saml:Issuer>')), 'Client', /processing instructions/);
    refused(envelope(authnRequest({}, '<saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">urn:&amazon;</saml:Issuer>')), 'Client', /well-formed/);
    refused(envelope(authnRequest()).slice(0, -5), 'Client', /well-formed/);
    refused(envelope(authnRequest()) + '<x/>', 'Client', /well-formed/);
    refused('', 'Client', /XML/);
  });

  it('refuses more than 32 KiB with 413 before parsing', () => {
    refused(envelope(authnRequest({}, `<saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">${'a'.repeat(MAX_ECP_REQUEST_BYTES)}</saml:Issuer>`)), 'Client', /larger than/, 413);
  });

  it('refuses a SOAP 1.2 envelope or a bare AuthnRequest with VersionMismatch', () => {
    refused(`<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>${authnRequest()}</e:Body></e:Envelope>`, 'VersionMismatch', /SOAP 1\.1/);
    refused(authnRequest(), 'VersionMismatch', /SOAP 1\.1 Envelope/);
  });

  it('refuses a mandatory header addressed to us (MustUnderstand), such as a paos:Request left in', () => {
    const header = `<S:Header><paos:Request xmlns:paos="urn:liberty:paos:2003-08" S:mustUnderstand="1" S:actor="http://schemas.xmlsoap.org/soap/actor/next" responseConsumerURL="https://sp/acs" service="urn:oasis:names:tc:SAML:2.0:profiles:SSO:ecp"/></S:Header>`;
    refused(envelope(authnRequest(), header), 'MustUnderstand', /paos:Request/);
    const otherActor = `<S:Header><x:H xmlns:x="urn:x" S:mustUnderstand="1" S:actor="urn:someone-else"/></S:Header>`;
    assert.equal(parse(envelope(authnRequest(), otherActor)).id, '_req1', 'a header for another actor is not ours to understand');
  });

  it('refuses a Body that is not exactly one samlp:AuthnRequest, and stray text', () => {
    refused(envelope(''), 'Client', /exactly one samlp:AuthnRequest/);
    refused(envelope(authnRequest() + authnRequest()), 'Client', /exactly one/);
    refused(envelope('<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>'), 'Client', /exactly one samlp:AuthnRequest/);
    refused(envelope('text' + authnRequest()), 'Client', /unexpected text/);
    refused(`<S:Envelope xmlns:S="${SOAP}"><S:Body>${authnRequest()}</S:Body><S:Body/></S:Envelope>`, 'Client', /one Body/);
  });

  it('checks the request: Version, ID, IssueInstant (zone, ±5 minutes), Destination, ProtocolBinding, ACS, Issuer, NameIDPolicy', () => {
    refused(envelope(authnRequest({ Version: '1.1' })), 'Client', /Version/);
    refused(envelope(authnRequest({ ID: null })), 'Client', /ID/);
    refused(envelope(authnRequest({ IssueInstant: '2026-11-24T10:00:05' })), 'Client', /time zone/);
    refused(envelope(authnRequest({ IssueInstant: '2026-11-24T09:50:00Z' })), 'Client', /600 s away/);
    refused(envelope(authnRequest({ IssueInstant: '2026-11-24T10:06:00Z' })), 'Client', /away from the IdP's clock/);
    refused(envelope(authnRequest({ Destination: 'https://elsewhere/ecp' })), 'Client', /Destination/);
    assert.equal(parse(envelope(authnRequest({ Destination: ENDPOINT }))).destination, ENDPOINT);
    refused(envelope(authnRequest({ ProtocolBinding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST' })), 'Client', /PAOS/);
    assert.equal(parse(envelope(authnRequest({ ProtocolBinding: 'urn:oasis:names:tc:SAML:2.0:bindings:SOAP' }))).protocolBinding, 'urn:oasis:names:tc:SAML:2.0:bindings:SOAP', 'pysaml2 names SOAP');
    refused(envelope(authnRequest({ AssertionConsumerServiceIndex: '1' })), 'Client', /both/);
    assert.equal(parse(envelope(authnRequest({ AssertionConsumerServiceURL: null, AssertionConsumerServiceIndex: '1' }))).assertionConsumerServiceIndex, 1);
    refused(envelope(authnRequest({}, '')), 'Client', /saml:Issuer/);
    refused(envelope(authnRequest({}, '<saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">  </saml:Issuer>')), 'Client', /empty/);
    refused(
      envelope(authnRequest({}, '<saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">urn:amazon:webservices</saml:Issuer><samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient"/>')),
      'Client',
      /persistent NameIDs only/,
    );
    refused(envelope(authnRequest({ ForceAuthn: 'maybe' })), 'Client', /ForceAuthn/);
  });

  it('refuses the namespace-nesting bomb from the text, before xmldom parses it (rule intake.depth), and too many namespace declarations (intake.namespaces)', () => {
    const nested = Array.from({ length: 1300 }, (_, i) => `<e xmlns:p${i}="u">`).join('') + '</e>'.repeat(1300);
    assert.ok(Buffer.byteLength(envelope(nested)) < MAX_ECP_REQUEST_BYTES);
    const rule = (xml: string) => {
      try {
        parse(xml);
      } catch (error) {
        assert.ok(error instanceof EcpError);
        assert.equal(error.faultCode, 'Client');
        return error.rule;
      }
      return 'accepted';
    };
    assert.equal(rule(envelope(nested)), 'intake.depth');
    assert.equal(rule(envelope(authnRequest({}, Array.from({ length: 40 }, (_, i) => `<x:e xmlns:x="urn:x${i}"/>`).join('')))), 'intake.namespaces');
  });

  it('refuses characters XML 1.0 forbids written as references (ESC in the Issuer would reach the audit log): intake.chars', () => {
    const issuer = (text: string) => `<saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">${text}</saml:Issuer>`;
    for (const text of ['urn:amazon:webservices&#27;[2K', 'urn:amazon:webservices&#0;']) {
      assert.throws(() => parse(envelope(authnRequest({}, issuer(text)))), (e: unknown) => e instanceof EcpError && e.rule === 'intake.chars');
    }
  });

  it('reads the Issuer from its text only: a comment does not split it, an element inside is refused', () => {
    const split = parse(envelope(authnRequest({}, '<saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">urn:amazon<!-- x -->:webservices</saml:Issuer>')));
    assert.equal(split.issuer, 'urn:amazon:webservices');
    refused(envelope(authnRequest({}, '<saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">urn:<b>x</b></saml:Issuer>')), 'Client', /text only/);
  });
});
