import { chooseRole, stsRegionFor } from './chooseRole';
import { IdpClient, type GrantedRole } from './idpClient';
import { signInToIdp } from './signInToIdp';
import { assumeRoleWithSaml, type AssumedRole } from './stsCredentials';
import type { AssumeOptions } from './options';
import type { Terminal } from './terminal';

export interface ObtainedCredentials extends AssumedRole {
  role: GrantedRole;
  username: string;
  region: string;
  durationSeconds: number | undefined;
}

/**
 * The whole non-browser sign-in, as a pipeline:
 * signInToIdp → listRoles → chooseRole → stsRegionFor → samlResponse (then the API token is
 * revoked) → assumeRoleWithSaml. DurationSeconds is sent only when --duration asks for it: copying
 * the grant's SessionDuration into it fails with ValidationError whenever the role's
 * MaxSessionDuration is lower (A3, T6), so by default STS decides: one hour, or less when the
 * assertion's SessionDuration is shorter.
 */
export async function obtainCredentials(options: AssumeOptions, terminal: Terminal, readStdin: () => Promise<string>): Promise<ObtainedCredentials> {
  const client = new IdpClient(options.idpUrl);
  const { token, username } = await signInToIdp(client, options, terminal, readStdin);
  let role: GrantedRole;
  let region: string;
  let samlResponse: string;
  try {
    role = await chooseRole(await client.listRoles(token), options.roleArn, terminal);
    region = stsRegionFor(role, options.region);
    samlResponse = (await client.samlResponse(token, role.roleArn)).samlResponse;
  } finally {
    await client.revoke(token);
  }
  const durationSeconds = options.durationSeconds;
  const assumed = await assumeRoleWithSaml({
    region,
    endpoint: options.stsEndpoint,
    roleArn: role.roleArn,
    principalArn: role.providerArn,
    samlAssertion: samlResponse,
    durationSeconds,
  });
  return { ...assumed, role, username, region, durationSeconds };
}
