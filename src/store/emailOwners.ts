/** Who holds an e-mail address, for the one decision that needs it: an e-mail NameID must name exactly one user. */
export interface EmailOwners {
  /** Enabled users whose e-mail address is `email`, compared case-insensitively. */
  countActiveUsersWithEmail(email: string): Promise<number>;
}
