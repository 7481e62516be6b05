/**
 * Shared fixtures for the src/saml unit tests: a throwaway signing key with a self-signed
 * certificate, a valid AWS-shaped ResponseInput, a strict XML parser, and independent checks with
 * xml-crypto 6.3.2 (signature verification and its own exclusive C14N of a signed element).
 */
import assert from 'node:assert/strict';
import crypto, { type KeyObject } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { createSelfSignedCertificate } from '../../src/saml/keys/selfSignedCertificate';
import { ALG_ENVELOPED, ALG_EXC_C14N, DSIG_NS, EnvelopedSigner } from '../../src/saml/xmlDsig';
import { SAML_NS, SAMLP_NS, type ResponseInput } from '../../src/saml/buildResponse';
import { AUTHN_CONTEXT_PASSWORD_PROTECTED, NAMEID_PERSISTENT } from '../../src/saml/types';

export { DSIG_NS, SAML_NS, SAMLP_NS };

export const AWS_ACS = 'https://signin.aws.amazon.com/saml';
export const AWS_AUDIENCE = 'urn:amazon:webservices';
export const IDP_ENTITY_ID = 'https://sesame.example.org/saml/metadata';
export const ROLE_ATTRIBUTE = 'https://aws.amazon.com/SAML/Attributes/Role';
export const ROLE_SESSION_NAME_ATTRIBUTE = 'https://aws.amazon.com/SAML/Attributes/RoleSessionName';
export const ATTRNAME_URI = 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri';

export interface TestSigningKey {
  privateKey: KeyObject;
  certPem: string;
  /** DER certificate as one base64 line, what ds:X509Certificate and metadata carry. */
  certBase64: string;
  signer: EnvelopedSigner;
}

/** A fresh 2048-bit RSA key with a self-signed certificate made by Sesame's own certificate code. */
export function makeSigningKey(commonName = 'Sesame unit test'): TestSigningKey {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const certPem = createSelfSignedCertificate({ privateKey, commonName, validDays: 2 });
  const certBase64 = pemBody(certPem);
  return { privateKey, certPem, certBase64, signer: new EnvelopedSigner({ privateKey, certificateBase64: certBase64 }) };
}

/** The base64 body of a PEM block with armour and whitespace removed. */
export function pemBody(pem: string): string {
  return pem
    .replace(/-----BEGIN [^-]+-----/g, '')
    .replace(/-----END [^-]+-----/g, '')
    .replace(/\s+/g, '');
}

/** A complete, valid input for an IdP-initiated AWS console sign-in. */
export function awsResponseInput(overrides: Partial<ResponseInput> = {}): ResponseInput {
  const now = overrides.now ?? new Date('2026-11-24T10:20:30.456Z');
  return {
    issuer: IDP_ENTITY_ID,
    destination: AWS_ACS,
    audience: AWS_AUDIENCE,
    nameId: { value: 'k3Jx0pV8qYz-opaque-persistent-id', format: NAMEID_PERSISTENT },
    now,
    lifetimeSeconds: 300,
    notBeforeSkewSeconds: 60,
    authnInstant: new Date(now.getTime() - 5_000),
    sessionIndex: '_session0123456789abcdef',
    authnContextClassRef: AUTHN_CONTEXT_PASSWORD_PROTECTED,
    attributes: [
      {
        name: ROLE_ATTRIBUTE,
        nameFormat: ATTRNAME_URI,
        values: ['arn:aws:iam::111122223333:role/Admin,arn:aws:iam::111122223333:saml-provider/Sesame'],
      },
      { name: ROLE_SESSION_NAME_ATTRIBUTE, nameFormat: ATTRNAME_URI, values: ['alice'] },
    ],
    signResponse: true,
    ...overrides,
  };
}

/** xmldom with every warning and error made fatal (security-notes §2.2). */
export function parseStrict(xml: string): Document {
  const fail = (message: string): never => {
    throw new Error(`XML parse problem: ${message}`);
  };
  const doc = new DOMParser({ errorHandler: { warning: fail, error: fail, fatalError: fail } }).parseFromString(xml, 'text/xml');
  assert.ok(doc && doc.documentElement, 'not an XML document');
  return doc;
}

export function childElements(parent: Element, ns?: string, localName?: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType !== 1) continue;
    const el = n as Element;
    if (ns !== undefined && el.namespaceURI !== ns) continue;
    if (localName !== undefined && el.localName !== localName) continue;
    out.push(el);
  }
  return out;
}

export function onlyChild(parent: Element, ns: string, localName: string): Element {
  const found = childElements(parent, ns, localName);
  assert.equal(found.length, 1, `expected exactly one ${localName} under ${parent.tagName}, found ${found.length}`);
  return found[0]!;
}

export function descendants(root: Document | Element, ns: string, localName: string): Element[] {
  const list = root.getElementsByTagNameNS(ns, localName);
  const out: Element[] = [];
  for (let i = 0; i < list.length; i++) out.push(list[i]!);
  return out;
}

/** The Response element, or its one Assertion. */
export function signedOwner(doc: Document, which: 'Response' | 'Assertion'): Element {
  const response = doc.documentElement;
  assert.equal(response.namespaceURI, SAMLP_NS);
  assert.equal(response.localName, 'Response');
  return which === 'Response' ? response : onlyChild(response, SAML_NS, 'Assertion');
}

/** The ds:Signature that is a direct child of the Response or of its Assertion, or null. */
export function ownSignature(doc: Document, which: 'Response' | 'Assertion'): Element | null {
  const signatures = childElements(signedOwner(doc, which), DSIG_NS, 'Signature');
  assert.ok(signatures.length <= 1, `more than one ds:Signature directly under the ${which}`);
  return signatures[0] ?? null;
}

export interface XmlCryptoVerdict {
  valid: boolean;
  /** What xml-crypto says was signed: its canonical form of the referenced element. */
  signedReferences: string[];
  referenceUris: string[];
}

/**
 * Verifies the Response's or the Assertion's own signature with xml-crypto 6.3.2: a fresh SignedXml
 * per check (security-notes §2.1), our certificate as `publicCert`, the default `getCertFromKeyInfo`
 * (a noop, so KeyInfo is never trusted) and `ID` as the id attribute. `ID` is already in
 * xml-crypto's default id attributes (Id, ID, id); passing `idAttribute: 'ID'` as well makes 6.3.2
 * count the element twice and refuse the document as a signature-wrapping attempt.
 */
export function verifyWithXmlCrypto(xml: string, certPem: string, which: 'Response' | 'Assertion'): XmlCryptoVerdict {
  const doc = parseStrict(xml);
  const signatureNode = ownSignature(doc, which);
  assert.ok(signatureNode, `the ${which} carries no ds:Signature`);
  const sig = new SignedXml({ publicCert: certPem });
  assert.ok((sig as unknown as { idAttributes: string[] }).idAttributes.includes('ID'));
  sig.loadSignature(signatureNode);
  const valid = sig.checkSignature(xml);
  return {
    valid,
    signedReferences: sig.getSignedReferences(),
    referenceUris: sig.getReferences().map((ref) => ref.uri ?? ''),
  };
}

export interface CanonicalCheck {
  /** xml-crypto's exclusive C14N of the element with its own signature removed (enveloped transform). */
  canonical: string;
  /** SHA-256 of that, base64. */
  digest: string;
  /** The DigestValue our signer wrote. */
  ourDigest: string;
}

/** Runs xml-crypto's enveloped-signature + exclusive C14N transforms over the element, independently of checkSignature. */
export function canonicalizeWithXmlCrypto(xml: string, which: 'Response' | 'Assertion'): CanonicalCheck {
  const doc = parseStrict(xml);
  const owner = signedOwner(doc, which);
  const signatureNode = ownSignature(doc, which);
  assert.ok(signatureNode, `the ${which} carries no ds:Signature`);
  const sig = new SignedXml();
  sig.loadSignature(signatureNode);
  const canonical = sig.getCanonXml([ALG_ENVELOPED, ALG_EXC_C14N], owner);
  const digestValues = descendants(signatureNode, DSIG_NS, 'DigestValue');
  assert.equal(digestValues.length, 1);
  return {
    canonical,
    digest: crypto.createHash('sha256').update(canonical, 'utf8').digest('base64'),
    ourDigest: digestValues[0]!.textContent ?? '',
  };
}

/** Removes the first `<ds:Signature …>…</ds:Signature>` found at or after `from`. */
export function withoutSignature(text: string, from = 0): string {
  const start = text.indexOf('<ds:Signature ', from);
  assert.ok(start >= 0, 'no ds:Signature in the text');
  const endTag = '</ds:Signature>';
  const end = text.indexOf(endTag, start);
  assert.ok(end > start);
  return text.slice(0, start) + text.slice(end + endTag.length);
}

/** The Assertion as emitted, byte for byte. */
export function assertionText(xml: string): string {
  const start = xml.indexOf('<saml:Assertion ');
  const endTag = '</saml:Assertion>';
  const end = xml.indexOf(endTag);
  assert.ok(start >= 0 && end > start, 'no saml:Assertion in the response');
  assert.equal(xml.indexOf('<saml:Assertion ', start + 1), -1, 'more than one saml:Assertion');
  return xml.slice(start, end + endTag.length);
}
