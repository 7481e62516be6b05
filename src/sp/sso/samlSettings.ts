/** The IdP-side SAML settings the SP flows need, taken from Config once at start. */
export interface SamlIdpSettings {
  entityId: string;
  ssoUrl: string;
  sloUrl: string;
  /** IdP policy: every AuthnRequest must be signed. */
  requireSignedRequests: boolean;
  maxRequestAgeSeconds: number;
  clockSkewSeconds: number;
  relayStateMaxBytes: number;
  /** How long a started login or logout may wait for the user. */
  transactionSeconds: number;
  /** Whether users reach us over TLS: decides the AuthnContextClassRef we may claim. */
  overTls: boolean;
  /** SP sessions are remembered for Single Logout as long as an IdP session can last. */
  sessionMaxSeconds: number;
}
