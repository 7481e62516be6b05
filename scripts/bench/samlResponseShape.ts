import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';

const SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const DS = 'http://www.w3.org/2000/09/xmldsig#';

export interface SignatureShape {
  signatureMethod: string | null;
  digestMethods: string[];
  canonicalization: string | null;
  transforms: string[];
  /** xml-crypto verified it with the IdP certificate, and its one Reference points at the element that holds it. */
  verifiedOverItsParent: boolean;
}

/**
 * Everything an SP (AWS) reads from a response, minus what must differ between two responses (IDs
 * and instants). Two implementations produce "the same AWS response" when their shapes are equal.
 */
export interface SamlResponseShape {
  destination: string | null;
  responseIssuer: string | null;
  status: string | null;
  responseSignature: SignatureShape | null;
  assertionCount: number;
  assertionIssuer: string | null;
  assertionSignature: SignatureShape | null;
  nameIdFormat: string | null;
  nameId: string | null;
  recipient: string | null;
  audience: string | null;
  /** NotOnOrAfter − IssueInstant, in seconds. */
  lifetimeSeconds: number | null;
  sessionIndex: string | null;
  authnContextClassRef: string | null;
  attributes: Array<{ name: string; values: string[] }>;
}

function childElements(parent: Element, ns: string, local: string): Element[] {
  const out: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 1 && (node as Element).namespaceURI === ns && (node as Element).localName === local) out.push(node as Element);
  }
  return out;
}

function first(parent: Element | undefined, ns: string, ...path: string[]): Element | undefined {
  let current = parent;
  for (const local of path) current = current ? childElements(current, ns, local)[0] : undefined;
  return current;
}

const text = (element: Element | undefined) => (element ? (element.textContent ?? '') : null);

function signatureShape(owner: Element, xml: string, certPem: string): SignatureShape | null {
  const signature = childElements(owner, DS, 'Signature')[0];
  if (!signature) return null;
  const signedInfo = first(signature, DS, 'SignedInfo');
  const references = signedInfo ? childElements(signedInfo, DS, 'Reference') : [];
  let verified = false;
  try {
    // A fresh verifier per signature, trusting only the IdP certificate (never KeyInfo).
    const verifier = new SignedXml({ publicCert: certPem, getCertFromKeyInfo: () => null });
    verifier.loadSignature(signature);
    verified = verifier.checkSignature(xml) && references.length === 1 && references[0]!.getAttribute('URI') === `#${owner.getAttribute('ID')}`;
  } catch {
    verified = false;
  }
  return {
    signatureMethod: first(signedInfo, DS, 'SignatureMethod')?.getAttribute('Algorithm') ?? null,
    digestMethods: references.map((r) => first(r, DS, 'DigestMethod')?.getAttribute('Algorithm') ?? ''),
    canonicalization: first(signedInfo, DS, 'CanonicalizationMethod')?.getAttribute('Algorithm') ?? null,
    transforms: references.flatMap((r) => (first(r, DS, 'Transforms') ? childElements(first(r, DS, 'Transforms')!, DS, 'Transform') : [])).map((t) => t.getAttribute('Algorithm') ?? ''),
    verifiedOverItsParent: verified,
  };
}

/** Reads a SAML Response the way an SP would, checking both signatures against `certPem`. */
export function describeSamlResponse(xml: string, certPem: string): SamlResponseShape {
  const fail = (message: string): never => {
    throw new Error(`not a well-formed SAML response: ${message}`);
  };
  const doc = new DOMParser({ errorHandler: { warning: fail, error: fail, fatalError: fail } }).parseFromString(xml, 'text/xml');
  const response = doc.documentElement;
  if (!response || response.namespaceURI !== SAMLP || response.localName !== 'Response') fail('the root is not samlp:Response');
  const assertions = childElements(response, SAML, 'Assertion');
  const assertion = assertions[0];
  const issueInstant = assertion?.getAttribute('IssueInstant');
  const notOnOrAfter = first(assertion, SAML, 'Conditions')?.getAttribute('NotOnOrAfter');
  const statement = first(assertion, SAML, 'AttributeStatement');
  return {
    destination: response.getAttribute('Destination'),
    responseIssuer: text(first(response, SAML, 'Issuer')),
    status: first(response, SAMLP, 'Status', 'StatusCode')?.getAttribute('Value') ?? null,
    responseSignature: signatureShape(response, xml, certPem),
    assertionCount: assertions.length,
    assertionIssuer: text(first(assertion, SAML, 'Issuer')),
    assertionSignature: assertion ? signatureShape(assertion, xml, certPem) : null,
    nameIdFormat: first(assertion, SAML, 'Subject', 'NameID')?.getAttribute('Format') ?? null,
    nameId: text(first(assertion, SAML, 'Subject', 'NameID')),
    recipient: first(assertion, SAML, 'Subject', 'SubjectConfirmation', 'SubjectConfirmationData')?.getAttribute('Recipient') ?? null,
    audience: text(first(assertion, SAML, 'Conditions', 'AudienceRestriction', 'Audience')),
    lifetimeSeconds: issueInstant && notOnOrAfter ? (Date.parse(notOnOrAfter) - Date.parse(issueInstant)) / 1000 : null,
    sessionIndex: first(assertion, SAML, 'AuthnStatement')?.getAttribute('SessionIndex') ?? null,
    authnContextClassRef: text(first(assertion, SAML, 'AuthnStatement', 'AuthnContext', 'AuthnContextClassRef')),
    attributes: statement
      ? childElements(statement, SAML, 'Attribute').map((a) => ({
          name: a.getAttribute('Name') ?? '',
          values: childElements(a, SAML, 'AttributeValue').map((v) => v.textContent ?? ''),
        }))
      : [],
  };
}

/** The fields on which two shapes differ (JSON paths), empty when they describe the same response. */
export function shapeDifferences(a: SamlResponseShape, b: SamlResponseShape): string[] {
  const differences: string[] = [];
  for (const key of Object.keys(a) as Array<keyof SamlResponseShape>) {
    const left = JSON.stringify(a[key]);
    const right = JSON.stringify(b[key]);
    if (left !== right) differences.push(`${key}: ${left} ≠ ${right}`);
  }
  return differences;
}

/** A response fit to stand for "an AWS console response": one assertion, both signatures good. */
export function problemsWithAwsResponse(shape: SamlResponseShape): string[] {
  const problems: string[] = [];
  if (shape.assertionCount !== 1) problems.push(`${shape.assertionCount} assertions`);
  if (!shape.responseSignature?.verifiedOverItsParent) problems.push('the Response signature does not verify over the Response');
  if (!shape.assertionSignature?.verifiedOverItsParent) problems.push('the Assertion signature does not verify over the Assertion');
  if (!shape.attributes.some((a) => a.name === 'https://aws.amazon.com/SAML/Attributes/Role' && a.values.length > 0)) problems.push('no Role attribute (A1)');
  if (!shape.attributes.some((a) => a.name === 'https://aws.amazon.com/SAML/Attributes/RoleSessionName')) problems.push('no RoleSessionName attribute (A2)');
  return problems;
}
