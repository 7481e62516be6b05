import { xmlAttr, xmlText } from './xmlText';
import { newSamlId, samlInstant } from './samlId';
import type { EnvelopedSigner } from './xmlDsig';
import type { SamlAttribute } from './types';

export const SAML_NS = 'urn:oasis:names:tc:SAML:2.0:assertion';
export const SAMLP_NS = 'urn:oasis:names:tc:SAML:2.0:protocol';
export const STATUS_SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';

export interface NameIdValue {
  value: string;
  format: string;
  nameQualifier?: string;
  spNameQualifier?: string;
}

/** Everything one signed SAML Response says; times are computed from `now`. */
export interface ResponseInput {
  issuer: string;
  /** Where the browser POSTs the response: Response@Destination and SubjectConfirmationData@Recipient (E3, E5). */
  destination: string;
  audience: string;
  nameId: NameIdValue;
  /** Absent for IdP-initiated SSO (E9). */
  inResponseTo?: string;
  now: Date;
  lifetimeSeconds: number;
  /** How far NotBefore is backdated to absorb SP clock drift (T4). */
  notBeforeSkewSeconds: number;
  authnInstant: Date;
  sessionIndex: string;
  authnContextClassRef: string;
  sessionNotOnOrAfter?: Date;
  attributes: SamlAttribute[];
  signResponse: boolean;
  /** Sign the Assertion (default true). An SP may take a signed Response around an unsigned Assertion instead. */
  signAssertion?: boolean;
  /** Turns the (signed) Assertion into a saml:EncryptedAssertion in canonical form: sign, then encrypt (saml/encryptAssertion.ts). */
  encryptAssertion?: (assertionXml: string) => string;
}

export interface BuiltResponse {
  xml: string;
  responseId: string;
  assertionId: string;
  notOnOrAfter: Date;
}

function optionalAttr(name: string, value: string | undefined): string {
  return value === undefined ? '' : ` ${name}="${xmlAttr(value)}"`;
}

function attributeXml(attribute: SamlAttribute): string {
  let xml =
    `<saml:Attribute${optionalAttr('FriendlyName', attribute.friendlyName)} Name="${xmlAttr(attribute.name)}"` +
    `${optionalAttr('NameFormat', attribute.nameFormat)}>`;
  for (const value of attribute.values) xml += `<saml:AttributeValue>${xmlText(value)}</saml:AttributeValue>`;
  return xml + '</saml:Attribute>';
}

/**
 * Builds and signs a SAML 2.0 Response with one Assertion (R1, R2), emitted directly in exclusive-C14N
 * form: attributes in canonical order, explicit end tags, C14N escaping, and each signed element
 * declaring the namespaces it uses (the Response's Issuer and the Assertion carry xmlns:saml
 * themselves). So the Assertion's digest is the text we emit, and the Response's digest — taken over
 * a document that contains the signed Assertion — is too. One "saml" prefix throughout the assertion (R4).
 */
export function buildSignedResponse(input: ResponseInput, signer: EnvelopedSigner): BuiltResponse {
  const responseId = newSamlId();
  const assertionId = newSamlId();
  const issueInstant = samlInstant(input.now);
  const notOnOrAfterDate = new Date(input.now.getTime() + input.lifetimeSeconds * 1000);
  const notOnOrAfter = samlInstant(notOnOrAfterDate);
  const notBefore = samlInstant(new Date(input.now.getTime() - input.notBeforeSkewSeconds * 1000));
  const issuer = xmlText(input.issuer);
  const destination = xmlAttr(input.destination);
  const inResponseTo = optionalAttr('InResponseTo', input.inResponseTo);

  const nameId = input.nameId;
  const subject =
    `<saml:Subject><saml:NameID Format="${xmlAttr(nameId.format)}"${optionalAttr('NameQualifier', nameId.nameQualifier)}` +
    `${optionalAttr('SPNameQualifier', nameId.spNameQualifier)}>${xmlText(nameId.value)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="${BEARER}"><saml:SubjectConfirmationData${inResponseTo} ` +
    `NotOnOrAfter="${notOnOrAfter}" Recipient="${destination}"></saml:SubjectConfirmationData>` +
    `</saml:SubjectConfirmation></saml:Subject>`;
  const conditions =
    `<saml:Conditions NotBefore="${notBefore}" NotOnOrAfter="${notOnOrAfter}"><saml:AudienceRestriction>` +
    `<saml:Audience>${xmlText(input.audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>`;
  const sessionNotOnOrAfter = input.sessionNotOnOrAfter ? samlInstant(input.sessionNotOnOrAfter) : undefined;
  const authnStatement =
    `<saml:AuthnStatement AuthnInstant="${samlInstant(input.authnInstant)}" SessionIndex="${xmlAttr(input.sessionIndex)}"` +
    `${optionalAttr('SessionNotOnOrAfter', sessionNotOnOrAfter)}><saml:AuthnContext><saml:AuthnContextClassRef>` +
    `${xmlText(input.authnContextClassRef)}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`;
  let attributeStatement = '';
  if (input.attributes.length > 0) {
    attributeStatement = '<saml:AttributeStatement>';
    for (const attribute of input.attributes) attributeStatement += attributeXml(attribute);
    attributeStatement += '</saml:AttributeStatement>';
  }

  const assertionHead =
    `<saml:Assertion xmlns:saml="${SAML_NS}" ID="${assertionId}" IssueInstant="${issueInstant}" Version="2.0">` +
    `<saml:Issuer>${issuer}</saml:Issuer>`;
  const assertionBody = subject + conditions + authnStatement + attributeStatement + '</saml:Assertion>';
  const plainAssertion =
    input.signAssertion === false
      ? assertionHead + assertionBody
      : assertionHead + signer.signatureFor(assertionHead + assertionBody, assertionId) + assertionBody;
  const assertion = input.encryptAssertion ? input.encryptAssertion(plainAssertion) : plainAssertion;

  const responseHead =
    `<samlp:Response xmlns:samlp="${SAMLP_NS}" Destination="${destination}" ID="${responseId}"${inResponseTo} ` +
    `IssueInstant="${issueInstant}" Version="2.0"><saml:Issuer xmlns:saml="${SAML_NS}">${issuer}</saml:Issuer>`;
  const responseBody =
    `<samlp:Status><samlp:StatusCode Value="${STATUS_SUCCESS}"></samlp:StatusCode></samlp:Status>` + assertion + '</samlp:Response>';
  const responseSignature = input.signResponse ? signer.signatureFor(responseHead + responseBody, responseId) : '';

  return {
    xml: responseHead + responseSignature + responseBody,
    responseId,
    assertionId,
    notOnOrAfter: notOnOrAfterDate,
  };
}

/** A SAML status (core 3.2.2.2): a top-level code, an optional second-level code and message. */
export interface SamlStatus {
  code: string;
  subCode?: string;
  message?: string;
}

export const STATUS_REQUESTER = 'urn:oasis:names:tc:SAML:2.0:status:Requester';
export const STATUS_RESPONDER = 'urn:oasis:names:tc:SAML:2.0:status:Responder';
export const STATUS_VERSION_MISMATCH = 'urn:oasis:names:tc:SAML:2.0:status:VersionMismatch';
export const STATUS_NO_PASSIVE = 'urn:oasis:names:tc:SAML:2.0:status:NoPassive';
export const STATUS_INVALID_NAMEID_POLICY = 'urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy';
export const STATUS_REQUEST_DENIED = 'urn:oasis:names:tc:SAML:2.0:status:RequestDenied';
export const STATUS_AUTHN_FAILED = 'urn:oasis:names:tc:SAML:2.0:status:AuthnFailed';
export const STATUS_NO_AUTHN_CONTEXT = 'urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext';
export const STATUS_UNSUPPORTED_BINDING = 'urn:oasis:names:tc:SAML:2.0:status:UnsupportedBinding';
export const STATUS_PARTIAL_LOGOUT = 'urn:oasis:names:tc:SAML:2.0:status:PartialLogout';

/** samlp:Status in canonical form. */
export function statusXml(status: SamlStatus): string {
  const sub = status.subCode ? `<samlp:StatusCode Value="${xmlAttr(status.subCode)}"></samlp:StatusCode>` : '';
  const message = status.message ? `<samlp:StatusMessage>${xmlText(status.message)}</samlp:StatusMessage>` : '';
  return `<samlp:Status><samlp:StatusCode Value="${xmlAttr(status.code)}">${sub}</samlp:StatusCode>${message}</samlp:Status>`;
}

export interface ErrorResponseInput {
  issuer: string;
  destination: string;
  inResponseTo?: string;
  status: SamlStatus;
  now: Date;
}

/**
 * A signed Response without an assertion that tells an SP why it gets none (NoPassive,
 * InvalidNameIDPolicy, RequestDenied …), in the same canonical-by-construction form.
 */
export function buildErrorResponse(input: ErrorResponseInput, signer: EnvelopedSigner): { xml: string; responseId: string } {
  const responseId = newSamlId();
  const head =
    `<samlp:Response xmlns:samlp="${SAMLP_NS}" Destination="${xmlAttr(input.destination)}" ID="${responseId}"` +
    `${optionalAttr('InResponseTo', input.inResponseTo)} IssueInstant="${samlInstant(input.now)}" Version="2.0">` +
    `<saml:Issuer xmlns:saml="${SAML_NS}">${xmlText(input.issuer)}</saml:Issuer>`;
  const body = statusXml(input.status) + '</samlp:Response>';
  return { xml: head + signer.signatureFor(head + body, responseId) + body, responseId };
}
