import { hashPassword } from '../auth/passwordHash';
import { AccountInputError, checkDisplayName, checkEmail, checkNewPassword, checkUsername } from '../auth/accountRules';
import { checkRoleProviderPair } from '../aws/arn';
import { checkSessionDuration } from '../aws/sessionDuration';
import type { GroupRecord, RoleGrantRecord, Store, UserRecord } from '../store/store';

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
  constructor(private readonly store: Store, private readonly actor: string) {}

  private audit(event: string, subject: string, details: Record<string, unknown> = {}) {
    return this.store.appendAudit({ event, actor: this.actor, subject, details });
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
    await this.store.setPasswordHash(user.id, await hashPassword(checkNewPassword(password, user.username)));
    await this.audit('admin.user.password', user.username);
  }

  async setDisabled(rawUsername: string, disabled: boolean): Promise<void> {
    const user = await this.userByName(rawUsername);
    if (disabled && user.isAdmin && !user.disabled && (await this.store.countAdmins()) === 1) {
      throw new AdminInputError(`"${user.username}" is the only enabled administrator; create another admin first`);
    }
    await this.store.setUserDisabled(user.id, disabled);
    await this.audit(disabled ? 'admin.user.disable' : 'admin.user.enable', user.username);
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
}

export { AccountInputError };
