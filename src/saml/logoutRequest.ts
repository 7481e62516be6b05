import { elementText, childElements, optionalChild } from './intake/parseSamlXml';
import { SamlIntakeError } from './intake/samlIntakeError';
import { SAML_NS, SAMLP_NS } from './buildResponse';
import { readId, readInstant, readIssuer, readVersion } from './authnRequest';
import { newSamlId, samlInstant } from './samlId';
import { xmlAttr, xmlText } from './xmlText';
import type { NameIdValue } from './buildResponse';
import type { EnvelopedSigner } from './xmlDsig';

/** A samlp:LogoutRequest (SAML core 3.7.1) as read from a verified element. */
export interface LogoutRequest {
  id: string;
  issuer: string;
  issueInstant: Date;
  destination: string | null;
  notOnOrAfter: Date | null;
  nameId: NameIdValue;
  sessionIndexes: string[];
}

export function readLogoutRequest(root: Element): LogoutRequest {
  if (root.namespaceURI !== SAMLP_NS || root.localName !== 'LogoutRequest') throw new SamlIntakeError('request.shape', `Expected a samlp:LogoutRequest, got ${root.localName}.`);
  readVersion(root);
  const nameIdElement = optionalChild(root, SAML_NS, 'NameID');
  if (!nameIdElement) {
    // EncryptedID/BaseID are not issued by Sesame, so a request naming a subject that way cannot match a session.
    throw new SamlIntakeError('request.shape', 'The LogoutRequest has no plain NameID (EncryptedID and BaseID are not supported).');
  }
  const nameId: NameIdValue = {
    value: elementText(nameIdElement),
    format: nameIdElement.getAttribute('Format') || 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
  };
  const nq = nameIdElement.getAttribute('NameQualifier');
  const spnq = nameIdElement.getAttribute('SPNameQualifier');
  if (nq) nameId.nameQualifier = nq;
  if (spnq) nameId.spNameQualifier = spnq;
  return {
    id: readId(root),
    issuer: readIssuer(root),
    issueInstant: readInstant(root, 'IssueInstant', true),
    destination: root.getAttribute('Destination') || null,
    notOnOrAfter: readInstant(root, 'NotOnOrAfter', false),
    nameId,
    sessionIndexes: childElements(root, SAMLP_NS, 'SessionIndex').map((el) => elementText(el)),
  };
}

export interface LogoutRequestInput {
  issuer: string;
  destination: string;
  nameId: NameIdValue;
  sessionIndex: string;
  now: Date;
  lifetimeSeconds: number;
}

export interface BuiltLogoutRequest {
  id: string;
  /** Canonical XML without a signature: what the Redirect binding deflates and signs in the query. */
  xml: string;
  /** The same message with an enveloped signature, for the POST binding. */
  signedXml: (signer: EnvelopedSigner) => string;
}

/**
 * A LogoutRequest to an SP, emitted in exclusive-C14N form like every message Sesame signs (root
 * attributes in canonical order, explicit end tags, each saml element declaring its namespace),
 * so the enveloped signature digests the text as emitted.
 */
export function buildLogoutRequest(input: LogoutRequestInput): BuiltLogoutRequest {
  const id = newSamlId();
  const nameId = input.nameId;
  const head =
    `<samlp:LogoutRequest xmlns:samlp="${SAMLP_NS}" Destination="${xmlAttr(input.destination)}" ID="${id}" ` +
    `IssueInstant="${samlInstant(input.now)}" NotOnOrAfter="${samlInstant(new Date(input.now.getTime() + input.lifetimeSeconds * 1000))}" ` +
    `Reason="urn:oasis:names:tc:SAML:2.0:logout:user" Version="2.0"><saml:Issuer xmlns:saml="${SAML_NS}">${xmlText(input.issuer)}</saml:Issuer>`;
  const body =
    `<saml:NameID xmlns:saml="${SAML_NS}" Format="${xmlAttr(nameId.format)}"` +
    (nameId.nameQualifier !== undefined ? ` NameQualifier="${xmlAttr(nameId.nameQualifier)}"` : '') +
    (nameId.spNameQualifier !== undefined ? ` SPNameQualifier="${xmlAttr(nameId.spNameQualifier)}"` : '') +
    `>${xmlText(nameId.value)}</saml:NameID><samlp:SessionIndex>${xmlText(input.sessionIndex)}</samlp:SessionIndex></samlp:LogoutRequest>`;
  return { id, xml: head + body, signedXml: (signer) => head + signer.signatureFor(head + body, id) + body };
}
