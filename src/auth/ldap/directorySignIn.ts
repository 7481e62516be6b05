import { AccountInputError, checkDisplayName, checkEmail, checkUsername } from '../accountRules';
import { normalizeDn } from './ldapEscape';
import type { LdapDirectory, DirectoryGroup, EntryGate } from './ldapDirectory';
import type { DirectoryStore } from '../../store/directoryStore';
import type { Store, UserRecord } from '../../store/store';

export { normalizeDn };
export type { EntryGate };

export type DirectorySignInOutcome =
  | { ok: true; user: UserRecord; entryId: string }
  /**
   * identity_mismatch: the password was right for a directory entry, but not for the one this Sesame
   * account is bound to (or that entry is bound to another account). Answered like a wrong password.
   */
  | { ok: false; reason: 'invalid' | 'disabled' | 'unavailable' | 'identity_mismatch'; detail: string; entryId?: string }
  | { ok: false; reason: 'locked'; detail: string; retryAfterSeconds: number };

/**
 * The directory as PasswordAuthenticator sees it: which usernames it answers for, and a sign-in that
 * leaves a provisioned, group-synchronised Sesame user behind.
 */
export interface DirectorySignIn {
  /** True for usernames with no local account, and for users who came from the directory. */
  handles(user: UserRecord | null): Promise<boolean>;
  /** `gate` is shown the entry's immutable id as soon as the directory names it (per-entry lockout). */
  signIn(username: string, password: string, clientIp: string, gate?: EntryGate): Promise<DirectorySignInOutcome>;
  isDirectoryUser(user: UserRecord): Promise<boolean>;
}

/**
 * A mapping that names a group by its name alone (no "="): it matches a group of that name in any
 * OU, including one a less trusted team can create. A full DN is what should be mapped.
 */
export function isBareGroupName(directoryGroup: string): boolean {
  return !directoryGroup.includes('=');
}

/** Which Sesame groups a user's directory groups map to: a mapping names a group DN or a group name. */
export function mappedGroupIds(groups: DirectoryGroup[], mappings: Array<{ directoryGroup: string; groupId: number }>): number[] {
  const dns = new Set(groups.map((g) => normalizeDn(g.dn)));
  const names = new Set(groups.map((g) => g.name.toLowerCase()));
  const ids = new Set<number>();
  for (const mapping of mappings) {
    const key = mapping.directoryGroup.includes('=') ? normalizeDn(mapping.directoryGroup) : mapping.directoryGroup.trim().toLowerCase();
    if (dns.has(key) || names.has(key)) ids.add(mapping.groupId);
  }
  return [...ids];
}

/**
 * Directory users live beside local ones: a username with a local password is local; any other is
 * asked of the directory, provisioned on first sign-in (no password stored), and at every sign-in
 * gets its profile and its directory-mapped group memberships refreshed, so AWS role grants follow
 * the directory.
 */
export class LdapDirectorySignIn implements DirectorySignIn {
  constructor(
    private readonly directory: LdapDirectory,
    private readonly links: DirectoryStore,
    private readonly store: Store,
    private readonly log: (line: string) => void,
  ) {
    for (const warning of directory.warnings()) log(`warning: ${warning}`);
    void links
      .listDirectoryGroupMappings()
      .then((mappings) => {
        const bare = mappings.filter((m) => isBareGroupName(m.directoryGroup));
        if (bare.length === 0) return;
        log(
          `warning: directory group mapping(s) by bare name match that name in any OU: ${bare.map((m) => `"${m.directoryGroup}" → ${m.groupName}`).join(', ')}; map full DNs instead (sesame group map-directory <group> <DN>)`,
        );
      })
      .catch(() => undefined);
  }

  async isDirectoryUser(user: UserRecord): Promise<boolean> {
    return (await this.links.findDirectoryAccount(user.id)) !== null;
  }

  async handles(user: UserRecord | null): Promise<boolean> {
    return user === null || (await this.isDirectoryUser(user));
  }

  async signIn(typedUsername: string, password: string, clientIp: string, gate?: EntryGate): Promise<DirectorySignInOutcome> {
    const outcome = await this.directory.authenticate(typedUsername, password, gate);
    if (!outcome.ok) {
      if (outcome.reason === 'unavailable') this.log(`directory unavailable during sign-in of "${typedUsername.slice(0, 64)}": ${outcome.detail}`);
      return outcome;
    }
    const entry = outcome.entry;
    let username: string;
    try {
      username = checkUsername(entry.username);
    } catch (error) {
      if (error instanceof AccountInputError) return { ok: false, reason: 'invalid', detail: `directory username "${entry.username.slice(0, 64)}" is not a valid Sesame username` };
      throw error;
    }
    const displayName = (() => {
      try {
        return checkDisplayName(entry.displayName, username);
      } catch {
        return username;
      }
    })();
    const email = (() => {
      try {
        return checkEmail(entry.email);
      } catch {
        return null;
      }
    })();

    let user = await this.store.findUserByUsername(username);
    if (user && !(await this.isDirectoryUser(user))) {
      // Never let a directory entry take over a local account of the same name.
      return { ok: false, reason: 'invalid', detail: `a local Sesame account is already named "${username}"`, entryId: entry.id };
    }
    // One Sesame account per directory entry, and it stays bound to that entry: the username comes
    // from an attribute (with SESAME_LDAP_USERNAME_ATTRIBUTE=mail, one users may edit), so the name
    // alone must never move an account to another entry. Re-linking is an admin's explicit act.
    const holder = await this.links.findDirectoryAccountByDirectoryId(entry.id);
    if (holder && holder.userId !== user?.id) {
      const other = await this.store.findUserById(holder.userId);
      return { ok: false, reason: 'identity_mismatch', detail: `directory entry ${entry.dn} (${entry.id}) is linked to the Sesame user "${other?.username ?? holder.userId}", not "${username}"`, entryId: entry.id };
    }
    if (!user) {
      user = await this.store.createUser({ username, displayName, email, passwordHash: null, isAdmin: false });
      await this.links.linkDirectoryAccount(user.id, entry.dn, entry.id);
      await this.store.appendAudit({ event: 'directory.user.provision', actor: 'directory', subject: username, clientIp, details: { dn: entry.dn, directoryId: entry.id } });
    } else {
      const link = (await this.links.findDirectoryAccount(user.id))!;
      const relink = link.directoryId === null && link.dn === '';
      // A link older than recorded ids is pinned by its DN once, then by the id.
      const same = link.directoryId !== null ? link.directoryId === entry.id : relink || normalizeDn(link.dn) === normalizeDn(entry.dn);
      if (!same) {
        return {
          ok: false,
          reason: 'identity_mismatch',
          detail: `"${username}" is linked to directory entry ${link.dn || '(none)'} (${link.directoryId ?? 'no id'}), but ${entry.dn} (${entry.id}) signed in`,
          entryId: entry.id,
        };
      }
      await this.links.linkDirectoryAccount(user.id, entry.dn, entry.id);
      if (relink) await this.store.appendAudit({ event: 'directory.user.relink', actor: 'directory', subject: username, clientIp, details: { dn: entry.dn, directoryId: entry.id } });
      await this.links.updateDirectoryProfile(user.id, displayName, email);
    }
    if (user.disabled) return { ok: false, reason: 'disabled', detail: 'disabled in Sesame', entryId: entry.id };

    const mappings = await this.links.listDirectoryGroupMappings();
    const { added, removed } = await this.links.syncDirectoryMemberships(user.id, mappedGroupIds(entry.groups, mappings));
    if (added.length || removed.length) {
      const name = (id: number) => mappings.find((m) => m.groupId === id)?.groupName ?? String(id);
      await this.store.appendAudit({
        event: 'directory.groups.sync',
        actor: 'directory',
        subject: username,
        clientIp,
        details: { added: added.map(name), removed: removed.map(name), directoryGroups: entry.groups.map((g) => g.dn) },
      });
    }
    return { ok: true, user: (await this.store.findUserById(user.id))!, entryId: entry.id };
  }
}

/**
 * The directory could not be asked (down, timing out, TLS or service-account trouble). Thrown by
 * PasswordAuthenticator so no channel mistakes an outage for a wrong password; the browser sign-in
 * turns it into a 503 page, other channels into their own "try again later".
 */
export class DirectoryUnavailableError extends Error {
  constructor(readonly detail: string) {
    super('The company directory cannot be reached, so directory accounts cannot sign in right now. Try again in a few minutes; if it persists, tell your administrator.');
    this.name = 'DirectoryUnavailableError';
  }
}
