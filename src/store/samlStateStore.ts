/** One SP holding a session that came from one IdP session (what Single Logout propagates to). */
export interface SpSessionRecord {
  /** The SessionIndex of the IdP session, as sent in every AuthnStatement of that session. */
  idpSessionIndex: string;
  spEntityId: string;
  /** The SessionIndex this SP was given (saml/spSessionIndex.ts); '' for sessions recorded before it existed. */
  spSessionIndex: string;
  nameId: string;
  nameIdFormat: string;
  /** The express-session id of the browser session, so a logout can end it without the cookie. */
  sid: string;
  userId: number;
  createdAt: number;
  expiresAt: number;
}

/** Short-lived SAML protocol state, shared by every worker process. Times are ms since the epoch. */
export interface SamlStateStore {
  /** Records a message ID from an issuer; false when it was already recorded (a replay). */
  rememberMessageId(issuer: string, messageId: string, expiresAt: number): Promise<boolean>;

  putTransaction(key: string, kind: string, data: string, expiresAt: number): Promise<void>;
  getTransaction(key: string, kind: string, now: number): Promise<string | null>;
  /** Deletes it; true when it existed (so a transaction is consumed once, even with several workers). */
  takeTransaction(key: string, kind: string): Promise<boolean>;

  recordSpSession(record: SpSessionRecord): Promise<void>;
  listSpSessions(idpSessionIndex: string, now: number): Promise<SpSessionRecord[]>;
  findSpSessionsBySubject(spEntityId: string, nameId: string, now: number): Promise<SpSessionRecord[]>;
  removeSpSessions(idpSessionIndex: string): Promise<void>;

  purgeExpired(now: number): Promise<void>;
}
