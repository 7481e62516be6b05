import { ISSUER_NOT_IN_PROVIDER, idpRejectedClaim, invalidIdentityToken } from './awsErrors';
import { ruleError, ruleWarning, type Finding } from './finding';
import { isAwsSigninSamlUrl } from '../partitions';
import type { AwsSamlRule } from './ruleContext';
import type { TrustedProvider } from './providerMetadata';
import type { AssertionFacts, ResponseEnvelopeFacts } from './responseFacts';

const STATUS_SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const ENTITY_FORMAT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity';
const SCHEMA_ORDER = ['Issuer', 'Signature', 'Subject', 'Conditions', 'Advice', 'Statement', 'AuthnStatement', 'AuthzDecisionStatement', 'AttributeStatement'];

/**
 * R1: the Issuer of the Response and of the Assertion is the entityID of the metadata uploaded to
 * IAM. Checked before the signature, because the provider's certificates are chosen by it and AWS
 * answers "Issuer not present in specified provider" rather than a signature error.
 */
export function checkIssuer(envelope: ResponseEnvelopeFacts, assertion: AssertionFacts, provider: TrustedProvider): Finding[] {
  const findings: Finding[] = [];
  const expected = provider.entityId;
  const fix = `Set the IdP's entity ID (SESAME_ENTITY_ID) to ${JSON.stringify(expected)}, or upload the metadata of the IdP that issued this response to IAM (aws iam update-saml-provider).`;
  if (assertion.issuers.length !== 1) {
    findings.push(ruleError('R1', `The Assertion has ${assertion.issuers.length} Issuer elements; it needs exactly one, equal to the metadata's entityID ${JSON.stringify(expected)}`, fix, invalidIdentityToken(ISSUER_NOT_IN_PROVIDER)));
    return findings;
  }
  const issuer = assertion.issuers[0]!;
  if (issuer.value !== expected) {
    findings.push(ruleError('R1', `Issuer is ${JSON.stringify(issuer.value)}; the provider's metadata has entityID ${JSON.stringify(expected)}`, fix, invalidIdentityToken(ISSUER_NOT_IN_PROVIDER)));
  }
  if (envelope.issuers.length > 1 || (envelope.issuers.length === 1 && envelope.issuers[0] !== expected)) {
    findings.push(ruleError('R1', `The Response Issuer is ${JSON.stringify(envelope.issuers.join(', '))}; it must equal the metadata's entityID ${JSON.stringify(expected)}`, fix, invalidIdentityToken(ISSUER_NOT_IN_PROVIDER)));
  }
  if (issuer.format !== null && issuer.format !== ENTITY_FORMAT) {
    findings.push(ruleWarning('R1', `The Assertion Issuer has Format ${JSON.stringify(issuer.format)}`, `Omit Format on Issuer or use ${ENTITY_FORMAT} (SAML core 2.2.5).`));
  }
  return findings;
}

export const responseEnvelopeRule: AwsSamlRule = {
  id: 'R1',
  title: 'Response envelope: SAML 2.0, Success status',
  check({ facts }) {
    const findings: Finding[] = [];
    const { response, assertion } = facts;
    if (response.version !== '2.0' || assertion.version !== '2.0') {
      findings.push(ruleError('R1', `Version is ${JSON.stringify(response.version)} on the Response and ${JSON.stringify(assertion.version)} on the Assertion; AWS reads SAML 2.0 only`, 'Emit Version="2.0" on both.', invalidIdentityToken('Invalid SAML response version')));
    }
    if (!response.id || !assertion.id) {
      findings.push(ruleError('R1', 'The Response or the Assertion has no ID attribute', 'Give each an xs:ID value such as "_" followed by hex.', invalidIdentityToken('Invalid SAML response')));
    }
    const status = response.statusCodes[0];
    if (status !== STATUS_SUCCESS) {
      findings.push(ruleError('R1', `The top-level StatusCode is ${JSON.stringify(status ?? null)}; AWS only accepts ${STATUS_SUCCESS}`, 'The IdP reported a failure: fix the sign-in problem it describes rather than forwarding the response.', idpRejectedClaim('The IdP reported an unsuccessful authentication')));
    }
    return findings;
  },
};

export const destinationRule: AwsSamlRule = {
  id: 'E5',
  title: 'Destination is the AWS sign-in URL and equals Recipient',
  check({ facts }) {
    const destination = facts.response.destination;
    const recipient = facts.assertion.subjectConfirmations[0]?.data[0]?.recipient ?? null;
    if (destination === null) {
      return [ruleWarning('E5', 'The Response has no Destination', 'Set Destination to the AWS sign-in URL, equal to Recipient: SAML requires it on signed POST responses and saml2aws re-posts to it.')];
    }
    if (isAwsSigninSamlUrl(destination) === null) {
      return [ruleWarning('E5', `Destination is ${JSON.stringify(destination)}, not an AWS sign-in SAML URL`, 'saml2aws posts the assertion to Destination when listing roles: set it to the AWS sign-in URL (SESAME_AWS_SIGNIN_URL).')];
    }
    if (recipient !== null && destination !== recipient) {
      return [ruleWarning('E5', `Destination ${JSON.stringify(destination)} differs from Recipient ${JSON.stringify(recipient)}`, 'Use the same AWS sign-in URL for both.')];
    }
    return [];
  },
};

export const inResponseToRule: AwsSamlRule = {
  id: 'E9',
  title: 'IdP-initiated: no InResponseTo',
  check({ facts }) {
    const inResponseTo = facts.response.inResponseTo ?? facts.assertion.subjectConfirmations.flatMap((c) => c.data).find((d) => d.inResponseTo !== null)?.inResponseTo ?? null;
    return inResponseTo === null
      ? []
      : [ruleWarning('E9', `The response answers request ${JSON.stringify(inResponseTo)}, but AWS never sends an AuthnRequest`, 'Send IdP-initiated responses to AWS, without InResponseTo.')];
  },
};

export const assertionOrderRule: AwsSamlRule = {
  id: 'R2',
  title: 'Assertion children in schema order',
  check({ facts }) {
    const findings: Finding[] = [];
    if (facts.assertion.subjects !== 1) {
      findings.push(ruleError('R2', `The Assertion has ${facts.assertion.subjects} Subject elements; AWS needs one`, 'Emit one saml:Subject with the NameID and the bearer SubjectConfirmation.', invalidIdentityToken('Invalid SAML response')));
    }
    const order = facts.assertion.childOrder;
    const positions = order.map((name) => SCHEMA_ORDER.indexOf(name));
    if (positions.some((p, i) => p === -1 || (i > 0 && p < positions[i - 1]!))) {
      findings.push(ruleWarning('R2', `The Assertion's children are out of schema order: ${order.join(', ')}`, 'Emit Issuer, Signature, Subject, Conditions, AuthnStatement, AttributeStatement in that order; schema-validating SPs reject anything else.'));
    }
    return findings;
  },
};

export const prefixRule: AwsSamlRule = {
  id: 'R4',
  title: 'One namespace prefix throughout the Assertion',
  check({ facts }) {
    const { prefix, otherPrefixes } = facts.assertion;
    if (otherPrefixes.length === 0) return [];
    const shown = (p: string) => (p === '' ? '(default namespace)' : `"${p}:"`);
    return [
      ruleWarning(
        'R4',
        `The Assertion uses prefix ${shown(prefix)} but some SAML elements inside it use ${otherPrefixes.map(shown).join(', ')}`,
        'Use the Assertion\'s prefix for every SAML assertion element: saml2aws looks up Attribute elements by that prefix and finds no roles otherwise.',
      ),
    ];
  },
};
