/**
 * Storage of the JSON API's bearer tokens (issue 3), kept apart from the core `Store` so each concern
 * owns its interface. Tokens are looked up by their SHA-256; the token itself is never stored.
 */

export interface ApiTokenRecord {
  /** Hex SHA-256 of the bearer token. */
  tokenHash: string;
  userId: number;
  /** When the user authenticated (ms since epoch): the assertions' AuthnInstant. */
  authnInstant: number;
  sessionIndex: string;
  /** Whether the sign-in that created the token included a second factor. */
  secondFactor: boolean;
  clientIp: string;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

export interface ApiTokenStore {
  putApiToken(record: ApiTokenRecord): Promise<void>;
  /** The token when it exists, has not expired at `now` and was not revoked; else null. */
  findLiveApiToken(tokenHash: string, now: number): Promise<ApiTokenRecord | null>;
  /** Marks one token revoked; false when there was no live token with that hash. */
  revokeApiToken(tokenHash: string, now: number): Promise<boolean>;
  /** Revokes every live token of a user (password change, disabling); returns how many. */
  revokeApiTokensOfUser(userId: number, now: number): Promise<number>;
  /** Deletes tokens that expired before `now`; returns how many. */
  purgeExpiredApiTokens(now: number): Promise<number>;
}
