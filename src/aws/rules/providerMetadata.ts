import { X509Certificate, createHash } from 'node:crypto';
import { ruleError, ruleWarning, type AwsError, type Finding } from './finding';
import { NS, XmlRefused, attr, childElements, descendants, parseStrictXml } from './strictXml';

/** One certificate the IAM provider trusts for signatures. */
export interface ProviderCertificate {
  pem: string;
  /** SHA-256 over the DER, hex with colons, as `openssl x509 -fingerprint -sha256` prints it. */
  fingerprint: string;
  subject: string;
  notAfter: Date;
}

/** What IAM keeps from uploaded IdP metadata and uses to judge a response (S4, S5). */
export interface TrustedProvider {
  entityId: string;
  signingCertificates: ProviderCertificate[];
}

export interface MetadataReading {
  provider: TrustedProvider | null;
  findings: Finding[];
}

/** IAM's size bounds for SAMLMetadataDocument (S4). */
export const MIN_METADATA_CHARS = 1000;
export const MAX_METADATA_CHARS = 10_000_000;
/** IAM quota: keys per SAML provider (S5). */
export const MAX_PROVIDER_KEYS = 10;

const SAML2_PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';

/** What IAM answers to metadata it cannot use (CreateSAMLProvider / UpdateSAMLProvider). */
export function metadataRejected(): AwsError {
  return { code: 'InvalidInput', httpStatus: 400, message: 'Could not parse metadata' };
}

function pemOf(base64Der: string): string {
  const lines = base64Der.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

export function certificateFingerprint(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
}

/**
 * Reads IdP metadata the way IAM does when an admin uploads it (S3, S4, S5): the entityID that
 * responses must name as Issuer (R1) and the signing certificates, the only keys a signature may
 * be checked with. Findings say what IAM would refuse ("Could not parse metadata") and what merely
 * deserves attention (an expiring certificate, a short validUntil).
 */
export function readProviderMetadata(metadataXml: string, now: Date): MetadataReading {
  const findings: Finding[] = [];
  const refuse = (rule: string, message: string, fix: string): MetadataReading => {
    findings.push(ruleError(rule, message, fix, metadataRejected()));
    return { provider: null, findings };
  };
  if (typeof metadataXml !== 'string' || metadataXml.length < MIN_METADATA_CHARS || metadataXml.length > MAX_METADATA_CHARS) {
    const length = typeof metadataXml === 'string' ? metadataXml.length : 0;
    return refuse(
      'S4',
      `The metadata is ${length} characters long; IAM accepts ${MIN_METADATA_CHARS.toLocaleString('en')}–${MAX_METADATA_CHARS.toLocaleString('en')}`,
      'Upload the complete metadata document from <Sesame>/saml/metadata, which carries the signing certificate.',
    );
  }
  let doc: Document;
  try {
    doc = parseStrictXml(metadataXml, 'the metadata');
  } catch (error) {
    if (!(error instanceof XmlRefused)) throw error;
    return refuse('S4', `IAM cannot parse the metadata: ${error.message}`, 'Upload the metadata exactly as <Sesame>/saml/metadata serves it: UTF-8 without a BOM and without a DOCTYPE.');
  }
  const root = doc.documentElement!;
  if (root.namespaceURI !== NS.md || root.localName !== 'EntityDescriptor') {
    return refuse('S4', `The metadata's root element is <${root.nodeName}>; IAM expects one md:EntityDescriptor`, 'Upload the IdP metadata (an md:EntityDescriptor), not an aggregate or an SP document.');
  }
  const entityId = attr(root, 'entityID');
  if (!entityId) return refuse('S4', 'The md:EntityDescriptor has no entityID', 'Use the metadata Sesame publishes; its entityID is the Issuer of every response.');
  const idpDescriptors = childElements(root, NS.md, 'IDPSSODescriptor').filter((d) => (attr(d, 'protocolSupportEnumeration') ?? '').split(/\s+/).includes(SAML2_PROTOCOL));
  if (idpDescriptors.length !== 1) {
    return refuse(
      'S4',
      `The metadata has ${idpDescriptors.length} IDPSSODescriptor elements supporting SAML 2.0; IAM expects one`,
      `Upload IdP metadata with one IDPSSODescriptor whose protocolSupportEnumeration lists ${SAML2_PROTOCOL}.`,
    );
  }
  const certificates: ProviderCertificate[] = [];
  for (const keyDescriptor of childElements(idpDescriptors[0]!, NS.md, 'KeyDescriptor')) {
    const use = attr(keyDescriptor, 'use');
    if (use !== null && use !== 'signing') continue;
    for (const element of descendants(keyDescriptor, NS.ds, 'X509Certificate')) {
      const body = (element.textContent ?? '').replace(/\s+/g, '');
      let certificate: X509Certificate;
      try {
        if (!/^[A-Za-z0-9+/]+=*$/.test(body)) throw new Error('not base64');
        certificate = new X509Certificate(Buffer.from(body, 'base64'));
      } catch {
        return refuse('S3', 'A signing X509Certificate in the metadata is not a valid certificate', 'Publish the signing certificate as base64 DER in ds:X509Certificate (Sesame does this itself).');
      }
      const key = certificate.publicKey;
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      if (key.asymmetricKeyType !== 'rsa' || bits < 1024) {
        return refuse('S3', `A signing certificate holds a ${key.asymmetricKeyType ?? 'unknown'} key of ${bits} bits; IAM requires RSA of at least 1024 bits`, 'Sign with an RSA key of 2048 bits or more.');
      }
      if (bits < 2048) findings.push(ruleWarning('S3', `Signing certificate ${certificate.subject} has a ${bits}-bit RSA key`, 'Roll over to a 2048-bit or larger key (Sesame generates 2048-bit keys).'));
      const notAfter = new Date(certificate.validTo);
      if (notAfter.getTime() <= now.getTime()) {
        findings.push(ruleWarning('S3', `Signing certificate ${certificate.subject} expired on ${notAfter.toISOString()}`, 'AWS does not document whether it checks certificate dates; roll the key over before relying on it.'));
      }
      certificates.push({ pem: pemOf(body), fingerprint: certificateFingerprint(certificate.raw), subject: certificate.subject, notAfter });
    }
  }
  if (certificates.length === 0) {
    return refuse('S4', 'The metadata carries no signing certificate (KeyDescriptor use="signing" with ds:X509Certificate)', 'Upload metadata that includes the IdP signing certificate.');
  }
  if (certificates.length > MAX_PROVIDER_KEYS) {
    findings.push(ruleError('S5', `The metadata carries ${certificates.length} signing certificates; IAM allows ${MAX_PROVIDER_KEYS} per provider`, 'Retire old keys from the metadata.', { code: 'LimitExceeded', httpStatus: 409, message: `Cannot exceed quota for KeysPerSAMLProvider: ${MAX_PROVIDER_KEYS}` }));
    return { provider: null, findings };
  }
  const validUntil = attr(root, 'validUntil');
  if (validUntil !== null) {
    const until = Date.parse(validUntil);
    if (Number.isNaN(until) || until - now.getTime() < 365 * 24 * 3600 * 1000) {
      findings.push(ruleWarning('S4', `The metadata has validUntil="${validUntil}"; IAM copies it into the provider's ValidUntil`, 'Publish metadata without a short validUntil (Sesame emits none).'));
    }
  }
  return { provider: { entityId, signingCertificates: certificates }, findings };
}
