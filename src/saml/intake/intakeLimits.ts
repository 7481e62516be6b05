/**
 * Sizes checked BEFORE any decoding or parsing work is spent on a message. A real AuthnRequest or
 * LogoutRequest is 1–10 KB (a signed one with its certificate in KeyInfo stays under 8 KB); these
 * limits leave room for that while keeping a hostile one cheap to refuse. Every limit of the XML
 * itself is counted on the text by scanXmlStructure before @xmldom/xmldom builds a tree.
 */
export const INTAKE_LIMITS = {
  /** Base64 characters of a SAMLRequest/SAMLResponse parameter (32 KiB of XML is 43,692). */
  maxEncodedChars: 48 * 1024,
  /** Raw bytes of a POST body or query string carrying a SAML message. */
  maxRawBytes: 128 * 1024,
  /** Bytes a DEFLATEd message may inflate to: the XML limit (a DEFLATE bomb stops here, not in memory). */
  maxInflatedBytes: 32 * 1024,
  /** XML text of one protocol message. */
  maxXmlBytes: 32 * 1024,
  /** Element nesting; SAML protocol messages are a handful of levels deep. */
  maxDepth: 24,
  maxElements: 2_000,
  maxAttributesPerElement: 32,
  /** xmlns declarations in the whole message; a signed AuthnRequest has fewer than ten. */
  maxNamespaceDeclarations: 32,
} as const;

/** Metadata an admin hands over is larger (many endpoints, certificates, extensions) but still bounded. */
export const METADATA_LIMITS = {
  maxXmlBytes: 2 * 1024 * 1024,
  maxDepth: 32,
  maxElements: 50_000,
  maxAttributesPerElement: 64,
  maxNamespaceDeclarations: 4_096,
} as const;
