/**
 * AWS attribute names. AWS compares them case-sensitively and uses the aws.amazon.com form in every
 * partition, including China (rules §3, §12 item 9).
 */
export const AWS_ROLE_ATTRIBUTE = 'https://aws.amazon.com/SAML/Attributes/Role';
export const AWS_ROLE_SESSION_NAME_ATTRIBUTE = 'https://aws.amazon.com/SAML/Attributes/RoleSessionName';
export const AWS_SESSION_DURATION_ATTRIBUTE = 'https://aws.amazon.com/SAML/Attributes/SessionDuration';
