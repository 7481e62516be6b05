import { accessDenied, invalidIdentityToken } from './awsErrors';
import { ruleError, ruleWarning, type Finding } from './finding';
import { AWS_PARTITIONS, isAwsSigninSamlUrl } from '../partitions';
import type { AwsSamlRule } from './ruleContext';

const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const UNSPECIFIED = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';

/** N1: the NameID formats AWS documents as accepted. */
export const ACCEPTED_NAMEID_FORMATS = [
  PERSISTENT,
  'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
  'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  UNSPECIFIED,
  'urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName',
  'urn:oasis:names:tc:SAML:1.1:nameid-format:WindowsDomainQualifiedName',
  'urn:oasis:names:tc:SAML:2.0:nameid-format:kerberos',
  'urn:oasis:names:tc:SAML:2.0:nameid-format:entity',
];

export const nameIdRule: AwsSamlRule = {
  id: 'R3',
  title: 'One NameID in an accepted format',
  check({ facts }) {
    const { nameIds, encryptedIds } = facts.assertion;
    if (nameIds.length === 0) {
      const why = encryptedIds > 0 ? 'carries only an EncryptedID, which AWS cannot read' : 'has no NameID';
      return [ruleError('R3', `The Subject ${why}; STS refuses such a response`, 'Send a plain saml:NameID, preferably persistent and opaque (N2).', accessDenied())];
    }
    if (nameIds.length > 1) {
      return [ruleError('R3', `The Subject has ${nameIds.length} NameID elements`, 'Send exactly one NameID.', invalidIdentityToken('Invalid SAML response'))];
    }
    const findings: Finding[] = [];
    const { value, format } = nameIds[0]!;
    if (value.trim() === '') {
      findings.push(ruleError('R3', 'The NameID is empty', 'Send a non-empty, stable identifier for the user.', accessDenied()));
    }
    const effective = format ?? UNSPECIFIED;
    if (!ACCEPTED_NAMEID_FORMATS.includes(effective)) {
      findings.push(ruleError('N1', `NameID Format is ${JSON.stringify(effective)}, which AWS does not accept`, `Use ${PERSISTENT} (N1, N2).`, invalidIdentityToken('Invalid NameID format')));
    } else if (effective !== PERSISTENT) {
      findings.push(ruleWarning('N2', `NameID Format is ${effective}; it is written to CloudTrail and trust policies often require saml:sub_type = persistent`, 'Send an opaque persistent NameID (Sesame does by default).'));
    }
    return findings;
  },
};

export const subjectConfirmationRule: AwsSamlRule = {
  id: 'E3',
  title: 'One bearer SubjectConfirmation with NotOnOrAfter and an AWS Recipient',
  check({ facts, partition, providerUuid }) {
    const expected = AWS_PARTITIONS[partition].defaultAcsUrl;
    const confirmations = facts.assertion.subjectConfirmations;
    const malformed = (message: string): Finding[] => [
      ruleError('E3', message, `Emit one <SubjectConfirmation Method="${BEARER}"> whose SubjectConfirmationData has NotOnOrAfter and Recipient="${expected}".`, invalidIdentityToken('Invalid SAML response: SubjectConfirmation')),
    ];
    if (confirmations.length !== 1) return malformed(`The Subject has ${confirmations.length} SubjectConfirmation elements; AWS expects exactly one`);
    const confirmation = confirmations[0]!;
    if (confirmation.method !== BEARER) return malformed(`SubjectConfirmation Method is ${JSON.stringify(confirmation.method)}; AWS expects ${BEARER}`);
    if (confirmation.data.length !== 1) return malformed(`The SubjectConfirmation has ${confirmation.data.length} SubjectConfirmationData elements; AWS expects exactly one`);
    const data = confirmation.data[0]!;
    const findings: Finding[] = [];
    if (data.notOnOrAfter === null) {
      findings.push(ruleError('T1', 'SubjectConfirmationData has no NotOnOrAfter', 'Set SubjectConfirmationData NotOnOrAfter to IssueInstant + 5 minutes (T1, T4).', invalidIdentityToken('Invalid SAML response: SubjectConfirmationData NotOnOrAfter is required')));
    }
    const recipient = data.recipient;
    if (recipient === null) {
      findings.push(ruleError('E3', `SubjectConfirmationData has no Recipient; AWS expects ${expected}`, `Set Recipient to ${expected} (SESAME_AWS_SIGNIN_URL).`, accessDenied()));
      return findings;
    }
    const endpoint = isAwsSigninSamlUrl(recipient);
    if (endpoint === null || endpoint.partition !== partition) {
      findings.push(
        ruleError(
          'E3',
          `Recipient is ${JSON.stringify(recipient)}; AWS expects ${expected}${endpoint ? ` (that URL belongs to partition ${endpoint.partition}, the provider to ${partition})` : ''}`,
          `Set the IdP's AWS sign-in URL (SESAME_AWS_SIGNIN_URL) to ${expected} or a regional https://<region>.signin.${AWS_PARTITIONS[partition].signinDomain}/saml. The Recipient is also the trust policy's SAML:aud (E7).`,
          accessDenied(),
        ),
      );
    } else if (endpoint.providerId !== null && providerUuid !== null && endpoint.providerId !== providerUuid) {
      findings.push(ruleError('E4', `Recipient names provider IdP-ID ${endpoint.providerId}, but this provider's SAMLProviderUUID is ${providerUuid}`, 'The IdP-ID changes when the IAM provider is re-created: copy the current one from the IAM console into the sign-in URL.', accessDenied()));
    }
    if (data.notBefore !== null) {
      findings.push(ruleWarning('E3', 'SubjectConfirmationData carries NotBefore, which a bearer confirmation must not (SAML profiles 4.1.4.2)', 'Put NotBefore on Conditions only.'));
    }
    return findings;
  },
};
