import { childElements, elementText, optionalChild } from './intake/parseSamlXml';
import { INTAKE_RULES, SamlIntakeError } from './intake/samlIntakeError';
import { SAML_NS, SAMLP_NS } from './buildResponse';

export type AuthnContextComparison = 'exact' | 'minimum' | 'maximum' | 'better';

/** What an AuthnRequest asks for, read from the verified (or policy-allowed unsigned) element. */
export interface AuthnRequest {
  id: string;
  issueInstant: Date;
  destination: string | null;
  issuer: string;
  acsUrl: string | null;
  acsIndex: number | null;
  protocolBinding: string | null;
  forceAuthn: boolean;
  isPassive: boolean;
  nameIdPolicy: { format: string | null; allowCreate: boolean | null; spNameQualifier: string | null } | null;
  requestedAuthnContext: { comparison: AuthnContextComparison; classRefs: string[] } | null;
}

const XS_ID = /^[A-Za-z_][A-Za-z0-9_.-]{0,255}$/;
const XS_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function bad(message: string): SamlIntakeError {
  return new SamlIntakeError('request.shape', message);
}

export function readId(root: Element): string {
  const id = root.getAttribute('ID') ?? '';
  if (!XS_ID.test(id)) throw bad(`The ${root.localName} ID ${JSON.stringify(id.slice(0, 64))} is missing or not an xs:ID.`);
  return id;
}

export function readInstant(root: Element, name: string, required: true): Date;
export function readInstant(root: Element, name: string, required: false): Date | null;
export function readInstant(root: Element, name: string, required: boolean): Date | null {
  const raw = root.getAttribute(name);
  if (raw === null || raw === '') {
    if (required) throw bad(`The ${root.localName} has no ${name}.`);
    return null;
  }
  // SAML core 1.3.3: xs:dateTime in UTC; a zone is required so the instant is unambiguous.
  const time = XS_DATETIME.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isNaN(time)) throw bad(`${name} ${JSON.stringify(raw.slice(0, 40))} is not an xs:dateTime with a time zone.`);
  return new Date(time);
}

export function readVersion(root: Element): void {
  if (root.getAttribute('Version') !== '2.0') {
    throw new SamlIntakeError('request.version', `The ${root.localName} Version is ${JSON.stringify(root.getAttribute('Version'))}; only SAML 2.0 is spoken.`);
  }
}

/** The message's saml:Issuer text (required by the web SSO and SLO profiles), entity format only. */
export function readIssuer(root: Element): string {
  const issuer = optionalChild(root, SAML_NS, 'Issuer');
  if (!issuer) throw new SamlIntakeError('request.issuer', `The ${root.localName} has no Issuer, so its sender is unknown.`);
  const format = issuer.getAttribute('Format');
  if (format && format !== 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity') {
    throw new SamlIntakeError('request.issuer', 'The Issuer must have the entity format.');
  }
  const value = elementText(issuer).trim();
  if (value === '' || value.length > 1024) throw new SamlIntakeError('request.issuer', 'The Issuer is empty or longer than 1024 characters.');
  return value;
}

function readBoolean(root: Element, name: string): boolean | null {
  const raw = root.getAttribute(name);
  if (raw === null || raw === '') return null;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw bad(`${name} must be true or false.`);
}

/** Reads and shape-checks a samlp:AuthnRequest (SAML core 3.4.1). Policy (who, where, when) is checked by the SSO pipeline. */
export function readAuthnRequest(root: Element): AuthnRequest {
  if (root.namespaceURI !== SAMLP_NS || root.localName !== 'AuthnRequest') {
    throw bad(`Expected a samlp:AuthnRequest, got ${root.localName}.`);
  }
  readVersion(root);
  const acsUrl = root.getAttribute('AssertionConsumerServiceURL') || null;
  const rawIndex = root.getAttribute('AssertionConsumerServiceIndex');
  let acsIndex: number | null = null;
  if (rawIndex !== null && rawIndex !== '') {
    if (!/^\d{1,5}$/.test(rawIndex)) throw new SamlIntakeError('request.acs', 'AssertionConsumerServiceIndex is not a number.');
    acsIndex = Number(rawIndex);
  }
  if (acsUrl !== null && acsIndex !== null) {
    // SAML core 3.4.1: the two are mutually exclusive.
    throw new SamlIntakeError('request.acs', 'The AuthnRequest names both an ACS URL and an ACS index; SAML allows one of them.');
  }
  const policy = optionalChild(root, SAMLP_NS, 'NameIDPolicy');
  const requested = optionalChild(root, SAMLP_NS, 'RequestedAuthnContext');
  let requestedAuthnContext: AuthnRequest['requestedAuthnContext'] = null;
  if (requested) {
    const comparison = (requested.getAttribute('Comparison') || 'exact') as AuthnContextComparison;
    if (!['exact', 'minimum', 'maximum', 'better'].includes(comparison)) throw bad('RequestedAuthnContext Comparison is not exact, minimum, maximum or better.');
    const classRefs = childElements(requested, SAML_NS, 'AuthnContextClassRef').map((el) => elementText(el).trim());
    requestedAuthnContext = { comparison, classRefs };
  }
  return {
    id: readId(root),
    issueInstant: readInstant(root, 'IssueInstant', true),
    destination: root.getAttribute('Destination') || null,
    issuer: readIssuer(root),
    acsUrl,
    acsIndex,
    protocolBinding: root.getAttribute('ProtocolBinding') || null,
    forceAuthn: readBoolean(root, 'ForceAuthn') ?? false,
    isPassive: readBoolean(root, 'IsPassive') ?? false,
    nameIdPolicy: policy
      ? {
          format: policy.getAttribute('Format') || null,
          allowCreate: readBoolean(policy, 'AllowCreate'),
          spNameQualifier: policy.getAttribute('SPNameQualifier') || null,
        }
      : null,
    requestedAuthnContext,
  };
}

/** Guards the one place a message's own type is read before its sender is known. */
export function expectRoot(doc: Document, local: string): Element {
  const root = doc.documentElement;
  if (root.namespaceURI !== SAMLP_NS || root.localName !== local) {
    throw new SamlIntakeError(INTAKE_RULES.shape, `Expected a samlp:${local}, got ${root.localName}.`);
  }
  return root;
}
