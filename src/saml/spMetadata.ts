import { X509Certificate } from 'node:crypto';
import { childElements, elementText, parseSamlXml } from './intake/parseSamlXml';
import { METADATA_LIMITS } from './intake/intakeLimits';
import { SamlIntakeError } from './intake/samlIntakeError';
import { MD_NS } from './idpMetadata';
import { DSIG_NS } from './xmlDsig';
import { BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, type SpEndpoint, type SpMetadataFacts } from '../sp/serviceProvider';

const PROTOCOL_SAML2 = 'urn:oasis:names:tc:SAML:2.0:protocol';
/** RSA keys below this are refused: they no longer protect a signature (NIST SP 800-131A). */
export const MIN_RSA_BITS = 2048;

/** Metadata an admin must fix; the message says what and where. */
export class SpMetadataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpMetadataError';
  }
}

function checkUrl(raw: string | null, what: string): string {
  if (!raw) throw new SpMetadataError(`${what} has no Location`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SpMetadataError(`${what} Location "${raw.slice(0, 200)}" is not an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new SpMetadataError(`${what} Location "${raw.slice(0, 200)}" must be http or https`);
  if (url.username || url.password) throw new SpMetadataError(`${what} Location must not carry credentials`);
  if (url.hash) throw new SpMetadataError(`${what} Location must not carry a fragment`);
  return raw;
}

function flag(el: Element, name: string): boolean {
  const raw = el.getAttribute(name);
  if (raw === null || raw === '') return false;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new SpMetadataError(`${el.localName}@${name} must be true or false, not "${raw.slice(0, 20)}"`);
}

/** A certificate from a KeyDescriptor: parsable X.509 with an RSA key of at least 2048 bits. */
function checkCertificate(base64: string, use: string): string {
  const compact = base64.replace(/\s+/g, '');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(Buffer.from(compact, 'base64'));
  } catch {
    throw new SpMetadataError(`a ${use} KeyDescriptor holds something that is not an X.509 certificate`);
  }
  const key = cert.publicKey;
  if (key.asymmetricKeyType !== 'rsa') throw new SpMetadataError(`the ${use} certificate "${cert.subject}" has a ${key.asymmetricKeyType} key; only RSA is supported`);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) throw new SpMetadataError(`the ${use} certificate "${cert.subject}" has a ${bits}-bit RSA key; at least ${MIN_RSA_BITS} bits are required`);
  return compact;
}

/**
 * Reads a service provider's SAML 2.0 metadata (file or pasted XML) into what the registry keeps:
 * entityID, POST ACS endpoints (index, isDefault), SLO endpoints (Redirect/POST), signing and
 * encryption certificates, AuthnRequestsSigned, WantAssertionsSigned and NameIDFormats. It goes
 * through the same hardened parser as protocol messages (no DTD, no entities), with larger limits
 * and comments tolerated.
 */
export function parseSpMetadata(xml: string): SpMetadataFacts {
  let doc: Document;
  try {
    doc = parseSamlXml(xml, { limits: METADATA_LIMITS, allowComments: true });
  } catch (error) {
    if (error instanceof SamlIntakeError) throw new SpMetadataError(`the metadata is not acceptable XML: ${error.message}`);
    throw error;
  }
  let entity: Element = doc.documentElement;
  if (entity.namespaceURI === MD_NS && entity.localName === 'EntitiesDescriptor') {
    const candidates = childElements(entity, MD_NS, 'EntityDescriptor').filter((e) => childElements(e, MD_NS, 'SPSSODescriptor').length > 0);
    if (candidates.length !== 1) throw new SpMetadataError(`the EntitiesDescriptor holds ${candidates.length} service providers; register them one EntityDescriptor at a time`);
    entity = candidates[0]!;
  }
  if (entity.namespaceURI !== MD_NS || entity.localName !== 'EntityDescriptor') throw new SpMetadataError('the root element is not an md:EntityDescriptor');
  const entityId = entity.getAttribute('entityID') ?? '';
  if (entityId === '' || entityId.length > 1024 || !/^[\x21-\x7e]+$/.test(entityId)) {
    throw new SpMetadataError('entityID is missing, longer than 1024 characters, or not a URI without spaces (SAML core 8.3.6)');
  }
  const descriptors = childElements(entity, MD_NS, 'SPSSODescriptor').filter((d) => (d.getAttribute('protocolSupportEnumeration') ?? '').split(/\s+/).includes(PROTOCOL_SAML2));
  if (descriptors.length !== 1) throw new SpMetadataError(`expected one SPSSODescriptor supporting SAML 2.0 (${PROTOCOL_SAML2}), found ${descriptors.length}`);
  const sp = descriptors[0]!;

  const signingCertificates: string[] = [];
  const encryptionCertificates: string[] = [];
  for (const kd of childElements(sp, MD_NS, 'KeyDescriptor')) {
    const use = kd.getAttribute('use') || 'both';
    if (!['signing', 'encryption', 'both'].includes(use)) throw new SpMetadataError(`KeyDescriptor use="${use}" is neither signing nor encryption`);
    for (const keyInfo of childElements(kd, DSIG_NS, 'KeyInfo')) {
      for (const data of childElements(keyInfo, DSIG_NS, 'X509Data')) {
        for (const certEl of childElements(data, DSIG_NS, 'X509Certificate')) {
          const cert = checkCertificate(elementText(certEl), use === 'both' ? 'signing/encryption' : use);
          if (use !== 'encryption' && !signingCertificates.includes(cert)) signingCertificates.push(cert);
          if (use !== 'signing' && !encryptionCertificates.includes(cert)) encryptionCertificates.push(cert);
        }
      }
    }
  }

  const acs: SpEndpoint[] = [];
  const indexes = new Set<number>();
  for (const el of childElements(sp, MD_NS, 'AssertionConsumerService')) {
    const binding = el.getAttribute('Binding') ?? '';
    const rawIndex = el.getAttribute('index') ?? '';
    if (!/^\d{1,5}$/.test(rawIndex)) throw new SpMetadataError(`AssertionConsumerService index "${rawIndex}" is not a number`);
    const index = Number(rawIndex);
    if (indexes.has(index)) throw new SpMetadataError(`two AssertionConsumerService elements share index ${index}`);
    indexes.add(index);
    // Sesame delivers assertions by HTTP-POST only; Artifact and PAOS endpoints are not usable.
    if (binding !== BINDING_HTTP_POST) continue;
    const endpoint: SpEndpoint = { binding, location: checkUrl(el.getAttribute('Location'), `AssertionConsumerService index ${index}`), index };
    if (el.hasAttribute('isDefault')) endpoint.isDefault = flag(el, 'isDefault');
    acs.push(endpoint);
  }
  if (acs.length === 0) throw new SpMetadataError(`the SP has no AssertionConsumerService with the HTTP-POST binding (${BINDING_HTTP_POST}), the only one Sesame delivers to`);

  const slo: SpEndpoint[] = [];
  for (const el of childElements(sp, MD_NS, 'SingleLogoutService')) {
    const binding = el.getAttribute('Binding') ?? '';
    if (binding !== BINDING_HTTP_REDIRECT && binding !== BINDING_HTTP_POST) continue;
    const endpoint: SpEndpoint = { binding, location: checkUrl(el.getAttribute('Location'), 'SingleLogoutService') };
    const responseLocation = el.getAttribute('ResponseLocation');
    if (responseLocation) endpoint.responseLocation = checkUrl(responseLocation, 'SingleLogoutService ResponseLocation');
    slo.push(endpoint);
  }

  return {
    entityId,
    acs,
    slo,
    signingCertificates,
    encryptionCertificates,
    authnRequestsSigned: flag(sp, 'AuthnRequestsSigned'),
    wantAssertionsSigned: flag(sp, 'WantAssertionsSigned'),
    nameIdFormats: childElements(sp, MD_NS, 'NameIDFormat').map((el) => elementText(el).trim()).filter(Boolean),
  };
}
