import { isRegionInPartition, type AwsPartition } from '../../aws/partitions';
import { missingInput, SesameAwsError, EXIT_USAGE } from './sesameAwsError';
import type { GrantedRole } from './idpClient';
import type { Terminal } from './terminal';

/** How a granted role is shown: "account / role (label)". */
export function describeRole(role: GrantedRole): string {
  // Role names under a path come as "/ops/ReadOnly"; "account / ops/ReadOnly" reads better.
  return `${role.accountId} / ${role.roleName.replace(/^\//, '')}${role.label ? ` (${role.label})` : ''}`;
}

function listing(roles: GrantedRole[]): string {
  return roles.map((role, i) => `  ${i + 1}. ${describeRole(role)}  ${role.roleArn}`).join('\n');
}

/**
 * The role to assume: the one named by --role (it must be granted), the only one, or the user's
 * pick from a numbered list on the terminal. Without a terminal and with several roles, the command
 * fails and names --role.
 */
export async function chooseRole(roles: GrantedRole[], wanted: string | undefined, terminal: Terminal): Promise<GrantedRole> {
  if (roles.length === 0) throw new SesameAwsError('no_roles', 'No AWS role is granted to you, so there is nothing to assume. Ask an administrator for access.');
  if (wanted !== undefined) {
    const role = roles.find((r) => r.roleArn === wanted);
    if (!role) throw new SesameAwsError('role_not_granted', `role ${wanted} is not granted to you. Your roles:\n${listing(roles)}`);
    return role;
  }
  if (roles.length === 1) return roles[0]!;
  if (!terminal.interactive) {
    throw missingInput('The role to assume', '--role', 'SESAME_AWS_ROLE', `you have ${roles.length} roles and no terminal to pick one on`, `Your roles:\n${listing(roles)}`);
  }
  terminal.say('Your AWS roles:');
  terminal.say(listing(roles));
  for (;;) {
    const answer = await terminal.ask(`Role [1-${roles.length}]: `);
    const index = Number(answer);
    if (Number.isInteger(index) && index >= 1 && index <= roles.length) return roles[index - 1]!;
    terminal.say(`Type a number from 1 to ${roles.length}.`);
  }
}

/** The partition's home region, used for STS when no region is given. */
const PARTITION_DEFAULT_REGION: Record<AwsPartition, string> = { aws: 'us-east-1', 'aws-us-gov': 'us-gov-west-1', 'aws-cn': 'cn-north-1' };

/** The STS region: the one asked for, which must be in the role's partition (an ARN of aws-cn cannot be assumed in us-east-1), else the partition's default. */
export function stsRegionFor(role: GrantedRole, region: string | undefined): string {
  const partition = role.partition as AwsPartition;
  if (!(partition in PARTITION_DEFAULT_REGION)) throw new SesameAwsError('bad_role', `role ${role.roleArn} is in unknown partition ${role.partition}`);
  if (region === undefined) return PARTITION_DEFAULT_REGION[partition];
  if (!isRegionInPartition(region, partition)) {
    throw new SesameAwsError('usage', `region ${region} (from --region, AWS_REGION or AWS_DEFAULT_REGION) is not in partition ${partition} of role ${role.roleArn}: pick a region of that partition (for example ${PARTITION_DEFAULT_REGION[partition]})`, EXIT_USAGE);
  }
  return region;
}
