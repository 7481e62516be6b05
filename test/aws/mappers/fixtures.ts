import type { AwsRoleGrant, Principal } from '../../../src/saml/types';
import type { AwsMapperContext } from '../../../src/aws/types';

export const ROLE_NAME_ATTR = 'https://aws.amazon.com/SAML/Attributes/Role';
export const SESSION_NAME_ATTR = 'https://aws.amazon.com/SAML/Attributes/RoleSessionName';
export const SESSION_DURATION_ATTR = 'https://aws.amazon.com/SAML/Attributes/SessionDuration';
export const URI_FORMAT = 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri';

export const PROVIDER_A = 'arn:aws:iam::111122223333:saml-provider/Sesame';
export const PROVIDER_B = 'arn:aws:iam::444455556666:saml-provider/Sesame';

export function principal(overrides: Partial<Principal> = {}): Principal {
  return { userId: 7, username: 'jdoe', displayName: 'Jane Doe', email: 'jdoe@example.com', ...overrides };
}

export function grant(roleArn: string, providerArn: string, overrides: Partial<AwsRoleGrant> = {}): AwsRoleGrant {
  return { roleArn, providerArn, label: null, sessionDuration: null, groupName: 'engineers', ...overrides };
}

export function context(grants: AwsRoleGrant[], who: Principal = principal()): AwsMapperContext {
  return { principal: who, grants };
}
