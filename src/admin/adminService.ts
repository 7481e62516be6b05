import { hashPassword } from '../auth/passwordHash';
import { AccountInputError, checkDisplayName, checkEmail, checkNewPassword, checkUsername } from '../auth/accountRules';
import { checkRoleProviderPair } from '../aws/arn';
import { checkSessionDuration } from '../aws/sessionDuration';
import type { GroupRecord, RoleGrantRecord, Store, UserRecord } from '../store/store';
import type { MfaService } from '../auth/mfaService';
import type { DirectoryStore } from '../store/directoryStore';
import type { ConsoleStore } from '../store/consoleStore';
import type { SigningKeyRing } from '../saml/keys/signingKeyRing';
import { isBareGroupName } from '../auth/ldap/directorySignIn';

/** Revokes every live JSON API bearer token of a user (ApiTokenService). */
export interface ApiTokenRevoker {
  revokeAllOf(userId: number): Promise<number>;
}

/** The services behind the admin console's extra sections; each is optional so the CLI can go without. */
export interface AdminExtras {
  mfa?: MfaService;
  directory?: DirectoryStore;
  console?: ConsoleStore;
  keyRing?: SigningKeyRing;
  /** API tokens, revoked with the sessions when a password, second factor or directory link changes, or a user is disabled. */
  apiTokens?: ApiTokenRevoker;
  /** Where the admin's request came from, for the audit log. */
  clientIp?: string | null;
  /** The admin's own session, which survives a change they make to their own account. */
  actingSessionId?: string;
}

/** A directory group mapping that names a group by its name only: it matches that name in any OU. */
export function bareGroupNameWarning(directoryGroup: string): string | null {
  if (!isBareGroupName(directoryGroup)) return null;
  return `"${directoryGroup}" is a group name, not a DN: it matches every directory group named so, in any OU (one a less trusted team can create too). Map the full DN instead, e.g. cn=${directoryGroup},ou=groups,dc=example,dc=org.`;
}

/** Input an admin got wrong, or something that does not exist; the message says which and how to fix it. */
export class AdminInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdminInputError';
  }
}

const GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._@+-]{0,63}$/;
const MAX_LABEL = 128;

/**
 * Every change an administrator can make, validated and audited with its actor. The `sesame`
 * command and the admin console are thin front ends over this.
 */
export class AdminService {
  constructor(private readonly store: Store, private readonly actor: string, private readonly extras: AdminExtras = {}) {}

  private audit(event: string, subject: string, details: Record<string, unknown> = {}) {
    return this.store.appendAudit({ event, actor: this.actor, subject, clientIp: this.extras.clientIp ?? null, details });
  }

  /**
   * Whoever held the old password, second factor or directory identity may hold a session or an API
   * token made with it: both end with the change (the admin's own current session excepted).
   */
  private async endAccessOf(user: UserRecord): Promise<{ sessionsEnded: number; apiTokensRevoked: number }> {
    const sessionsEnded = await this.store.destroyUserSessions(user.id, this.extras.actingSessionId);
    const apiTokensRevoked = this.extras.apiTokens ? await this.extras.apiTokens.revokeAllOf(user.id) : 0;
    return { sessionsEnded, apiTokensRevoked };
  }

  private need<K extends keyof AdminExtras>(name: K): NonNullable<AdminExtras[K]> {
    const service = this.extras[name];
    if (!service) throw new AdminInputError(`this Sesame runs without ${name}`);
    return service as NonNullable<AdminExtras[K]>;
  }

  async userByName(raw: string): Promise<UserRecord> {
    const user = await this.store.findUserByUsername(checkUsername(raw));
    if (!user) throw new AdminInputError(`no user named "${raw}"`);
    return user;
  }

  async groupByName(name: string): Promise<GroupRecord> {
    const group = await this.store.findGroupByName(name.trim());
    if (!group) throw new AdminInputError(`no group named "${name}"`);
    return group;
  }

  async addUser(input: { username: string; displayName?: string; email?: string; isAdmin: boolean; password: string | null }): Promise<UserRecord> {
    const username = checkUsername(input.username);
    const passwordHash = input.password === null ? null : await hashPassword(checkNewPassword(input.password, username));
    const user = await this.store.createUser({
      username,
      displayName: checkDisplayName(input.displayName, username),
      email: checkEmail(input.email),
      passwordHash,
      isAdmin: input.isAdmin,
    });
    await this.audit('admin.user.create', username, { admin: input.isAdmin, passwordSet: passwordHash !== null });
    return user;
  }

  async setPassword(rawUsername: string, password: string): Promise<void> {
    const user = await this.userByName(rawUsername);
    if (this.extras.directory && (await this.extras.directory.findDirectoryAccount(user.id))) {
      throw new AdminInputError(`"${user.username}" signs in with the company directory; change the password there`);
    }
    await this.store.setPasswordHash(user.id, await hashPassword(checkNewPassword(password, user.username)));
    await this.audit('admin.user.password', user.username, await this.endAccessOf(user));
  }

  async setDisabled(rawUsername: string, disabled: boolean): Promise<void> {
    const user = await this.userByName(rawUsername);
    if (!disabled) {
      await this.store.setUserDisabled(user.id, false);
      await this.audit('admin.user.enable', user.username);
      return;
    }
    // The last-admin check and the update are one transaction: two admins disabling each other at
    // the same moment (two workers, two consoles) cannot both succeed.
    const outcome = await this.store.disableUserUnlessLastAdmin(user.id);
    if (outcome === 'last_admin') throw new AdminInputError(`"${user.username}" is the only enabled administrator; create another admin first`);
    if (outcome === 'no_such_user') throw new AdminInputError(`no user named "${rawUsername}"`);
    // Sessions and tokens end now, so enabling the user again later does not bring them back.
    await this.audit('admin.user.disable', user.username, await this.endAccessOf(user));
  }

  async addGroup(name: string, description: string | null): Promise<GroupRecord> {
    const trimmed = name.trim();
    if (!GROUP_NAME.test(trimmed)) {
      throw new AdminInputError(`group name "${name.slice(0, 80)}" is not allowed: 1–64 letters, digits, spaces and . _ @ + -, starting with a letter or digit`);
    }
    const group = await this.store.createGroup(trimmed, description?.trim() || null);
    await this.audit('admin.group.create', group.name);
    return group;
  }

  async addMember(groupName: string, rawUsername: string): Promise<boolean> {
    const group = await this.groupByName(groupName);
    const user = await this.userByName(rawUsername);
    const added = await this.store.addMember(group.id, user.id);
    if (added) await this.audit('admin.group.add-member', group.name, { user: user.username });
    return added;
  }

  async removeMember(groupName: string, rawUsername: string): Promise<boolean> {
    const group = await this.groupByName(groupName);
    const user = await this.userByName(rawUsername);
    const removed = await this.store.removeMember(group.id, user.id);
    if (removed) await this.audit('admin.group.remove-member', group.name, { user: user.username });
    return removed;
  }

  async addGrant(input: { group: string; roleArn: string; providerArn: string; duration?: string | number | null; label?: string | null }): Promise<RoleGrantRecord> {
    const group = await this.groupByName(input.group);
    const { role, provider } = checkRoleProviderPair(input.roleArn.trim(), input.providerArn.trim());
    const sessionDuration = input.duration === undefined || input.duration === null || input.duration === '' ? null : checkSessionDuration(input.duration);
    const label = input.label?.trim() || null;
    if (label !== null && (label.length > MAX_LABEL || /[\u0000-\u001f\u007f]/.test(label))) {
      throw new AdminInputError(`label must be at most ${MAX_LABEL} printable characters`);
    }
    const grant = await this.store.addRoleGrant({ groupId: group.id, roleArn: role.arn, providerArn: provider.arn, label, sessionDuration });
    await this.audit('admin.grant.add', group.name, { grantId: grant.id, roleArn: role.arn, providerArn: provider.arn, sessionDuration, label });
    return grant;
  }

  async removeGrant(id: number): Promise<void> {
    const grant = (await this.store.listRoleGrants()).find((g) => g.id === id);
    if (!grant) throw new AdminInputError(`no grant with id ${id}`);
    await this.store.removeRoleGrant(id);
    await this.audit('admin.grant.remove', grant.groupName, { grantId: id, roleArn: grant.roleArn, providerArn: grant.providerArn });
  }

  /**
   * Removes a user's TOTP secret and recovery codes (lost phone), and ends their sessions and API
   * tokens: whoever holds the lost phone may have been signed in with it.
   */
  async resetSecondFactor(rawUsername: string): Promise<boolean> {
    const user = await this.userByName(rawUsername);
    const removed = await this.need('mfa').reset(user, this.actor, this.extras.clientIp ?? null);
    const ended = await this.endAccessOf(user);
    if (ended.sessionsEnded || ended.apiTokensRevoked) await this.audit('admin.user.sessions-ended', user.username, { reason: 'mfa-reset', ...ended });
    return removed;
  }

  /**
   * A one-time code (24 hours) the user types to set up a second factor at sign-in, handed over
   * through another channel than the password. Returns it to show once; only a hash is stored.
   */
  async issueMfaEnrolmentCode(rawUsername: string): Promise<{ username: string; code: string; expiresAt: Date; alreadyEnrolled: boolean }> {
    const user = await this.userByName(rawUsername);
    const mfa = this.need('mfa');
    const { code, expiresAt } = await mfa.issueEnrolmentCode(user, this.actor, this.extras.clientIp ?? null);
    return { username: user.username, code, expiresAt, alreadyEnrolled: await mfa.isEnrolled(user) };
  }

  /**
   * Forgets which directory entry a directory user is bound to, so that the next directory sign-in
   * under this name binds the account again (after a directory migration, or a sign-in refused with
   * directory_identity_mismatch that an admin checked). Their sessions and API tokens end.
   */
  async unlinkDirectoryAccount(rawUsername: string): Promise<void> {
    const user = await this.userByName(rawUsername);
    const directory = this.need('directory');
    const before = await directory.findDirectoryAccount(user.id);
    if (!before || !(await directory.unlinkDirectoryAccount(user.id))) throw new AdminInputError(`"${user.username}" is not a directory user`);
    await this.audit('admin.user.unlink-directory', user.username, { dn: before.dn || null, directoryId: before.directoryId, ...(await this.endAccessOf(user)) });
  }

  async setGroupMfaRequired(groupName: string, required: boolean): Promise<void> {
    await this.need('mfa').setGroupRequired(await this.groupByName(groupName), required, this.actor, this.extras.clientIp ?? null);
  }

  /**
   * Members of the directory group (a DN such as cn=aws-admins,ou=groups,dc=example,dc=org, or its
   * name) join this Sesame group at sign-in. A bare name is accepted but comes back with a warning
   * for the admin: it matches a group of that name in any OU.
   */
  async mapDirectoryGroup(groupName: string, directoryGroup: string): Promise<{ added: boolean; warning: string | null }> {
    const group = await this.groupByName(groupName);
    const value = directoryGroup.trim();
    if (value === '' || value.length > 512 || /[\u0000-\u001f\u007f]/.test(value)) {
      throw new AdminInputError('directory group must be a group DN or name of at most 512 printable characters');
    }
    const added = await this.need('directory').mapDirectoryGroup(value, group.id);
    const warning = bareGroupNameWarning(value);
    if (added) await this.audit('admin.group.map-directory', group.name, { directoryGroup: value, ...(warning ? { bareName: true } : {}) });
    return { added, warning };
  }

  async unmapDirectoryGroup(groupName: string, directoryGroup: string): Promise<boolean> {
    const group = await this.groupByName(groupName);
    const removed = await this.need('directory').unmapDirectoryGroup(directoryGroup.trim(), group.id);
    if (removed) await this.audit('admin.group.unmap-directory', group.name, { directoryGroup: directoryGroup.trim() });
    return removed;
  }

  async putAwsAccount(accountId: string, label: string): Promise<void> {
    const id = accountId.trim();
    if (!/^\d{12}$/.test(id)) throw new AdminInputError(`AWS account id "${id.slice(0, 40)}" must be exactly 12 digits`);
    const clean = label.trim();
    if (clean === '' || clean.length > MAX_LABEL || /[\u0000-\u001f\u007f]/.test(clean)) {
      throw new AdminInputError(`account label must be 1–${MAX_LABEL} printable characters`);
    }
    await this.need('console').putAwsAccount(id, clean);
    await this.audit('admin.aws-account.put', id, { label: clean });
  }

  async removeAwsAccount(accountId: string): Promise<void> {
    if (!(await this.need('console').removeAwsAccount(accountId.trim()))) throw new AdminInputError(`no AWS account ${accountId.slice(0, 40)} is labelled`);
    await this.audit('admin.aws-account.remove', accountId.trim());
  }

  /** Rollover step 1 (S5): a new key pair whose certificate is published beside the current one. */
  async createNextSigningKey(): Promise<string> {
    const key = await this.need('keyRing').createNext();
    await this.audit('admin.keys.create-next', key.id, { fingerprint: key.fingerprint, notAfter: key.notAfter });
    return key.id;
  }

  /** Rollover step 2: the next key signs from now on; the old one stays published as "previous". */
  async activateNextSigningKey(): Promise<string> {
    const ring = this.need('keyRing');
    const before = ring.currentKeyId();
    await ring.activateNext();
    await this.audit('admin.keys.activate', ring.currentKeyId(), { previous: before });
    return ring.currentKeyId();
  }

  /** Rollover step 3: the previous (or an unused next) key leaves the metadata. */
  async retireSigningKey(id: string): Promise<void> {
    const from = await this.need('keyRing').retire(id.trim());
    await this.audit('admin.keys.retire', id.trim(), { was: from });
  }
}

export { AccountInputError };
