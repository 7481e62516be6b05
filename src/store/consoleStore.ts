import type { AuditRecord } from './store';

/**
 * What the admin console and the self-service pages read beyond `Store`: the audit log searched by
 * user, SP, event and time; a user's live sessions; and labels for AWS account ids.
 */

export interface AuditSearch {
  /** A username: matches entries it made (actor) or that were about it (subject). */
  user?: string;
  /** An SP entity ID or audience, as recorded in `details.sp`. */
  sp?: string;
  /** An exact event name, or a prefix ending in "." or "*" ("signin." matches signin.success and signin.failure). */
  event?: string;
  /** ISO 8601 instants: from inclusive, to exclusive. */
  from?: string;
  to?: string;
  limit: number;
}

export interface UserSession {
  sid: string;
  expiresAt: number;
  /** The session's stored fields (express-session JSON). */
  data: Record<string, unknown>;
}

export interface AwsAccountRecord {
  accountId: string;
  label: string;
  createdAt: string;
}

export interface GroupMember {
  userId: number;
  username: string;
  displayName: string;
  disabled: boolean;
  /** The membership comes from the directory sync (it may remove it again), not from an admin. */
  viaDirectory: boolean;
}

export interface ConsoleStore {
  listGroupMembers(groupId: number): Promise<GroupMember[]>;
  /** Members per group id. */
  countGroupMembers(): Promise<Map<number, number>>;
  searchAudit(filter: AuditSearch): Promise<AuditRecord[]>;
  listUserSessions(userId: number, now: number): Promise<UserSession[]>;

  listAwsAccounts(): Promise<AwsAccountRecord[]>;
  /** Adds the account or changes its label. */
  putAwsAccount(accountId: string, label: string): Promise<void>;
  removeAwsAccount(accountId: string): Promise<boolean>;
}
