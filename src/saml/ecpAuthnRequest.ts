import { DOMParser } from '@xmldom/xmldom';
import { SAMLP_NS, SAML_NS } from './buildResponse';
import { NAMEID_PERSISTENT, NAMEID_UNSPECIFIED } from './types';
import { EcpError } from './ecpError';
import { BINDING_PAOS, BINDING_SOAP, SOAP11_ENV_NS, SOAP12_ENV_NS, SOAP_ACTOR_NEXT } from './ecpNamespaces';
import { refuseForbiddenCharacters } from './intake/parseSamlXml';
import { SamlIntakeError } from './intake/samlIntakeError';
import { scanXmlStructure, type StructureLimits } from './intake/scanXmlStructure';

/** An AuthnRequest is a few hundred bytes; anything near this is not one (checked before parsing, as for /saml/sso). */
export const MAX_ECP_REQUEST_BYTES = 32 * 1024;
/** How far the request's IssueInstant may be from our clock (SAML core 3.2.1 leaves it to the receiver). */
export const ECP_REQUEST_CLOCK_SKEW_SECONDS = 300;
const MAX_DEPTH = 32;
/** Counted on the text before parsing (scanXmlStructure): an envelope around an AuthnRequest is a dozen elements. */
export const ECP_STRUCTURE_LIMITS: StructureLimits = {
  maxDepth: MAX_DEPTH,
  maxElements: 500,
  maxAttributesPerElement: 32,
  maxNamespaceDeclarations: 32,
};

/** An intake refusal (pre-parse scan, forbidden characters) as the SOAP fault ECP answers with, keeping its rule id. */
function asEcpError(error: unknown): unknown {
  if (!(error instanceof SamlIntakeError)) return error;
  return new EcpError('Client', error.message, error.status === 413 ? 413 : 500, error.rule);
}

/** What Sesame reads from the samlp:AuthnRequest an ECP sends (saml-ecp-v2.0 §2.3.3). */
export interface EcpAuthnRequest {
  id: string;
  /** The SP's entity ID (saml:Issuer, whitespace trimmed: some clients indent it). */
  issuer: string;
  issueInstant: Date;
  destination: string | null;
  assertionConsumerServiceUrl: string | null;
  assertionConsumerServiceIndex: number | null;
  protocolBinding: string | null;
  nameIdFormat: string | null;
  forceAuthn: boolean;
  isPassive: boolean;
}

export interface EcpRequestExpectations {
  /** Our ECP endpoint: a Destination, when present, must name it. */
  endpointUrl: string;
  now: Date;
}

const isElement = (node: Node): node is Element => node.nodeType === 1;

function elementChildren(parent: Node): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) if (isElement(n)) out.push(n);
  return out;
}

/** Children of an element whose content model is elements only (Envelope, Body, AuthnRequest): stray text is refused. */
function structuralChildren(parent: Element): Element[] {
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if ((n.nodeType === 3 || n.nodeType === 4) && (n.nodeValue ?? '').trim() !== '') {
      throw new EcpError('Client', `unexpected text inside <${parent.tagName}>`);
    }
  }
  return elementChildren(parent);
}

/** Parses with every xmldom warning and error fatal (security-notes §2.2), after refusing DTDs and PIs outright. */
function parseStrictly(xml: string): Document {
  // A DTD lets parsers disagree about the document (xml-crypto #524) and is the door to entity
  // expansion; SOAP 1.1 §3 forbids it in a SOAP message anyway.
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml)) throw new EcpError('Client', 'a SOAP message must not contain a DOCTYPE (SOAP 1.1 §3)');
  // Processing instructions render as text in xml-crypto 6.3.2's canonicalizer (security-notes §2.1); nothing here needs one.
  if (/<\?(?!xml[\s?])/i.test(xml)) throw new EcpError('Client', 'processing instructions are not allowed in a SOAP message');
  // Before xmldom: its cost grows with nesting times namespaces in scope (security-notes §2.2).
  try {
    scanXmlStructure(xml, ECP_STRUCTURE_LIMITS);
  } catch (error) {
    throw asEcpError(error);
  }
  const fail = (message: string): never => {
    throw new EcpError('Client', `the request is not well-formed XML: ${message.replace(/\s+/g, ' ').replace(/@#\[line.*$/, '').trim()}`);
  };
  let doc: Document;
  try {
    doc = new DOMParser({ errorHandler: { warning: fail, error: fail, fatalError: fail } }).parseFromString(xml, 'text/xml') as unknown as Document;
  } catch (error) {
    if (error instanceof EcpError) throw error;
    throw new EcpError('Client', 'the request is not well-formed XML');
  }
  if (!doc || !doc.documentElement) throw new EcpError('Client', 'the request is not an XML document');
  try {
    refuseForbiddenCharacters(doc);
  } catch (error) {
    throw asEcpError(error);
  }
  return doc;
}

function checkDepth(element: Element, depth = 0): void {
  if (depth > MAX_DEPTH) throw new EcpError('Client', `the request nests elements more than ${MAX_DEPTH} deep`);
  for (const child of elementChildren(element)) checkDepth(child, depth + 1);
}

function optionalAttribute(element: Element, name: string): string | null {
  return element.hasAttribute(name) ? element.getAttribute(name) : null;
}

function xsBoolean(element: Element, name: string): boolean {
  const raw = optionalAttribute(element, name);
  if (raw === null) return false;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new EcpError('Client', `AuthnRequest@${name} must be true or false, not "${raw.slice(0, 20)}"`);
}

/** Only text children count (comments are not part of the value); the whole value, not the first text node. */
function textOf(element: Element): string {
  let text = '';
  for (let n = element.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 3 || n.nodeType === 4) text += n.nodeValue ?? '';
    else if (n.nodeType === 1) throw new EcpError('Client', `<${element.tagName}> must hold text only`);
  }
  return text;
}

/** Header blocks addressed to us that demand processing: we process none, so each is a MustUnderstand fault (SOAP 1.1 §4.2.3). */
function checkHeaders(header: Element): void {
  for (const block of elementChildren(header)) {
    const actor = block.getAttributeNS(SOAP11_ENV_NS, 'actor');
    const forUs = !actor || actor === SOAP_ACTOR_NEXT;
    const mustUnderstand = block.getAttributeNS(SOAP11_ENV_NS, 'mustUnderstand');
    if (forUs && (mustUnderstand === '1' || mustUnderstand === 'true')) {
      throw new EcpError(
        'MustUnderstand',
        `header block {${block.namespaceURI ?? ''}}${block.localName} is mandatory but not processed by this IdP; an ECP removes the paos:Request and ecp:Request headers before sending the AuthnRequest on`,
        500,
        'saml-ecp-v2.0 §2.3.3',
      );
    }
  }
}

/**
 * Reads the SOAP 1.1 envelope an ECP sends to the IdP (SAML SOAP binding, saml-ecp-v2.0 §2.3.3) and
 * the samlp:AuthnRequest in its Body: size limit first, then no DTD or PIs, a strict parse, the
 * envelope's shape, then the request's own rules. Pure: plain text in, plain values or EcpError out.
 */
export function parseEcpAuthnRequest(xml: string, expect: EcpRequestExpectations): EcpAuthnRequest {
  if (Buffer.byteLength(xml, 'utf8') > MAX_ECP_REQUEST_BYTES) {
    throw new EcpError('Client', `the request is larger than ${MAX_ECP_REQUEST_BYTES} bytes`, 413);
  }
  const doc = parseStrictly(xml);
  const envelope = doc.documentElement!;
  if (envelope.localName === 'Envelope' && envelope.namespaceURI === SOAP12_ENV_NS) {
    throw new EcpError('VersionMismatch', 'the SAML SOAP binding uses SOAP 1.1; this is a SOAP 1.2 envelope', 500, 'saml-bindings-2.0 §3.2.1');
  }
  if (envelope.localName !== 'Envelope' || envelope.namespaceURI !== SOAP11_ENV_NS) {
    throw new EcpError('VersionMismatch', `the document element must be a SOAP 1.1 Envelope ({${SOAP11_ENV_NS}}Envelope)`, 500, 'saml-bindings-2.0 §3.2.1');
  }
  checkDepth(envelope);
  const parts = structuralChildren(envelope);
  const inSoap = (e: Element, local: string) => e.namespaceURI === SOAP11_ENV_NS && e.localName === local;
  let index = 0;
  if (parts[index] && inSoap(parts[index]!, 'Header')) checkHeaders(parts[index++]!);
  const body = parts[index];
  if (!body || !inSoap(body, 'Body') || index + 1 !== parts.length) {
    throw new EcpError('Client', 'the Envelope must hold an optional Header and then one Body, nothing else (SOAP 1.1 §4)');
  }
  const messages = structuralChildren(body);
  const request = messages[0];
  if (messages.length !== 1 || !request || request.namespaceURI !== SAMLP_NS || request.localName !== 'AuthnRequest') {
    throw new EcpError('Client', 'the SOAP Body must hold exactly one samlp:AuthnRequest', 500, 'saml-ecp-v2.0 §2.3.3');
  }
  return readAuthnRequest(request, expect);
}

function readAuthnRequest(request: Element, expect: EcpRequestExpectations): EcpAuthnRequest {
  const version = request.getAttribute('Version');
  if (version !== '2.0') throw new EcpError('Client', `AuthnRequest@Version must be "2.0", not "${(version ?? '').slice(0, 10)}"`, 500, 'SAML core 3.2.1');
  const id = request.getAttribute('ID') ?? '';
  if (!/^[\x21-\x7e]{1,256}$/.test(id)) throw new EcpError('Client', 'AuthnRequest@ID is missing or not 1–256 printable characters', 500, 'SAML core 3.2.1');

  const instantRaw = request.getAttribute('IssueInstant') ?? '';
  // xs:dateTime with a zone designator (T7); Date.parse alone would take local time without one.
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(instantRaw) || Number.isNaN(Date.parse(instantRaw))) {
    throw new EcpError('Client', 'AuthnRequest@IssueInstant must be an xs:dateTime with a time zone', 500, 'SAML core 3.2.1');
  }
  const issueInstant = new Date(instantRaw);
  const skew = Math.abs(issueInstant.getTime() - expect.now.getTime()) / 1000;
  if (skew > ECP_REQUEST_CLOCK_SKEW_SECONDS) {
    throw new EcpError(
      'Client',
      `AuthnRequest@IssueInstant ${instantRaw} is ${Math.round(skew)} s away from the IdP's clock (at most ${ECP_REQUEST_CLOCK_SKEW_SECONDS} s): send a fresh request, and check the client's clock`,
    );
  }

  const destination = optionalAttribute(request, 'Destination');
  if (destination !== null && destination !== expect.endpointUrl) {
    throw new EcpError('Client', `AuthnRequest@Destination is "${destination.slice(0, 200)}"; this IdP's ECP endpoint is ${expect.endpointUrl}`, 500, 'SAML bindings 3.2.3');
  }
  const protocolBinding = optionalAttribute(request, 'ProtocolBinding');
  // PAOS is what the profile names; pysaml2's ECP SP names the SOAP binding the request travels on.
  // Either way the answer goes back through the ECP; a browser binding would mean another profile.
  if (protocolBinding !== null && protocolBinding !== BINDING_PAOS && protocolBinding !== BINDING_SOAP) {
    throw new EcpError('Client', `AuthnRequest@ProtocolBinding is "${protocolBinding.slice(0, 200)}"; over ECP the response goes back by PAOS (${BINDING_PAOS})`, 500, 'saml-ecp-v2.0 §2.3.3');
  }
  const acsUrl = optionalAttribute(request, 'AssertionConsumerServiceURL');
  const acsIndexRaw = optionalAttribute(request, 'AssertionConsumerServiceIndex');
  if (acsUrl !== null && acsIndexRaw !== null) {
    throw new EcpError('Client', 'AuthnRequest names both AssertionConsumerServiceURL and AssertionConsumerServiceIndex; the schema allows one', 500, 'SAML core 3.4.1');
  }
  if (acsIndexRaw !== null && !/^\d{1,5}$/.test(acsIndexRaw)) throw new EcpError('Client', 'AuthnRequest@AssertionConsumerServiceIndex must be an unsigned short');

  const children = structuralChildren(request);
  const issuers = children.filter((e) => e.namespaceURI === SAML_NS && e.localName === 'Issuer');
  if (issuers.length !== 1) throw new EcpError('Client', 'the AuthnRequest must name its service provider in one saml:Issuer', 500, 'saml-ecp-v2.0 §2.3.3');
  const issuerFormat = optionalAttribute(issuers[0]!, 'Format');
  if (issuerFormat !== null && issuerFormat !== 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity') {
    throw new EcpError('Client', 'saml:Issuer of an AuthnRequest must be an entity ID (Format entity or absent)', 500, 'SAML core 3.2.1');
  }
  const issuer = textOf(issuers[0]!).trim();
  if (issuer === '' || issuer.length > 1024) throw new EcpError('Client', 'saml:Issuer is empty or longer than 1024 characters', 500, 'SAML core 8.3.6');

  let nameIdFormat: string | null = null;
  const policies = children.filter((e) => e.namespaceURI === SAMLP_NS && e.localName === 'NameIDPolicy');
  if (policies.length > 1) throw new EcpError('Client', 'at most one samlp:NameIDPolicy');
  if (policies[0]) {
    nameIdFormat = optionalAttribute(policies[0], 'Format');
    if (nameIdFormat !== null && nameIdFormat !== NAMEID_PERSISTENT && nameIdFormat !== NAMEID_UNSPECIFIED) {
      throw new EcpError('Client', `this IdP issues persistent NameIDs only; NameIDPolicy asks for ${nameIdFormat.slice(0, 200)}`, 500, 'SAML core 3.4.1.1 (InvalidNameIDPolicy)');
    }
  }

  return {
    id,
    issuer,
    issueInstant,
    destination,
    assertionConsumerServiceUrl: acsUrl,
    assertionConsumerServiceIndex: acsIndexRaw === null ? null : Number(acsIndexRaw),
    protocolBinding,
    nameIdFormat,
    forceAuthn: xsBoolean(request, 'ForceAuthn'),
    isPassive: xsBoolean(request, 'IsPassive'),
  };
}
