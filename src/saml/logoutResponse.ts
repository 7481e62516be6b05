import { childElements, elementText, optionalChild } from './intake/parseSamlXml';
import { SamlIntakeError } from './intake/samlIntakeError';
import { SAMLP_NS, statusXml, type SamlStatus } from './buildResponse';
import { readId, readInstant, readIssuer, readVersion } from './authnRequest';
import { newSamlId, samlInstant } from './samlId';
import { xmlAttr, xmlText } from './xmlText';
import type { EnvelopedSigner } from './xmlDsig';

/** A samlp:LogoutResponse (SAML core 3.7.2) as read from a verified element. */
export interface LogoutResponse {
  id: string;
  issuer: string;
  issueInstant: Date;
  destination: string | null;
  inResponseTo: string | null;
  statusCode: string;
  subStatusCode: string | null;
}

export function readLogoutResponse(root: Element): LogoutResponse {
  if (root.namespaceURI !== SAMLP_NS || root.localName !== 'LogoutResponse') throw new SamlIntakeError('request.shape', `Expected a samlp:LogoutResponse, got ${root.localName}.`);
  readVersion(root);
  const status = optionalChild(root, SAMLP_NS, 'Status');
  const code = status ? optionalChild(status, SAMLP_NS, 'StatusCode') : null;
  if (!code) throw new SamlIntakeError('request.shape', 'The LogoutResponse has no Status.');
  const sub = childElements(code, SAMLP_NS, 'StatusCode')[0];
  const message = status ? optionalChild(status, SAMLP_NS, 'StatusMessage') : null;
  if (message) elementText(message);
  return {
    id: readId(root),
    issuer: readIssuer(root),
    issueInstant: readInstant(root, 'IssueInstant', true),
    destination: root.getAttribute('Destination') || null,
    inResponseTo: root.getAttribute('InResponseTo') || null,
    statusCode: code.getAttribute('Value') ?? '',
    subStatusCode: sub?.getAttribute('Value') ?? null,
  };
}

export interface LogoutResponseInput {
  issuer: string;
  destination: string;
  inResponseTo: string;
  status: SamlStatus;
  now: Date;
}

export interface BuiltLogoutResponse {
  id: string;
  xml: string;
  signedXml: (signer: EnvelopedSigner) => string;
}

/** A LogoutResponse in exclusive-C14N form (see buildLogoutRequest). */
export function buildLogoutResponse(input: LogoutResponseInput): BuiltLogoutResponse {
  const id = newSamlId();
  const head =
    `<samlp:LogoutResponse xmlns:samlp="${SAMLP_NS}" Destination="${xmlAttr(input.destination)}" ID="${id}" ` +
    `InResponseTo="${xmlAttr(input.inResponseTo)}" IssueInstant="${samlInstant(input.now)}" Version="2.0">` +
    `<saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">${xmlText(input.issuer)}</saml:Issuer>`;
  const body = statusXml(input.status) + '</samlp:LogoutResponse>';
  return { id, xml: head + body, signedXml: (signer) => head + signer.signatureFor(head + body, id) + body };
}
