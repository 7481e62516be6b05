/**
 * Storage for the LDAP/AD link: which Sesame users come from the directory, which directory groups
 * map onto which Sesame groups, and which memberships the directory sync owns.
 */

export interface DirectoryAccount {
  userId: number;
  dn: string;
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
  linkDirectoryAccount(userId: number, dn: string): Promise<void>;
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
