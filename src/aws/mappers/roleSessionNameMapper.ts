import { ATTRNAME_FORMAT_URI } from '../../saml/types';
import { AWS_ROLE_SESSION_NAME_ATTRIBUTE } from '../attributeNames';
import { toRoleSessionName } from '../roleSessionName';
import type { AwsAttributeMapper } from '../types';

/**
 * Releases RoleSessionName (A2), required by both the console and STS. Email first, as AWS suggests,
 * because it is what admins recognise in CloudTrail; the username otherwise. Never the display
 * name, which carries spaces and changes.
 */
export const roleSessionNameMapper: AwsAttributeMapper = ({ principal }) => {
  const source = principal.email !== null && principal.email !== '' ? principal.email : principal.username;
  return [
    {
      name: AWS_ROLE_SESSION_NAME_ATTRIBUTE,
      nameFormat: ATTRNAME_FORMAT_URI,
      values: [toRoleSessionName(source)],
    },
  ];
};
