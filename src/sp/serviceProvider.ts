/** A service provider as the registry keeps it: what its metadata says, and what an admin decided. */

export const BINDING_HTTP_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
export const BINDING_HTTP_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

export interface SpEndpoint {
  binding: string;
  location: string;
  /** ACS only: md:IndexedEndpointType index and isDefault. */
  index?: number;
  isDefault?: boolean;
  /** SLO only: where LogoutResponses go when it differs from Location. */
  responseLocation?: string;
}

/** Which NameID an SP gets. persistent: opaque HMAC per user and SP; transient: random per session; email; username. */
export type NameIdKind = 'persistent' | 'transient' | 'email' | 'username';

export interface SpSettings {
  displayName: string;
  nameId: NameIdKind;
  /** Attribute mappers run in this order (sp/release/attributeMappers.ts). */
  attributeRelease: string[];
  signResponse: boolean;
  signAssertion: boolean;
  encryptAssertion: boolean;
  /** Sesame groups whose members may use the SP; empty means every signed-in user. */
  allowedGroups: string[];
  /** Require signed AuthnRequests even when the SP's metadata does not promise them. */
  requireSignedRequests: boolean;
  /** Accept RSA-SHA1/SHA-1 signatures from this SP (only for SPs that cannot do better). */
  allowSha1: boolean;
  /** Audience of the assertions; defaults to the entityID. */
  audience: string | null;
  /** RelayState sent with IdP-initiated launches from the portal (the SP's start page), if any. */
  launchRelayState: string | null;
  assertionLifetimeSeconds: number;
  /**
   * Accept plain-http ACS endpoints that are not on loopback (assertions then cross the network
   * unencrypted). Absent in settings stored before it existed, which reads as false.
   */
  allowHttpAcs?: boolean;
}

/** What the SP's metadata says about it (replaced when new metadata is uploaded). */
export interface SpMetadataFacts {
  entityId: string;
  acs: SpEndpoint[];
  slo: SpEndpoint[];
  /** Base64 DER certificates used to verify the SP's signatures. */
  signingCertificates: string[];
  /** Base64 DER certificates assertions are encrypted to (the first is used). */
  encryptionCertificates: string[];
  authnRequestsSigned: boolean;
  wantAssertionsSigned: boolean;
  /** md:NameIDFormat values, in the metadata's order of preference. */
  nameIdFormats: string[];
}

export interface ServiceProvider extends SpMetadataFacts {
  id: number;
  settings: SpSettings;
  /** "metadata": registered by an admin; "config": kept in step with Sesame's configuration (the AWS console). */
  source: 'metadata' | 'config';
  metadataXml: string | null;
  createdAt: string;
  updatedAt: string;
}

export const DEFAULT_RELEASE = ['uid', 'mail', 'displayName'];
export const DEFAULT_ASSERTION_LIFETIME_SECONDS = 300;

/** The ACS an SP gets when a request names none: isDefault, else the lowest index, else the first (SAML metadata 2.2.3). */
export function defaultAcs(sp: SpMetadataFacts): SpEndpoint | null {
  const post = sp.acs.filter((e) => e.binding === BINDING_HTTP_POST);
  if (post.length === 0) return null;
  const flagged = post.find((e) => e.isDefault === true);
  if (flagged) return flagged;
  const unflagged = post.filter((e) => e.isDefault !== false);
  const pool = unflagged.length > 0 ? unflagged : post;
  return [...pool].sort((a, b) => (a.index ?? 0) - (b.index ?? 0))[0]!;
}
