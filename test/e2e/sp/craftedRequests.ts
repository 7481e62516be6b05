/**
 * Test-only builders for AuthnRequests and SP metadata written WITHOUT Sesame's code, so attack
 * tests can craft exactly the message they need (stale, replayed, wrapped, oversized …) and sign
 * it with xml-crypto (HTTP-POST) or node:crypto over the query string (HTTP-Redirect).
 */
import { createSign, randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { SignedXml } from 'xml-crypto';
import type { TestKeyPair } from '../../helpers/fixtureResponse';

export const SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
export const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
export const RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';

const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

export function spMetadata(opts: { entityId: string; acs: string[]; slo?: string; signingCert?: string; encryptionCert?: string; authnRequestsSigned?: boolean }): string {
  const kd = (use: string, cert: string) =>
    `<md:KeyDescriptor use="${use}"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;
  return (
    `<?xml version="1.0"?>\n<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${esc(opts.entityId)}">` +
    `<md:SPSSODescriptor AuthnRequestsSigned="${opts.authnRequestsSigned ? 'true' : 'false'}" WantAssertionsSigned="true" protocolSupportEnumeration="${SAMLP}">` +
    (opts.signingCert ? kd('signing', opts.signingCert) : '') +
    (opts.encryptionCert ? kd('encryption', opts.encryptionCert) : '') +
    (opts.slo ? `<md:SingleLogoutService Binding="${REDIRECT}" Location="${esc(opts.slo)}"/>` : '') +
    `<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>` +
    opts.acs.map((url, i) => `<md:AssertionConsumerService Binding="${POST}" Location="${esc(url)}" index="${i}"${i === 0 ? ' isDefault="true"' : ''}/>`).join('') +
    `</md:SPSSODescriptor></md:EntityDescriptor>\n`
  );
}

export interface AuthnRequestOptions {
  issuer: string;
  destination?: string | null;
  acsUrl?: string | null;
  acsIndex?: number;
  id?: string;
  issueInstant?: Date;
  forceAuthn?: boolean;
  isPassive?: boolean;
  nameIdFormat?: string;
  /** Raw XML inserted right after the Issuer (Extensions, injected elements …). */
  inject?: string;
  /** Raw text replacing the Issuer's text (e.g. with a comment inside). */
  issuerText?: string;
  prolog?: string;
}

export function authnRequest(opts: AuthnRequestOptions): { id: string; xml: string } {
  const id = opts.id ?? '_' + randomBytes(16).toString('hex');
  const attrs = [
    `ID="${id}"`,
    'Version="2.0"',
    `IssueInstant="${(opts.issueInstant ?? new Date()).toISOString()}"`,
    opts.destination === null ? '' : opts.destination ? `Destination="${esc(opts.destination)}"` : '',
    opts.acsUrl ? `AssertionConsumerServiceURL="${esc(opts.acsUrl)}" ProtocolBinding="${POST}"` : '',
    opts.acsIndex !== undefined ? `AssertionConsumerServiceIndex="${opts.acsIndex}"` : '',
    opts.forceAuthn ? 'ForceAuthn="true"' : '',
    opts.isPassive ? 'IsPassive="true"' : '',
  ].filter(Boolean);
  const xml =
    (opts.prolog ?? '') +
    `<samlp:AuthnRequest xmlns:samlp="${SAMLP}" xmlns:saml="${SAML}" ${attrs.join(' ')}>` +
    `<saml:Issuer>${opts.issuerText ?? esc(opts.issuer)}</saml:Issuer>` +
    (opts.inject ?? '') +
    (opts.nameIdFormat ? `<samlp:NameIDPolicy Format="${opts.nameIdFormat}" AllowCreate="true"/>` : '') +
    `</samlp:AuthnRequest>`;
  return { id, xml };
}

/** Enveloped signature over the root (what a POST-binding SP sends), placed after the Issuer. */
export function signPost(xml: string, key: TestKeyPair, algorithm = RSA_SHA256, digest = 'http://www.w3.org/2001/04/xmlenc#sha256'): string {
  const sig = new SignedXml({ privateKey: key.privateKeyPem, publicCert: key.certPem, signatureAlgorithm: algorithm, canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#' });
  sig.addReference({
    xpath: '/*',
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
    digestAlgorithm: digest,
  });
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: "/*/*[local-name(.)='Issuer']", action: 'after' } });
  return sig.getSignedXml();
}

const enc = (v: string) => encodeURIComponent(v);

/** An HTTP-Redirect query string, optionally signed over its raw octets. */
export function redirectQuery(xml: string, opts: { relayState?: string; key?: TestKeyPair; sigAlg?: string; deflated?: Buffer } = {}): string {
  let query = `SAMLRequest=${enc((opts.deflated ?? deflateRawSync(Buffer.from(xml))).toString('base64'))}`;
  if (opts.relayState !== undefined) query += `&RelayState=${enc(opts.relayState)}`;
  if (opts.key) {
    const sigAlg = opts.sigAlg ?? RSA_SHA256;
    query += `&SigAlg=${enc(sigAlg)}`;
    const signer = createSign(sigAlg === RSA_SHA1 ? 'RSA-SHA1' : 'RSA-SHA256');
    signer.update(query);
    query += `&Signature=${enc(signer.sign(opts.key.privateKeyPem, 'base64'))}`;
  }
  return query;
}

export function postBody(xml: string, relayState?: string): string {
  return new URLSearchParams({ SAMLRequest: Buffer.from(xml).toString('base64'), ...(relayState !== undefined ? { RelayState: relayState } : {}) }).toString();
}
