import type { AwsRoleGrant, Principal, SamlAttribute } from '../../saml/types';

/** What an attribute mapper may read: who signed in, their groups, their AWS grants for this response, and the SP. */
export interface ReleaseContext {
  principal: Principal;
  groups: string[];
  /** AWS role grants that go into this response (only the AWS console entries use them). */
  grants: AwsRoleGrant[];
  spEntityId: string;
}

/** A mapper is a pure function from context to the attributes it releases (SimpleSAMLphp authproc, Keycloak mappers). */
export type AttributeMapper = (ctx: ReleaseContext) => SamlAttribute[];
