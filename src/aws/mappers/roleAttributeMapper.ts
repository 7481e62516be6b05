import { ATTRNAME_FORMAT_URI, type SamlAttribute } from '../../saml/types';
import { checkRoleProviderPair } from '../arn';
import { AWS_ROLE_ATTRIBUTE } from '../attributeNames';
import type { AwsAttributeMapper } from '../types';

/**
 * Releases the Role attribute (A1): one value per granted role, `roleArn,providerArn`.
 * Role first because that is AWS's documented order and the only one onelogin-aws-cli and moto
 * parse; no space after the comma because aws-adfs and gimme-aws-creds split without trimming.
 * Every pair is re-checked here so a bad grant in the database fails with its rule id instead of
 * AWS's "invalid SAML response".
 */
export const roleAttributeMapper: AwsAttributeMapper = ({ grants }) => {
  if (grants.length === 0) {
    // The caller refuses a sign-in without grants before building an assertion.
    return [];
  }
  const pairs = new Set<string>();
  for (const grant of grants) {
    const { role, provider } = checkRoleProviderPair(grant.roleArn, grant.providerArn);
    pairs.add(`${role.arn},${provider.arn}`);
  }
  // The same role often arrives through several groups; sorting by code unit (not locale) makes
  // the assertion independent of group and database order, so the AWS role picker (E10) and
  // desktop clients always list roles the same way.
  const values = [...pairs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const attribute: SamlAttribute = { name: AWS_ROLE_ATTRIBUTE, nameFormat: ATTRNAME_FORMAT_URI, values };
  return [attribute];
};
