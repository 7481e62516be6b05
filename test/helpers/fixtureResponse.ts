/**
 * Test-only fixture generator: builds and signs an AWS-shaped SAML Response (aws-saml-rules.md §13)
 * WITHOUT going through Sesame's own code, so the peer verifiers (xmlsec1, python-saml, pysaml2,
 * node-saml) can be proven to accept a good response and reject a tampered one before the IdP exists.
 *
 * Signing follows S1/S2: enveloped signature inside the Assertion, Reference URI="#<Assertion ID>",
 * rsa-sha256 / sha256 / exclusive C14N. The Response signature (optional) is computed last so it
 * covers the already-signed Assertion, and sits right after the Response <Issuer> as the schema wants.
 */
import { execFileSync } from 'node:child_process';
import { createPublicKey, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignedXml } from 'xml-crypto';

export const AWS_SIGNIN_ACS = 'https://signin.aws.amazon.com/saml';
export const AWS_SP_ENTITY_ID = 'urn:amazon:webservices';
export const AWS_ROLE_ATTRIBUTE = 'https://aws.amazon.com/SAML/Attributes/Role';
export const AWS_ROLE_SESSION_NAME_ATTRIBUTE = 'https://aws.amazon.com/SAML/Attributes/RoleSessionName';
export const AWS_SESSION_DURATION_ATTRIBUTE = 'https://aws.amazon.com/SAML/Attributes/SessionDuration';

const NS_SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
const NS_SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const NS_MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const NS_DS = 'http://www.w3.org/2000/09/xmldsig#';
const BINDING_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const BINDING_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

/** A throwaway RSA key pair with a self-signed certificate, as `openssl req -x509` produces it. */
export interface TestKeyPair {
  /** PKCS#8 PEM private key. */
  privateKeyPem: string;
  /** PEM certificate (-----BEGIN CERTIFICATE-----). */
  certPem: string;
  /** The certificate's base64 DER body with no PEM armour and no whitespace (what metadata carries). */
  certBase64: string;
}

/** Generates a throwaway 2048-bit RSA key and self-signed cert in a temp dir, then deletes the dir. */
export function generateTestKeyPair(commonName = 'test'): TestKeyPair {
  const dir = mkdtempSync(join(tmpdir(), 'sesame-fixture-key-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${commonName}`, '-days', '2', '-keyout', keyFile, '-out', certFile],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const privateKeyPem = readFileSync(keyFile, 'utf8');
    const certPem = readFileSync(certFile, 'utf8');
    return { privateKeyPem, certPem, certBase64: pemBody(certPem) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The base64 body of a PEM block, whitespace removed. */
export function pemBody(pem: string): string {
  return pem
    .replace(/-----BEGIN [^-]+-----/g, '')
    .replace(/-----END [^-]+-----/g, '')
    .replace(/\s+/g, '');
}

export interface FixtureResponseOptions {
  keyPair: TestKeyPair;
  /** IdP entity ID: Response and Assertion <Issuer>. Default `https://sso.example.com/saml`. */
  issuer?: string;
  /** Response@Destination; default the AWS console ACS. `null` omits the attribute. */
  destination?: string | null;
  /** SubjectConfirmationData@Recipient; default the AWS console ACS. */
  recipient?: string;
  /** Conditions/AudienceRestriction/Audience; default `urn:amazon:webservices`. */
  audience?: string;
  nameId?: string;
  nameIdFormat?: string;
  /** Role attribute values (`roleArn,providerArn`). */
  roles?: string[];
  roleSessionName?: string;
  /** Omitted when null. Default 3600. */
  sessionDuration?: number | null;
  sessionIndex?: string;
  /** Sign the Assertion (default true). */
  signAssertion?: boolean;
  /** Also sign the Response, over the signed Assertion (default false). */
  signResponse?: boolean;
  /** Clock for IssueInstant/NotBefore/NotOnOrAfter; default `new Date()`. */
  now?: Date;
  /** Assertion/SubjectConfirmation lifetime in seconds (T4); default 300. */
  lifetimeSeconds?: number;
  /**
   * What <ds:KeyInfo> carries: the signing certificate (`x509`, default, what IdPs send), the raw
   * public key as <ds:KeyValue><ds:RSAKeyValue> (`rsaKeyValue`, used to prove a verifier ignores
   * keys supplied by the document), or nothing (`none`).
   */
  keyInfo?: 'x509' | 'rsaKeyValue' | 'none';
}

export interface FixtureResponse {
  /** The signed Response document as UTF-8 XML text. */
  xml: string;
  /** Standard base64 (no line breaks) of `xml`, i.e. the SAMLResponse form field. */
  samlResponseB64: string;
  responseId: string;
  assertionId: string;
  issuer: string;
  nameId: string;
  roleSessionName: string;
}

export const DEFAULT_FIXTURE_ISSUER = 'https://sso.example.com/saml';
export const DEFAULT_FIXTURE_NAME_ID = 'u-7f3a9c';
export const DEFAULT_FIXTURE_ROLE_SESSION_NAME = 'jdoe@example.com';
export const DEFAULT_FIXTURE_ROLES = [
  'arn:aws:iam::111122223333:role/Admin,arn:aws:iam::111122223333:saml-provider/Sesame',
  'arn:aws:iam::444455556666:role/ReadOnly,arn:aws:iam::444455556666:saml-provider/Sesame',
];

/** Builds the §13 skeleton with now-based times and signs it as configured. */
export function buildSignedAwsResponse(opts: FixtureResponseOptions): FixtureResponse {
  const now = opts.now ?? new Date();
  const lifetimeMs = (opts.lifetimeSeconds ?? 300) * 1000;
  const issueInstant = isoMs(now);
  const notBefore = isoMs(new Date(now.getTime() - 60_000));
  const notOnOrAfter = isoMs(new Date(now.getTime() + lifetimeMs));
  const authnInstant = isoMs(new Date(now.getTime() - 2_000));

  const issuer = opts.issuer ?? DEFAULT_FIXTURE_ISSUER;
  const destination = opts.destination === undefined ? AWS_SIGNIN_ACS : opts.destination;
  const recipient = opts.recipient ?? AWS_SIGNIN_ACS;
  const audience = opts.audience ?? AWS_SP_ENTITY_ID;
  const nameId = opts.nameId ?? DEFAULT_FIXTURE_NAME_ID;
  const nameIdFormat = opts.nameIdFormat ?? 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
  const roles = opts.roles ?? DEFAULT_FIXTURE_ROLES;
  const roleSessionName = opts.roleSessionName ?? DEFAULT_FIXTURE_ROLE_SESSION_NAME;
  const sessionDuration = opts.sessionDuration === undefined ? 3600 : opts.sessionDuration;
  const sessionIndex = opts.sessionIndex ?? newId();
  const responseId = newId();
  const assertionId = newId();

  const attr = (name: string, values: string[]): string =>
    `<saml:Attribute Name="${esc(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">` +
    values.map((v) => `<saml:AttributeValue>${esc(v)}</saml:AttributeValue>`).join('') +
    `</saml:Attribute>`;

  const attributes = [attr(AWS_ROLE_ATTRIBUTE, roles), attr(AWS_ROLE_SESSION_NAME_ATTRIBUTE, [roleSessionName])];
  if (sessionDuration !== null) attributes.push(attr(AWS_SESSION_DURATION_ATTRIBUTE, [String(sessionDuration)]));

  const xml =
    `<samlp:Response xmlns:samlp="${NS_SAMLP}" xmlns:saml="${NS_SAML}" ID="${responseId}" Version="2.0" IssueInstant="${issueInstant}"` +
    (destination === null ? '' : ` Destination="${esc(destination)}"`) +
    `>` +
    `<saml:Issuer>${esc(issuer)}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
    `<saml:Assertion ID="${assertionId}" Version="2.0" IssueInstant="${issueInstant}">` +
    `<saml:Issuer>${esc(issuer)}</saml:Issuer>` +
    `<saml:Subject>` +
    `<saml:NameID Format="${esc(nameIdFormat)}">${esc(nameId)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">` +
    `<saml:SubjectConfirmationData NotOnOrAfter="${notOnOrAfter}" Recipient="${esc(recipient)}"/>` +
    `</saml:SubjectConfirmation>` +
    `</saml:Subject>` +
    `<saml:Conditions NotBefore="${notBefore}" NotOnOrAfter="${notOnOrAfter}">` +
    `<saml:AudienceRestriction><saml:Audience>${esc(audience)}</saml:Audience></saml:AudienceRestriction>` +
    `</saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${authnInstant}" SessionIndex="${esc(sessionIndex)}">` +
    `<saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext>` +
    `</saml:AuthnStatement>` +
    `<saml:AttributeStatement>${attributes.join('')}</saml:AttributeStatement>` +
    `</saml:Assertion>` +
    `</samlp:Response>`;

  let signed = xml;
  if (opts.signAssertion ?? true) {
    signed = signEnveloped(
      signed,
      opts.keyPair,
      `//*[local-name(.)='Assertion' and namespace-uri(.)='${NS_SAML}']`,
      `//*[local-name(.)='Assertion' and namespace-uri(.)='${NS_SAML}']/*[local-name(.)='Issuer' and namespace-uri(.)='${NS_SAML}']`,
      opts.keyInfo ?? 'x509',
    );
  }
  if (opts.signResponse ?? false) {
    signed = signEnveloped(
      signed,
      opts.keyPair,
      `/*[local-name(.)='Response' and namespace-uri(.)='${NS_SAMLP}']`,
      `/*[local-name(.)='Response' and namespace-uri(.)='${NS_SAMLP}']/*[local-name(.)='Issuer' and namespace-uri(.)='${NS_SAML}']`,
      opts.keyInfo ?? 'x509',
    );
  }

  return {
    xml: signed,
    samlResponseB64: Buffer.from(signed, 'utf8').toString('base64'),
    responseId,
    assertionId,
    issuer,
    nameId,
    roleSessionName,
  };
}

/** Enveloped rsa-sha256 signature over the element at `referenceXpath`, placed after `afterXpath`. */
function signEnveloped(
  xml: string,
  keyPair: TestKeyPair,
  referenceXpath: string,
  afterXpath: string,
  keyInfo: 'x509' | 'rsaKeyValue' | 'none',
): string {
  const sig = new SignedXml({
    privateKey: keyPair.privateKeyPem,
    publicCert: keyPair.certPem,
    signatureAlgorithm: RSA_SHA256,
    canonicalizationAlgorithm: EXC_C14N,
  });
  if (keyInfo === 'none') {
    sig.getKeyInfoContent = () => null;
  } else if (keyInfo === 'rsaKeyValue') {
    const jwk = createPublicKey(keyPair.privateKeyPem).export({ format: 'jwk' });
    const b64 = (v: string | undefined): string => Buffer.from(v ?? '', 'base64url').toString('base64');
    sig.getKeyInfoContent = ({ prefix } = {}) => {
      const p = prefix ? `${prefix}:` : '';
      return `<${p}KeyValue><${p}RSAKeyValue><${p}Modulus>${b64(jwk.n)}</${p}Modulus><${p}Exponent>${b64(jwk.e)}</${p}Exponent></${p}RSAKeyValue></${p}KeyValue>`;
    };
  }
  sig.addReference({ xpath: referenceXpath, transforms: [ENVELOPED, EXC_C14N], digestAlgorithm: SHA256 });
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: afterXpath, action: 'after' } });
  return sig.getSignedXml();
}

export interface FixtureMetadataOptions {
  entityId?: string;
  /** PEM certificate or bare base64 body; every entry becomes a `KeyDescriptor use="signing"`. */
  signingCerts: string[];
  ssoUrl?: string;
}

/** A minimal (but IAM-sized, >1000 chars with a 2048-bit cert) IdP metadata document. */
export function buildIdpMetadata(opts: FixtureMetadataOptions): string {
  const entityId = opts.entityId ?? DEFAULT_FIXTURE_ISSUER;
  const ssoUrl = opts.ssoUrl ?? 'https://sso.example.com/saml/sso';
  const keyDescriptors = opts.signingCerts
    .map(
      (c) =>
        `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${pemBody(c)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
    )
    .join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<md:EntityDescriptor xmlns:md="${NS_MD}" xmlns:ds="${NS_DS}" entityID="${esc(entityId)}">` +
    `<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAuthnRequestsSigned="false">` +
    keyDescriptors +
    `<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>` +
    `<md:SingleSignOnService Binding="${BINDING_REDIRECT}" Location="${esc(ssoUrl)}"/>` +
    `<md:SingleSignOnService Binding="${BINDING_POST}" Location="${esc(ssoUrl)}"/>` +
    `</md:IDPSSODescriptor>` +
    `</md:EntityDescriptor>`
  );
}

/**
 * Returns a copy of a signed response with ONE character of the RoleSessionName value changed
 * (its first character is replaced), leaving every signature byte untouched.
 */
export function tamperRoleSessionName(xml: string, roleSessionName = DEFAULT_FIXTURE_ROLE_SESSION_NAME): string {
  const needle = `>${esc(roleSessionName)}<`;
  const at = xml.indexOf(needle);
  if (at < 0 || xml.indexOf(needle, at + 1) >= 0) {
    throw new Error(`tamperRoleSessionName: expected exactly one ${needle} in the document`);
  }
  const first = roleSessionName.charAt(0);
  const replacement = first === 'x' ? 'y' : 'x';
  const tampered = `>${esc(replacement + roleSessionName.slice(1))}<`;
  return xml.slice(0, at) + tampered + xml.slice(at + needle.length);
}

function newId(): string {
  // xs:ID must not start with a digit.
  return '_' + randomBytes(20).toString('hex');
}

function isoMs(d: Date): string {
  return d.toISOString();
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
