/**
 * Fixtures for the rule-set tests: responses built and signed by Sesame's own builder (the real
 * production path), documents mutated and re-signed with xml-crypto (so a negative test breaks
 * exactly one rule and keeps a valid signature), and a judge call with the emulator's defaults.
 */
import type { KeyLike } from 'node:crypto';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { buildSignedResponse, type ResponseInput } from '../../../src/saml/buildResponse';
import { buildIdpMetadata } from '../../../src/saml/idpMetadata';
import { defaultRoleTrust, judgeSamlResponse, readProviderMetadata, type AssumeRoleRequest, type JudgeInput, type Judgement, type RoleTrust, type TrustedProvider } from '../../../src/aws/rules';
import { IDP_ENTITY_ID, awsResponseInput, makeSigningKey, type TestSigningKey } from '../../saml/samlTestKit';

export const NS_SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
export const NS_SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
export const NS_DS = 'http://www.w3.org/2000/09/xmldsig#';
export const ADMIN_ROLE = 'arn:aws:iam::111122223333:role/Admin';
export const PROVIDER = 'arn:aws:iam::111122223333:saml-provider/Sesame';
export const ROLE_ATTRIBUTE = 'https://aws.amazon.com/SAML/Attributes/Role';
export const RSN_ATTRIBUTE = 'https://aws.amazon.com/SAML/Attributes/RoleSessionName';
export const DURATION_ATTRIBUTE = 'https://aws.amazon.com/SAML/Attributes/SessionDuration';
export const URI_FORMAT = 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri';
export const NOW = new Date('2026-11-24T10:20:30.456Z');

export interface RuleKit {
  key: TestSigningKey;
  metadataXml: string;
  provider: TrustedProvider;
}

let shared: RuleKit | null = null;

/** One IdP key and its metadata, shared by a test file (RSA key generation is the slow part). */
export function ruleKit(): RuleKit {
  if (shared) return shared;
  const key = makeSigningKey('Sesame rule tests');
  const metadataXml = buildIdpMetadata({ entityId: IDP_ENTITY_ID, signingCertificates: [key.certBase64], ssoUrl: 'https://sesame.example.org/saml/sso' });
  const reading = readProviderMetadata(metadataXml, NOW);
  if (!reading.provider) throw new Error(`test metadata refused: ${JSON.stringify(reading.findings)}`);
  shared = { key, metadataXml, provider: reading.provider };
  return shared;
}

/** A valid AWS response from Sesame's builder, with `overrides` applied to the input, signed by the kit key. */
export function sesameResponse(overrides: Partial<ResponseInput> = {}, key: TestSigningKey = ruleKit().key): string {
  return buildSignedResponse(awsResponseInput({ now: NOW, ...overrides }), key.signer).xml;
}

export const b64 = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');

export const adminRequest = (overrides: Partial<AssumeRoleRequest> = {}): AssumeRoleRequest => ({ roleArn: ADMIN_ROLE, principalArn: PROVIDER, durationSeconds: null, ...overrides });

/** Judges as the emulator does (request, default role trust), unless told otherwise. */
export function judge(xml: string, input: Partial<JudgeInput> & { role?: RoleTrust | null } = {}): Judgement {
  return judgeSamlResponse({
    samlResponse: b64(xml),
    provider: ruleKit().provider,
    providerArn: PROVIDER,
    request: adminRequest(),
    role: defaultRoleTrust('aws'),
    now: NOW,
    ...input,
  });
}

export function parse(xml: string): Document {
  return new DOMParser().parseFromString(xml, 'text/xml');
}

export function serialize(doc: Document): string {
  return new XMLSerializer().serializeToString(doc);
}

export function only(parent: Element | Document, ns: string, local: string): Element {
  const found = Array.from(parent.getElementsByTagNameNS(ns, local) as unknown as ArrayLike<Element>);
  if (found.length !== 1) throw new Error(`expected one ${local}, found ${found.length}`);
  return found[0]!;
}

function removeSignatures(doc: Document): void {
  for (const signature of Array.from(doc.getElementsByTagNameNS(NS_DS, 'Signature') as unknown as ArrayLike<Element>)) signature.parentNode!.removeChild(signature);
}

export interface ResignOptions {
  signAssertion?: boolean;
  signResponse?: boolean;
  signatureAlgorithm?: string;
  digestAlgorithm?: string;
  /** Put this certificate (PEM) in KeyInfo instead of none. */
  keyInfoCertPem?: string;
}

/**
 * Removes the signatures, applies `mutate` to the DOM, and signs again (Assertion, then Response over
 * it) with `privateKey`: the way a misconfigured IdP would have produced the document.
 */
export function resign(xml: string, privateKey: KeyLike, mutate: (doc: Document) => void = () => undefined, options: ResignOptions = {}): string {
  const doc = parse(xml);
  removeSignatures(doc);
  mutate(doc);
  let out = serialize(doc);
  const sign = (reference: string, after: string) => {
    const sig = new SignedXml({
      privateKey,
      publicCert: options.keyInfoCertPem,
      signatureAlgorithm: options.signatureAlgorithm ?? 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
      canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
    });
    if (!options.keyInfoCertPem) sig.getKeyInfoContent = () => null;
    sig.addReference({
      xpath: reference,
      transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
      digestAlgorithm: options.digestAlgorithm ?? 'http://www.w3.org/2001/04/xmlenc#sha256',
    });
    sig.computeSignature(out, { prefix: 'ds', location: { reference: after, action: 'after' } });
    out = sig.getSignedXml();
  };
  const assertion = `/*[local-name()='Response']/*[local-name()='Assertion' and namespace-uri()='${NS_SAML}']`;
  if (options.signAssertion ?? true) sign(assertion, `${assertion}/*[local-name()='Issuer']`);
  if (options.signResponse ?? true) sign(`/*[local-name()='Response']`, `/*[local-name()='Response']/*[local-name()='Issuer']`);
  return out;
}

/** Adds or replaces the values of one attribute in the Assertion's AttributeStatement. */
export function setAttribute(doc: Document, name: string, values: string[] | null): void {
  const statement = only(doc, NS_SAML, 'AttributeStatement');
  const prefix = statement.prefix ? `${statement.prefix}:` : '';
  for (const attribute of Array.from(statement.getElementsByTagNameNS(NS_SAML, 'Attribute') as unknown as ArrayLike<Element>)) {
    if (attribute.getAttribute('Name') === name) statement.removeChild(attribute);
  }
  if (values === null) return;
  const attribute = doc.createElementNS(NS_SAML, `${prefix}Attribute`);
  attribute.setAttribute('Name', name);
  attribute.setAttribute('NameFormat', URI_FORMAT);
  for (const value of values) {
    const element = doc.createElementNS(NS_SAML, `${prefix}AttributeValue`);
    element.appendChild(doc.createTextNode(value));
    attribute.appendChild(element);
  }
  statement.appendChild(attribute);
}

/** The rule ids of a judgement's errors (and, with `warnings`, its warnings). */
export function errorRules(judgement: Judgement): string[] {
  return judgement.findings.filter((f) => f.severity === 'error').map((f) => f.rule);
}

export function warningRules(judgement: Judgement): string[] {
  return judgement.findings.filter((f) => f.severity === 'warning').map((f) => f.rule);
}
