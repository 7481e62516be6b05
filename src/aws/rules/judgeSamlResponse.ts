import { AwsRuleError } from '../awsRuleError';
import { parseRoleArn, parseSamlProviderArn, type SamlProviderArn } from '../arn';
import { isAwsSigninSamlUrl, type AwsPartition } from '../partitions';
import { assumedSessionOf, type AssumedRoleSession } from './assumedSession';
import { rolePairsOf } from './attributeRules';
import { PROVIDER_DOES_NOT_EXIST, invalidIdentityToken } from './awsErrors';
import { decodeSamlResponse } from './decodeSamlResponse';
import { isError, ruleError, type AwsError, type Finding } from './finding';
import type { TrustedProvider } from './providerMetadata';
import { readAssertionFacts, readEnvelopeFacts, type ResponseFacts } from './responseFacts';
import { checkIssuer } from './responseRules';
import { DEFAULT_CLOCK_POLICY, type AssumeRoleRequest, type ClockPolicy, type RoleTrust, type RuleContext } from './ruleContext';
import { AWS_SAML_RULES } from './ruleSet';
import { NS, XmlRefused, childElements, commentInsideValue, descendants, parseStrictXml } from './strictXml';
import { verifySignatures } from './verifySignatures';

export interface JudgeInput {
  /** The SAMLResponse form value / SAMLAssertion parameter: standard base64. Give this or `xml`. */
  samlResponse?: string;
  /** The Response XML itself (the doctor reading a saved file). */
  xml?: string;
  /** The IAM provider's entityID and certificates, from its metadata. */
  provider: TrustedProvider;
  providerArn?: string | null;
  providerUuid?: string | null;
  /** The AssumeRoleWithSAML parameters, when judging a call rather than a response alone. */
  request?: AssumeRoleRequest | null;
  /** The target role's MaxSessionDuration and trust policy. */
  role?: RoleTrust | null;
  now: Date;
  clock?: Partial<ClockPolicy>;
  /**
   * Keep going after a fatal problem (bad signature, wrong issuer), reading the unverified content, so
   * the doctor can list every broken rule. Never set by the emulator: nothing unverified is acted on.
   */
  diagnose?: boolean;
}

export interface Judgement {
  /** True when no rule reports an error: AWS would accept. */
  accepted: boolean;
  findings: Finding[];
  /** What STS answers: the first error, in pipeline order. */
  rejection: AwsError | null;
  facts: ResponseFacts | null;
  /** The session STS would grant, for an accepted request. Built only from verified content. */
  session: AssumedRoleSession | null;
}

const invalidResponse = () => invalidIdentityToken('Invalid SAML response');

function verdict(findings: Finding[], facts: ResponseFacts | null, session: AssumedRoleSession | null = null): Judgement {
  const first = findings.find(isError);
  return { accepted: first === undefined, findings, rejection: first?.awsError ?? null, facts, session };
}

/** Where the Assertion is, or why there is none to judge (R1, R2, X1). */
function locateAssertion(doc: Document): { response: Element; assertion: Element } | Finding {
  const response = doc.documentElement!;
  if (response.namespaceURI !== NS.samlp || response.localName !== 'Response') {
    return ruleError('R1', `The document is a <${response.nodeName}>, not a samlp:Response`, 'Send the whole samlp:Response, base64-encoded (E1).', invalidResponse());
  }
  if (descendants(doc, NS.saml, 'EncryptedAssertion').length > 0) {
    return ruleError('X1', 'The response carries an EncryptedAssertion, which only AWS (holding the private key) can decrypt', 'Judge the response before encryption, and keep providers used by CLI tools on AssertionEncryptionMode Allowed with plaintext assertions (X6).', invalidIdentityToken('Unable to decrypt the SAML assertion'));
  }
  const all = descendants(doc, NS.saml, 'Assertion');
  const direct = childElements(response, NS.saml, 'Assertion');
  if (all.length !== 1 || direct.length !== 1) {
    return ruleError('R2', `The response holds ${all.length} saml:Assertion elements (${direct.length} directly in the Response); AWS expects exactly one`, 'Send exactly one Assertion, as a child of the Response (an extra one is a signature-wrapping attempt).', invalidResponse());
  }
  return { response, assertion: direct[0]! };
}

/** The partition a response is judged in: the provider's, else the requested role's, else the Recipient's or the first role pair's. */
export function partitionOf(providerArn: SamlProviderArn | null, request: AssumeRoleRequest | null, facts: ResponseFacts): AwsPartition {
  if (providerArn) return providerArn.partition;
  if (request) {
    try {
      return parseRoleArn(request.roleArn).partition;
    } catch {
      // fall through: the request rule reports the bad ARN
    }
  }
  const recipient = facts.assertion.subjectConfirmations[0]?.data[0]?.recipient;
  const endpoint = recipient ? isAwsSigninSamlUrl(recipient) : null;
  if (endpoint) return endpoint.partition;
  const pair = rolePairsOf(facts.assertion)[0];
  return pair ? parseRoleArn(pair.roleArn).partition : 'aws';
}

/**
 * The one implementation of aws-saml-rules.md, shared by the STS emulator and `sesame doctor`:
 * decode → parse strictly → locate the one Assertion → refuse comments in values → check the Issuer
 * → verify signatures with the provider's certificates → read facts from the signed bytes only →
 * run every rule → build the session STS would grant.
 */
export function judgeSamlResponse(input: JudgeInput): Judgement {
  const findings: Finding[] = [];
  const diagnose = input.diagnose === true;
  const clock: ClockPolicy = { ...DEFAULT_CLOCK_POLICY, ...input.clock };
  const stopped = () => !diagnose && findings.some(isError);

  let xml = input.xml ?? null;
  if (input.samlResponse !== undefined) {
    const decoded = decodeSamlResponse(input.samlResponse);
    findings.push(...decoded.findings);
    xml = decoded.xml;
  }
  if (xml === null) return verdict(findings, null);

  let doc: Document;
  try {
    doc = parseStrictXml(xml, 'the SAML response');
  } catch (error) {
    if (!(error instanceof XmlRefused)) throw error;
    findings.push(ruleError('R5', error.message.charAt(0).toUpperCase() + error.message.slice(1), 'Emit plain UTF-8 SAML: no BOM, no DOCTYPE or entities, no processing instructions (R5, security-notes §2.1).', invalidResponse()));
    return verdict(findings, null);
  }

  const located = locateAssertion(doc);
  if (!('response' in located)) {
    findings.push(located);
    return verdict(findings, null);
  }
  const { response, assertion } = located;

  const commented = commentInsideValue(response);
  if (commented) {
    findings.push(ruleError('R5', `The response has an XML comment inside <${commented.nodeName}>: a value split by a comment reads differently to different parsers`, 'Emit values without comments.', invalidResponse()));
    if (stopped()) return verdict(findings, null);
  }

  let providerArn: SamlProviderArn | null = null;
  if (input.providerArn) {
    try {
      providerArn = parseSamlProviderArn(input.providerArn);
    } catch (error) {
      if (!(error instanceof AwsRuleError)) throw error;
      findings.push(ruleError(error.rule, error.message.slice(error.rule.length + 2), 'Pass the ARN of the IAM SAML provider.', invalidIdentityToken(PROVIDER_DOES_NOT_EXIST)));
      if (stopped()) return verdict(findings, null);
    }
  }

  const unverified: ResponseFacts = { trusted: false, response: readEnvelopeFacts(response, false), assertion: readAssertionFacts(assertion) };
  findings.push(...checkIssuer(unverified.response, unverified.assertion, input.provider));
  if (stopped()) return verdict(findings, unverified);

  const signatures = verifySignatures(xml, doc, response, assertion, input.provider);
  findings.push(...signatures.findings);
  if (stopped()) return verdict(findings, unverified);

  const trusted = signatures.findings.length === 0 && signatures.signedAssertion !== null;
  const facts: ResponseFacts = trusted
    ? {
        trusted: true,
        response: signatures.signedResponse ? readEnvelopeFacts(signatures.signedResponse, true) : unverified.response,
        assertion: readAssertionFacts(signatures.signedAssertion!),
      }
    : unverified;

  const request = input.request ?? null;
  const ctx: RuleContext = {
    facts,
    provider: input.provider,
    providerArn,
    providerUuid: input.providerUuid ?? null,
    partition: partitionOf(providerArn, request, facts),
    request,
    role: input.role ?? null,
    now: input.now,
    clock,
  };
  for (const rule of AWS_SAML_RULES) findings.push(...rule.check(ctx));

  const accepted = !findings.some(isError);
  const session = accepted && trusted && request !== null && providerArn !== null ? assumedSessionOf({ ...ctx, providerArn }) : null;
  return verdict(findings, facts, session);
}
