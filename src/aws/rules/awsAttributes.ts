export { AWS_ROLE_ATTRIBUTE, AWS_ROLE_SESSION_NAME_ATTRIBUTE, AWS_SESSION_DURATION_ATTRIBUTE } from '../attributeNames';

/** The optional AWS attributes (rules §3: A4–A6), compared case-sensitively like the others. */
export const AWS_SOURCE_IDENTITY_ATTRIBUTE = 'https://aws.amazon.com/SAML/Attributes/SourceIdentity';
export const AWS_PRINCIPAL_TAG_PREFIX = 'https://aws.amazon.com/SAML/Attributes/PrincipalTag:';
export const AWS_TRANSITIVE_TAG_KEYS_ATTRIBUTE = 'https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys';
export const AWS_ATTRIBUTE_PREFIX = 'https://aws.amazon.com/SAML/Attributes/';
