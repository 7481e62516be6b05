import { createHash, randomBytes } from 'node:crypto';
import { newSamlId } from '../saml/samlId';
import type { ApiTokenRecord, ApiTokenStore } from '../store/apiTokenStore';
import type { Store, UserRecord } from '../store/store';

/** "ses_" + 256 random bits, base64url: recognisable in leaked-secret scanners, unguessable. */
const TOKEN_PATTERN = /^ses_[A-Za-z0-9_-]{43}$/;

export interface IssuedApiToken {
  token: string;
  expiresAt: Date;
  record: ApiTokenRecord;
}

export interface ResolvedApiToken {
  user: UserRecord;
  record: ApiTokenRecord;
}

const hashOf = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * Short-lived bearer tokens for the JSON API: what a CLI holds between "sign in" and "give me an
 * assertion", instead of a cookie. Only the SHA-256 of a token is stored; a token dies at its
 * expiry, when revoked (sign-out, or the user's password, second factor or directory link changed),
 * or as soon as its user is disabled.
 */
export class ApiTokenService {
  /** Expired rows are deleted at most this often, by whichever process issues a token next. */
  private static readonly PURGE_EVERY_MS = 10 * 60 * 1000;
  private lastPurge = 0;

  constructor(
    private readonly store: Store,
    private readonly tokens: ApiTokenStore,
    private readonly lifetimeSeconds: number,
    private readonly clock: () => number = Date.now,
  ) {}

  async issue(user: UserRecord, signIn: { secondFactor: boolean; clientIp: string }): Promise<IssuedApiToken> {
    const token = 'ses_' + randomBytes(32).toString('base64url');
    const now = this.clock();
    const record: ApiTokenRecord = {
      tokenHash: hashOf(token),
      userId: user.id,
      authnInstant: now,
      sessionIndex: newSamlId(),
      secondFactor: signIn.secondFactor,
      clientIp: signIn.clientIp,
      createdAt: now,
      expiresAt: now + this.lifetimeSeconds * 1000,
      revokedAt: null,
    };
    await this.tokens.putApiToken(record);
    if (now - this.lastPurge > ApiTokenService.PURGE_EVERY_MS) {
      this.lastPurge = now;
      await this.tokens.purgeExpiredApiTokens(now);
    }
    return { token, expiresAt: new Date(record.expiresAt), record };
  }

  /** The live token's user, or null for anything else (malformed, unknown, expired, revoked, user disabled or gone). */
  async resolve(token: string): Promise<ResolvedApiToken | null> {
    if (!TOKEN_PATTERN.test(token)) return null;
    const record = await this.tokens.findLiveApiToken(hashOf(token), this.clock());
    if (!record) return null;
    const user = await this.store.findUserById(record.userId);
    if (!user || user.disabled) return null;
    return { user, record };
  }

  async revoke(token: string): Promise<boolean> {
    if (!TOKEN_PATTERN.test(token)) return false;
    return this.tokens.revokeApiToken(hashOf(token), this.clock());
  }

  /** Revokes every live token of a user (password or second factor changed, user disabled, directory link reset). */
  async revokeAllOf(userId: number): Promise<number> {
    return this.tokens.revokeApiTokensOfUser(userId, this.clock());
  }

  /** A short, non-secret reference to a token for audit lines (the first 12 hex digits of its hash). */
  static auditId(record: ApiTokenRecord): string {
    return record.tokenHash.slice(0, 12);
  }
}
