import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseRoleArn } from '../aws/arn';
import { AWS_PARTITIONS } from '../aws/partitions';
import { readProviderMetadata, type TrustedProvider } from '../aws/rules/providerMetadata';
import { DEFAULT_MAX_SESSION_DURATION, type RoleTrust } from '../aws/rules/ruleContext';

/** An IAM SAML provider as IAM keeps it (S6). */
export interface SamlProviderRecord {
  arn: string;
  accountId: string;
  name: string;
  metadataXml: string;
  /** SAMLProviderUUID: the IdP-ID of provider-specific sign-in URLs (E4); new on every create. */
  uuid: string;
  createDate: string;
  validUntil: string;
  tags: Array<{ Key: string; Value: string }>;
  trusted: TrustedProvider;
}

/** A role the test or admin declared: its MaxSessionDuration and what its trust policy allows. */
export interface RoleRecord {
  arn: string;
  accountId: string;
  maxSessionDuration: number;
  /** null: any provider of the account. */
  trustedProviderArns: string[] | null;
  /** undefined: the partition's default sign-in URL (TP2); null or []: no SAML:aud condition. */
  samlAudCondition: string[] | null | undefined;
  allowTagSession: boolean;
  allowSetSourceIdentity: boolean;
}

/** Temporary credentials the emulator issued, and who they are. */
export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: number;
  arn: string;
  userId: string;
  accountId: string;
}

/** A long-term key allowed to call the IAM actions, and the account it acts in. */
export interface AdminKey {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Upper-case base32 characters, as AWS access key ids and unique ids use. */
export function base32Id(bytes: Buffer, length: number): string {
  let out = '';
  for (let i = 0; out.length < length; i++) out += BASE32[bytes[i % bytes.length]! % 32];
  return out;
}

/** A stable role id (AROA…) derived from the role ARN, as GetCallerIdentity's UserId shows it. */
export function roleIdOf(roleArn: string): string {
  return 'AROA' + base32Id(createHash('sha256').update(roleArn).digest(), 17);
}

interface PersistedState {
  version: 1;
  providers: Array<Omit<SamlProviderRecord, 'trusted'>>;
  roles: RoleRecord[];
  credentials: IssuedCredentials[];
}

/** Everything the emulator remembers, in memory and optionally in a JSON file (mode 0600, atomic writes). */
export class EmulatorState {
  readonly providers = new Map<string, SamlProviderRecord>();
  readonly roles = new Map<string, RoleRecord>();
  readonly credentials = new Map<string, IssuedCredentials>();

  constructor(private readonly dataFile: string | null, now: Date) {
    if (dataFile !== null && fs.existsSync(dataFile)) this.load(dataFile, now);
  }

  private load(file: string, now: Date): void {
    const state = JSON.parse(fs.readFileSync(file, 'utf8')) as PersistedState;
    if (state.version !== 1) throw new Error(`${file}: unknown emulator state version ${String(state.version)}`);
    for (const record of state.providers) {
      const reading = readProviderMetadata(record.metadataXml, now);
      if (reading.provider === null) throw new Error(`${file}: stored metadata of ${record.arn} is no longer readable`);
      this.providers.set(record.arn, { ...record, trusted: reading.provider });
    }
    for (const role of state.roles) this.roles.set(role.arn, role);
    for (const credential of state.credentials) this.credentials.set(credential.accessKeyId, credential);
    this.purgeExpired(now);
  }

  /** Writes the state file atomically (temp file + rename), readable by its owner only: it holds secrets. */
  save(): void {
    if (this.dataFile === null) return;
    const state: PersistedState = {
      version: 1,
      providers: [...this.providers.values()].map(({ trusted: _trusted, ...rest }) => rest),
      roles: [...this.roles.values()],
      credentials: [...this.credentials.values()],
    };
    fs.mkdirSync(path.dirname(this.dataFile), { recursive: true });
    const temp = `${this.dataFile}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(temp, JSON.stringify(state, null, 2), { mode: 0o600 });
    fs.renameSync(temp, this.dataFile);
  }

  providersOf(accountId: string): SamlProviderRecord[] {
    return [...this.providers.values()].filter((p) => p.accountId === accountId);
  }

  /**
   * The trust settings for a role: its registry entry, or — for accounts without a registry — a
   * role as the IAM console's SAML wizard creates it (MaxSessionDuration 1 h, SAML:aud = the
   * partition's default sign-in URL). In an account with registered roles, others do not exist.
   */
  roleTrust(roleArn: string): RoleTrust {
    const role = parseRoleArn(roleArn);
    const defaultAud = [AWS_PARTITIONS[role.partition].defaultAcsUrl];
    const record = this.roles.get(roleArn);
    if (record === undefined) {
      const accountHasRegistry = [...this.roles.values()].some((r) => r.accountId === role.accountId);
      return { maxSessionDuration: DEFAULT_MAX_SESSION_DURATION, samlAud: defaultAud, trustedProviderArns: null, allowTagSession: true, allowSetSourceIdentity: true, exists: !accountHasRegistry };
    }
    return {
      maxSessionDuration: record.maxSessionDuration,
      samlAud: record.samlAudCondition === undefined ? defaultAud : (record.samlAudCondition ?? []),
      trustedProviderArns: record.trustedProviderArns,
      allowTagSession: record.allowTagSession,
      allowSetSourceIdentity: record.allowSetSourceIdentity,
      exists: true,
    };
  }

  /**
   * Forgets credentials a day after they expired. Until then GetCallerIdentity can still answer
   * ExpiredToken, which tells a user more than InvalidClientTokenId.
   */
  purgeExpired(now: Date): void {
    for (const [id, credential] of this.credentials) if (credential.expiration + 24 * 3600 * 1000 < now.getTime()) this.credentials.delete(id);
  }
}
