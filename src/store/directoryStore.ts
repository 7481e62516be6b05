/**
 * Storage for the LDAP/AD link: which Sesame users come from the directory, which directory groups
 * map onto which Sesame groups, and which memberships the directory sync owns.
 */

export interface DirectoryAccount {
  userId: number;
  /** The entry's DN at the last sign-in; '' once an admin unlinked the account. */
  dn: string;
  /**
   * The entry's immutable identifier ("entryUUID:…", "objectGUID:…", or "dn:…" when the server has
   * neither), fixed at provisioning. Null for a link made before identifiers were recorded (then the
   * DN is compared once) or after an admin unlinked the account (then the next sign-in links afresh).
   */
  directoryId: string | null;
  syncedAt: string;
}

export interface DirectoryGroupMapping {
  /** A group DN or a group name (its cn / sAMAccountName), compared case-insensitively. */
  directoryGroup: string;
  groupId: number;
  groupName: string;
}

export interface DirectoryStore {
  findDirectoryAccount(userId: number): Promise<DirectoryAccount | null>;
  /** The Sesame user linked to this directory entry, if any. */
  findDirectoryAccountByDirectoryId(directoryId: string): Promise<DirectoryAccount | null>;
  /** Links (or re-confirms the link of) a user to the entry with this DN and immutable id. */
  linkDirectoryAccount(userId: number, dn: string, directoryId: string): Promise<void>;
  /**
   * Forgets which entry a directory user is linked to (an admin's explicit re-link): the user stays a
   * directory user and the next successful directory sign-in under this name links them again.
   * False when the user is not a directory user.
   */
  unlinkDirectoryAccount(userId: number): Promise<boolean>;
  listDirectoryAccounts(): Promise<DirectoryAccount[]>;
  /** Copies display name and email from the directory entry onto the Sesame user at each sign-in. */
  updateDirectoryProfile(userId: number, displayName: string, email: string | null): Promise<void>;

  mapDirectoryGroup(directoryGroup: string, groupId: number): Promise<boolean>;
  unmapDirectoryGroup(directoryGroup: string, groupId: number): Promise<boolean>;
  listDirectoryGroupMappings(): Promise<DirectoryGroupMapping[]>;

  /**
   * Makes the directory-owned memberships of `userId` exactly `groupIds`: adds the missing ones (to
   * the memberships and to the directory-owned list), removes directory-owned ones no longer given,
   * and leaves memberships an admin added by hand alone. Returns what changed, for the audit log.
   */
  syncDirectoryMemberships(userId: number, groupIds: number[]): Promise<{ added: number[]; removed: number[] }>;
}
