/**
 * Storage for the signing key ring: which key files exist and the state of each. The key material
 * itself stays in files (mode 0600) next to the configured signing key; the database holds paths,
 * states and a version number every worker polls to notice a switch made by another worker.
 */

export type SigningKeyState = 'next' | 'current' | 'previous' | 'retired';

export interface SigningKeyRecord {
  id: string;
  state: SigningKeyState;
  keyPath: string;
  certPath: string;
  notAfter: string;
  createdAt: string;
  activatedAt: string | null;
  retiredAt: string | null;
}

export interface SigningKeyStore {
  listSigningKeys(): Promise<SigningKeyRecord[]>;
  /** Adds a key (first start: as current; rollover: as next) and bumps the ring version. */
  addSigningKey(key: Omit<SigningKeyRecord, 'createdAt' | 'activatedAt' | 'retiredAt'>): Promise<void>;
  /**
   * Applies several state changes as one transaction and bumps the ring version. Fails as a whole
   * (StoreConflictError) when a precondition no longer holds: another admin changed the ring first.
   */
  changeSigningKeyStates(changes: Array<{ id: string; from: SigningKeyState; to: SigningKeyState }>): Promise<void>;
  /** Increases on every change of the ring; workers compare it to notice changes made elsewhere. */
  signingKeyRingVersion(): Promise<number>;
}
