/**
 * Sizes checked BEFORE any decoding or parsing work is spent on a message. A real AuthnRequest or
 * LogoutRequest is 1–10 KB; these limits leave room for large signed messages and certificates
 * while keeping a hostile one cheap to refuse.
 */
export const INTAKE_LIMITS = {
  /** Base64 characters of a SAMLRequest/SAMLResponse parameter. */
  maxEncodedChars: 96 * 1024,
  /** Raw bytes of a POST body or query string carrying a SAML message. */
  maxRawBytes: 128 * 1024,
  /** Bytes a DEFLATEd Redirect message may inflate to (a DEFLATE bomb stops here, not in memory). */
  maxInflatedBytes: 128 * 1024,
  /** XML text of one protocol message. */
  maxXmlBytes: 128 * 1024,
  /** Element nesting; SAML protocol messages are a handful of levels deep. */
  maxDepth: 24,
  maxElements: 2_000,
  maxAttributesPerElement: 32,
} as const;

/** Metadata an admin hands over is larger (many endpoints, certificates, extensions) but still bounded. */
export const METADATA_LIMITS = {
  maxXmlBytes: 2 * 1024 * 1024,
  maxDepth: 32,
  maxElements: 50_000,
  maxAttributesPerElement: 64,
} as const;
