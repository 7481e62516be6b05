import { NS, attr, childElements } from './strictXml';

/** One saml:Attribute as read from the signed Assertion. */
export interface AttributeFact {
  name: string;
  nameFormat: string | null;
  values: string[];
}

export interface SubjectConfirmationFact {
  method: string | null;
  data: Array<{ notBefore: string | null; notOnOrAfter: string | null; recipient: string | null; inResponseTo: string | null }>;
}

/** The Response envelope. Read from the signed Response when it is signed, else from the document. */
export interface ResponseEnvelopeFacts {
  id: string | null;
  version: string | null;
  issueInstant: string | null;
  destination: string | null;
  inResponseTo: string | null;
  issuers: string[];
  statusCodes: string[];
  signed: boolean;
}

/** Everything the rules read from the Assertion. */
export interface AssertionFacts {
  id: string | null;
  version: string | null;
  issueInstant: string | null;
  issuers: Array<{ value: string; format: string | null }>;
  /** Namespace prefix of the Assertion element and any other prefix its SAML elements use (R4). */
  prefix: string;
  otherPrefixes: string[];
  /** Local names of the Assertion's child elements, in document order (R2). */
  childOrder: string[];
  nameIds: Array<{ value: string; format: string | null }>;
  encryptedIds: number;
  subjects: number;
  subjectConfirmations: SubjectConfirmationFact[];
  conditions: Array<{ notBefore: string | null; notOnOrAfter: string | null; audienceRestrictions: string[][] }>;
  authnStatements: Array<{ authnInstant: string | null; sessionNotOnOrAfter: string | null }>;
  attributes: AttributeFact[];
}

export interface ResponseFacts {
  /** True when the assertion facts come from verified signed bytes; false in diagnosis of an unverified response. */
  trusted: boolean;
  response: ResponseEnvelopeFacts;
  assertion: AssertionFacts;
}

export function readEnvelopeFacts(response: Element, signed: boolean): ResponseEnvelopeFacts {
  const status = childElements(response, NS.samlp, 'Status');
  return {
    id: attr(response, 'ID'),
    version: attr(response, 'Version'),
    issueInstant: attr(response, 'IssueInstant'),
    destination: attr(response, 'Destination'),
    inResponseTo: attr(response, 'InResponseTo'),
    issuers: childElements(response, NS.saml, 'Issuer').map((i) => i.textContent ?? ''),
    statusCodes: status.flatMap((s) => childElements(s, NS.samlp, 'StatusCode')).map((c) => attr(c, 'Value') ?? ''),
    signed,
  };
}

function samlPrefixes(root: Element): Set<string> {
  const prefixes = new Set<string>();
  const stack: Element[] = [root];
  while (stack.length > 0) {
    const element = stack.pop()!;
    if (element.namespaceURI === NS.saml) prefixes.add(element.prefix ?? '');
    stack.push(...childElements(element));
  }
  return prefixes;
}

/** Reads the Assertion's facts from an element, which the judge takes from the signed bytes. */
export function readAssertionFacts(assertion: Element): AssertionFacts {
  const subjects = childElements(assertion, NS.saml, 'Subject');
  const subject = subjects[0];
  const prefix = assertion.prefix ?? '';
  const attributes: AttributeFact[] = childElements(assertion, NS.saml, 'AttributeStatement')
    .flatMap((statement) => childElements(statement, NS.saml, 'Attribute'))
    .map((a) => ({
      name: attr(a, 'Name') ?? '',
      nameFormat: attr(a, 'NameFormat'),
      values: childElements(a, NS.saml, 'AttributeValue').map((v) => v.textContent ?? ''),
    }));
  return {
    id: attr(assertion, 'ID'),
    version: attr(assertion, 'Version'),
    issueInstant: attr(assertion, 'IssueInstant'),
    issuers: childElements(assertion, NS.saml, 'Issuer').map((i) => ({ value: i.textContent ?? '', format: attr(i, 'Format') })),
    prefix,
    otherPrefixes: [...samlPrefixes(assertion)].filter((p) => p !== prefix),
    childOrder: childElements(assertion).map((e) => e.localName ?? ''),
    nameIds: subject ? childElements(subject, NS.saml, 'NameID').map((n) => ({ value: n.textContent ?? '', format: attr(n, 'Format') })) : [],
    encryptedIds: subject ? childElements(subject, NS.saml, 'EncryptedID').length : 0,
    subjects: subjects.length,
    subjectConfirmations: subject
      ? childElements(subject, NS.saml, 'SubjectConfirmation').map((c) => ({
          method: attr(c, 'Method'),
          data: childElements(c, NS.saml, 'SubjectConfirmationData').map((d) => ({
            notBefore: attr(d, 'NotBefore'),
            notOnOrAfter: attr(d, 'NotOnOrAfter'),
            recipient: attr(d, 'Recipient'),
            inResponseTo: attr(d, 'InResponseTo'),
          })),
        }))
      : [],
    conditions: childElements(assertion, NS.saml, 'Conditions').map((c) => ({
      notBefore: attr(c, 'NotBefore'),
      notOnOrAfter: attr(c, 'NotOnOrAfter'),
      audienceRestrictions: childElements(c, NS.saml, 'AudienceRestriction').map((r) => childElements(r, NS.saml, 'Audience').map((a) => a.textContent ?? '')),
    })),
    authnStatements: childElements(assertion, NS.saml, 'AuthnStatement').map((s) => ({
      authnInstant: attr(s, 'AuthnInstant'),
      sessionNotOnOrAfter: attr(s, 'SessionNotOnOrAfter'),
    })),
    attributes,
  };
}

/** Every value of the attributes named `name` (normally one Attribute element). */
export function attributeValues(facts: AssertionFacts, name: string): string[] | null {
  const matching = facts.attributes.filter((a) => a.name === name);
  return matching.length === 0 ? null : matching.flatMap((a) => a.values);
}

