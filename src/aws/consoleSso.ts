import { buildSignedResponse } from '../saml/buildResponse';
import { persistentNameId } from '../saml/persistentNameId';
import { NAMEID_PERSISTENT, type Principal } from '../saml/types';
import { authnContextFor } from '../auth/authnContext';
import type { SecondFactorCheck } from '../auth/secondFactor';
import type { EnvelopedSigner } from '../saml/xmlDsig';
import type { RoleGrantRecord, Store, UserRecord } from '../store/store';
import { parseRoleArn } from './arn';
import { AwsRuleError } from './awsRuleError';
import { checkConsoleRelayState } from './consoleRelayState';
import { AWS_CONSOLE_RELEASE, runReleaseChain } from '../sp/release/attributeMappers';
import { isAllowedBySpGroups } from '../sp/sso/steps/checkSpAccess';
import type { SpRegistryStore } from '../store/spRegistryStore';
import { AWS_PARTITIONS, isAwsPartition, type AwsPartition } from './partitions';

/** AWS caps the base64 SAMLResponse at 100,000 characters (cheat sheet, P1). */
const MAX_SAML_RESPONSE_BASE64 = 100_000;

export interface ConsoleSsoSettings {
  entityId: string;
  /** Configured sign-in endpoint and the partition it serves; other partitions use their default. */
  signinUrl: string;
  signinPartition: AwsPartition;
  audience: string;
  signResponse: boolean;
  assertionLifetimeSeconds: number;
  /** Whether users reach us over TLS: decides the AuthnContextClassRef we may claim. */
  overTls: boolean;
}

export interface ConsoleSsoRequest {
  user: UserRecord;
  authnInstant: Date;
  sessionIndex: string;
  /** Whether this sign-in included a second factor. */
  secondFactor: boolean;
  /** One role ARN, or undefined for every granted role of the partition (AWS shows its picker, E10). */
  roleArn?: string;
  partition?: string;
  relayState?: string;
  clientIp: string;
}

export interface ConsoleSsoPost {
  acsUrl: string;
  samlResponse: string;
  relayState: string | null;
  assertionId: string;
  roles: string[];
}

/**
 * A request the signed-in user may not make; `status` is the HTTP status to answer with, `reason`
 * (when set) a stable name for it: 'second_factor_required' when the sign-in had no second factor
 * and the user needs one.
 */
export class ConsoleSsoDenied extends Error {
  constructor(readonly status: number, message: string, readonly rule?: string, readonly reason?: string) {
    super(message);
    this.name = 'ConsoleSsoDenied';
  }
}

/**
 * IdP-initiated sign-in to the AWS console: picks the user's grants, runs the AWS attribute mappers,
 * builds and signs the Response for the partition's sign-in endpoint and audits what was issued.
 */
export class ConsoleSso {
  constructor(
    private readonly store: Store,
    private readonly signer: EnvelopedSigner,
    private readonly settings: ConsoleSsoSettings,
    private readonly installationSecret: string,
    /** The SP registry, where the AWS console of each partition is an entry (sp/awsConsoleSp.ts) with its release chain. */
    private readonly sps?: SpRegistryStore,
    /**
     * Who must have given a second factor. Every channel checks before it gets here (sessions,
     * API tokens, ECP); this is the last line: no assertion for a password-only sign-in of a user
     * who needs a second factor now, whatever a channel forgot.
     */
    private readonly secondFactor?: SecondFactorCheck,
  ) {}

  endpointFor(partition: AwsPartition): { acsUrl: string; audience: string } {
    if (partition === this.settings.signinPartition) return { acsUrl: this.settings.signinUrl, audience: this.settings.audience };
    return { acsUrl: AWS_PARTITIONS[partition].defaultAcsUrl, audience: AWS_PARTITIONS[partition].defaultAudience };
  }

  /** The grants that go into one response, or a denial the user can read. */
  private selectGrants(all: RoleGrantRecord[], request: ConsoleSsoRequest): { grants: RoleGrantRecord[]; partition: AwsPartition } {
    if (all.length === 0) {
      throw new ConsoleSsoDenied(403, 'No AWS role is granted to any of your groups, so there is nothing to sign you in to. Ask an administrator for access.');
    }
    if (request.roleArn !== undefined) {
      const grant = all.find((g) => g.roleArn === request.roleArn);
      if (!grant) throw new ConsoleSsoDenied(403, 'That AWS role is not granted to you.');
      return { grants: [grant], partition: parseRoleArn(grant.roleArn).partition };
    }
    const byPartition = new Map<AwsPartition, RoleGrantRecord[]>();
    for (const grant of all) {
      const partition = parseRoleArn(grant.roleArn).partition;
      byPartition.set(partition, [...(byPartition.get(partition) ?? []), grant]);
    }
    if (request.partition !== undefined) {
      if (!isAwsPartition(request.partition)) throw new ConsoleSsoDenied(400, 'Unknown AWS partition.');
      const grants = byPartition.get(request.partition);
      if (!grants) throw new ConsoleSsoDenied(403, `No AWS role in partition ${request.partition} is granted to you.`);
      return { grants, partition: request.partition };
    }
    if (byPartition.size > 1) {
      throw new ConsoleSsoDenied(400, 'Your roles span several AWS partitions, which sign in at different addresses: pick one from the portal.');
    }
    const [partition, grants] = [...byPartition.entries()][0]!;
    return { grants, partition };
  }

  async issue(request: ConsoleSsoRequest): Promise<ConsoleSsoPost> {
    const { user } = request;
    if (!request.secondFactor && this.secondFactor && (await this.secondFactor.isRequired(user))) {
      await this.store.appendAudit({
        event: 'sso.denied',
        actor: user.username,
        subject: user.username,
        clientIp: request.clientIp,
        details: { sp: 'aws', roleArn: request.roleArn ?? null, reason: 'second_factor_required' },
      });
      throw new ConsoleSsoDenied(401, 'Your account needs a second factor, and this sign-in had none. Sign in again with your one-time code.', undefined, 'second_factor_required');
    }
    const allGrants = await this.store.listRoleGrantsForUser(user.id);
    let selected: { grants: RoleGrantRecord[]; partition: AwsPartition };
    let relayState: string | null = null;
    try {
      selected = this.selectGrants(allGrants, request);
      if (request.relayState) relayState = checkConsoleRelayState(request.relayState, selected.partition);
    } catch (error) {
      const reason = error instanceof AwsRuleError ? `${error.rule}: ${error.message}` : (error as Error).message;
      await this.store.appendAudit({
        event: 'sso.denied',
        actor: user.username,
        subject: user.username,
        clientIp: request.clientIp,
        details: { sp: 'aws', roleArn: request.roleArn ?? null, reason },
      });
      if (error instanceof AwsRuleError) throw new ConsoleSsoDenied(400, error.message, error.rule);
      throw error;
    }

    const { acsUrl, audience } = this.endpointFor(selected.partition);
    const principal: Principal = { userId: user.id, username: user.username, displayName: user.displayName, email: user.email };
    // The registry entry decides what is released, whether the Response is signed and who may use
    // it (its groups); without a registry (unit tests, tools) the built-in AWS chain and the configuration do.
    const sp = this.sps ? await this.sps.findServiceProviderByEntityId(audience) : null;
    // The SP's registry identity, never a configurable audience (for AWS entries both are the entityID).
    const nameId = persistentNameId(this.installationSecret, user.subjectSeed, sp?.entityId ?? audience);
    const release = sp?.settings.attributeRelease ?? AWS_CONSOLE_RELEASE;
    const needGroups = release.includes('groups') || (sp !== null && sp.settings.allowedGroups.length > 0);
    const groups = needGroups ? (await this.store.listGroupsOfUser(user.id)).map((g) => g.name) : [];
    if (sp && !isAllowedBySpGroups(sp.settings.allowedGroups, groups)) {
      await this.store.appendAudit({
        event: 'sso.denied',
        actor: user.username,
        subject: user.username,
        clientIp: request.clientIp,
        details: { sp: sp.entityId, roleArn: request.roleArn ?? null, reason: 'sp.access: not in the groups allowed to use this AWS console', groups: sp.settings.allowedGroups },
      });
      throw new ConsoleSsoDenied(403, `You are not in a group allowed to use ${sp.settings.displayName} (an administrator limited it to: ${sp.settings.allowedGroups.join(', ')}).`, 'sp.access');
    }
    const built = buildSignedResponse(
      {
        issuer: this.settings.entityId,
        destination: acsUrl,
        audience,
        nameId: { value: nameId, format: NAMEID_PERSISTENT },
        now: new Date(),
        lifetimeSeconds: this.settings.assertionLifetimeSeconds,
        notBeforeSkewSeconds: 60,
        authnInstant: request.authnInstant,
        sessionIndex: request.sessionIndex,
        authnContextClassRef: authnContextFor({ overTls: this.settings.overTls, secondFactor: request.secondFactor }),
        attributes: runReleaseChain(release, { principal, grants: selected.grants, groups, spEntityId: audience }),
        signResponse: sp ? sp.settings.signResponse : this.settings.signResponse,
      },
      this.signer,
    );
    const samlResponse = Buffer.from(built.xml, 'utf8').toString('base64');
    if (samlResponse.length > MAX_SAML_RESPONSE_BASE64) {
      throw new ConsoleSsoDenied(
        413,
        `The SAML response for ${selected.grants.length} roles would be ${samlResponse.length} characters; AWS accepts at most ${MAX_SAML_RESPONSE_BASE64}. Pick a single role.`,
      );
    }
    const roles = selected.grants.map((g) => `${g.roleArn},${g.providerArn}`);
    await this.store.appendAudit({
      event: 'assertion.issued',
      actor: user.username,
      subject: user.username,
      clientIp: request.clientIp,
      details: { sp: audience, acs: acsUrl, assertionId: built.assertionId, responseId: built.responseId, nameId, roles },
    });
    return { acsUrl, samlResponse, relayState, assertionId: built.assertionId, roles };
  }
}
