import type { AwsRoleGrant } from '../saml/types';

/**
 * The one storage interface Sesame talks to (node-oidc-provider adapter style). SQLite implements it
 * as the embedded default; a networked database implements the same interface and passes the same
 * test suite. Every method is asynchronous even where SQLite is not, so callers never depend on that.
 */

export interface UserRecord {
  id: number;
  username: string;
  displayName: string;
  email: string | null;
  /** Self-describing KDF string (algorithm and parameters included), or null when no password is set. */
  passwordHash: string | null;
  isAdmin: boolean;
  disabled: boolean;
  /** Random, never-shown seed from which persistent NameIDs are derived per SP. */
  subjectSeed: string;
  createdAt: string;
  updatedAt: string;
}

export interface GroupRecord {
  id: number;
  name: string;
  description: string | null;
  createdAt: string;
}

export interface RoleGrantRecord extends AwsRoleGrant {
  id: number;
  groupId: number;
  createdAt: string;
}

export interface NewUser {
  username: string;
  displayName: string;
  email: string | null;
  passwordHash: string | null;
  isAdmin: boolean;
}

export interface NewRoleGrant {
  groupId: number;
  roleArn: string;
  providerArn: string;
  label: string | null;
  sessionDuration: number | null;
}

export interface AuditEntry {
  /** Dotted event name, e.g. "signin.success", "assertion.issued", "admin.user.create". */
  event: string;
  /** Who did it: a username, "cli:<os user>", or "anonymous". */
  actor: string;
  /** What it was done to (user, group, SP …), when there is one. */
  subject?: string | null;
  clientIp?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditRecord extends Required<Omit<AuditEntry, 'details'>> {
  id: number;
  at: string;
  details: Record<string, unknown>;
}

/** Failed sign-in counters for one throttle key (an account or a client address). */
export interface ThrottleState {
  failures: number;
  windowStartedAt: number;
  lockedUntil: number;
  /** How many times in a row the key was locked (a success deletes the state); 0 when not given. */
  lockouts?: number;
}

export interface AttemptPolicy {
  now: number;
  windowMs: number;
  maxAttempts: number;
  lockMs: number;
  /**
   * When set, each consecutive lock lasts twice as long as the one before (lockMs, 2×, 4× …), up to
   * this; the count starts again when the key is cleared (a success). Unset: every lock lasts lockMs.
   */
  maxLockMs?: number;
}

/** What one counted attempt did to its key. */
export interface AttemptResult {
  /** When the key is locked until (0 when the attempt may go on). */
  lockedUntil: number;
  /** Set only on the attempt that locked the key: how long, and how many locks in a row this is. */
  lockedNow?: { lockMs: number; consecutive: number };
}

/** What `disableUserUnlessLastAdmin` did. */
export type DisableOutcome = 'disabled' | 'already_disabled' | 'last_admin' | 'no_such_user';

export interface StoredSession {
  data: string;
  expiresAt: number;
}

export class StoreConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreConflictError';
  }
}

export interface Store {
  close(): Promise<void>;

  createUser(user: NewUser): Promise<UserRecord>;
  findUserByUsername(username: string): Promise<UserRecord | null>;
  findUserById(id: number): Promise<UserRecord | null>;
  listUsers(): Promise<UserRecord[]>;
  countAdmins(): Promise<number>;
  setPasswordHash(userId: number, passwordHash: string): Promise<void>;
  setUserDisabled(userId: number, disabled: boolean): Promise<void>;
  /**
   * Disables a user unless they are the last enabled administrator, the check and the update in one
   * IMMEDIATE transaction: two admins disabling each other at once cannot leave no admin behind.
   */
  disableUserUnlessLastAdmin(userId: number): Promise<DisableOutcome>;

  createGroup(name: string, description: string | null): Promise<GroupRecord>;
  findGroupByName(name: string): Promise<GroupRecord | null>;
  listGroups(): Promise<GroupRecord[]>;
  addMember(groupId: number, userId: number): Promise<boolean>;
  removeMember(groupId: number, userId: number): Promise<boolean>;
  listGroupsOfUser(userId: number): Promise<GroupRecord[]>;

  addRoleGrant(grant: NewRoleGrant): Promise<RoleGrantRecord>;
  listRoleGrants(): Promise<RoleGrantRecord[]>;
  /** Grants reaching a user through any of their groups, de-duplicated by role and provider. */
  listRoleGrantsForUser(userId: number): Promise<RoleGrantRecord[]>;
  removeRoleGrant(id: number): Promise<boolean>;

  /** Append-only: there is no update or delete. */
  appendAudit(entry: AuditEntry): Promise<void>;
  /** Newest first; `event` is an exact name or a prefix ending in "." or "*" (as in the admin console's search). */
  listAudit(filter: { event?: string; actor?: string; limit: number }): Promise<AuditRecord[]>;

  /** Installation-wide values generated once (secrets, setup tokens); returns the existing value when set. */
  getOrCreateSetting(name: string, create: () => string): Promise<string>;
  getSetting(name: string): Promise<string | null>;
  setSetting(name: string, value: string | null): Promise<void>;

  getThrottle(key: string): Promise<ThrottleState | null>;
  putThrottle(key: string, state: ThrottleState): Promise<void>;
  clearThrottle(key: string): Promise<void>;
  /**
   * Atomically counts one attempt against a key (across concurrent requests and processes): a key
   * already locked stays locked and is not counted; the attempt past `maxAttempts` in a window
   * locks the key for `lockMs`. Returns when the key is locked until (0 when the attempt may go on).
   */
  registerAttempt(key: string, policy: AttemptPolicy): Promise<AttemptResult>;
  /** Atomically takes back one counted attempt (a success that should not count against a shared key). */
  forgiveAttempt(key: string): Promise<void>;

  /** Atomically removes a setting and returns its value: one-time values can be redeemed only once. */
  consumeSetting(name: string): Promise<string | null>;

  getSession(sid: string, now: number): Promise<StoredSession | null>;
  putSession(sid: string, session: StoredSession): Promise<void>;
  touchSession(sid: string, expiresAt: number): Promise<void>;
  destroySession(sid: string): Promise<void>;
  /**
   * Ends every session of a user, signed in or half-way through the second factor, except
   * `exceptSid` (the session making the change); returns how many ended.
   */
  destroyUserSessions(userId: number, exceptSid?: string): Promise<number>;
  /** Ids of the live browser sessions belonging to one IdP session (SessionIndex). */
  findSessionIdsByIndex(sessionIndex: string, now: number): Promise<string[]>;
  purgeExpired(now: number): Promise<void>;
}
