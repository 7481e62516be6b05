import type { AuthnRequest } from '../../saml/authnRequest';
import type { SamlStatus } from '../../saml/buildResponse';
import type { UserRecord } from '../../store/store';
import type { NameIdKind } from '../serviceProvider';

/** A SAML message as it reached /saml/sso or /saml/slo: the binding and the raw query string or form body. */
export interface IncomingSaml {
  binding: 'redirect' | 'post';
  raw: string;
}

/** The signed-in browser session an assertion is issued from. */
export interface IdpSession {
  user: UserRecord;
  authnInstant: Date;
  sessionIndex: string;
  secondFactor: boolean;
  /** The express-session id: Single Logout ends this session even when the logout request arrives without cookies. */
  sid: string;
}

/** A login started by an SP, waiting (under a random key) for the user to sign in. */
export interface SsoTransaction {
  spEntityId: string;
  requestId: string;
  /** The ACS chosen when the request arrived (for the audit line); resume chooses again from requestedAcs. */
  acsUrl: string;
  /** What the AuthnRequest asked for; absent in transactions stored before it was kept. */
  requestedAcs?: { acsUrl: string | null; acsIndex: number | null };
  /** base64url SHA-256 of the nonce in the starting browser's transaction cookie. */
  browserBinding?: string;
  relayState: string | null;
  forceAuthn: boolean;
  isPassive: boolean;
  nameId: NameIdKind;
  requestedAuthnContext: AuthnRequest['requestedAuthnContext'];
  createdAt: number;
}

/**
 * A failure the SP should hear about: it goes back to the SP's registered ACS as a signed SAML
 * error Response (never to an address taken from the request).
 */
export class SamlReplyError extends Error {
  constructor(readonly rule: string, readonly status: SamlStatus) {
    super(status.message ?? status.subCode ?? status.code);
    this.name = 'SamlReplyError';
  }
}
