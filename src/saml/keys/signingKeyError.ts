/**
 * Why a signing key or certificate could not be loaded, created or used. The code lets callers (the
 * CLI, start-up checks) branch; the message names the file and the fix for the admin.
 */
export type SigningKeyErrorCode =
  /** An option passed by Sesame's own configuration is out of range. */
  | 'invalid-option'
  /** Exactly one of key/certificate exists; we refuse to regenerate over an uploaded certificate. */
  | 'half-present'
  /** A file could not be read or written (permissions, not a regular file, disk full…). */
  | 'io'
  /** The private key file is not a usable unencrypted RSA private key. */
  | 'invalid-key'
  /** The RSA key is shorter than Sesame accepts. */
  | 'weak-key'
  /** The certificate file does not hold a parseable X.509 certificate. */
  | 'invalid-certificate'
  /** The certificate's public key is not the public half of the private key. */
  | 'key-certificate-mismatch';

/**
 * Messages never contain key material: only file paths, sizes and algorithm names. Callers may log
 * `message` freely. We deliberately do not chain the underlying crypto error as `cause`.
 */
export class SigningKeyError extends Error {
  override readonly name = 'SigningKeyError';

  constructor(
    readonly code: SigningKeyErrorCode,
    message: string,
    /** The file the problem is about, when there is one. */
    readonly filePath?: string,
  ) {
    super(message);
  }
}
