import type { AwsRoleGrant, Principal, SamlAttribute } from '../saml/types';

/** What an AWS attribute mapper reads: who signed in and which role grants go into this assertion. */
export interface AwsMapperContext {
  principal: Principal;
  grants: AwsRoleGrant[];
}

/** A mapper is a pure function from context to the attributes it releases (SimpleSAMLphp authproc / Keycloak mapper style). */
export type AwsAttributeMapper = (ctx: AwsMapperContext) => SamlAttribute[];
