import 'express-session';

declare module 'express-session' {
  interface SessionData {
    /** Synchronizer CSRF token for every form of this session. */
    csrfToken: string;
    userId: number;
    /** When the user authenticated (ms since epoch): AuthnInstant, and the start of the absolute session limit. */
    authnInstant: number;
    /** SAML SessionIndex shared by every assertion issued from this IdP session. */
    sessionIndex: string;
    /** True once the user also passed a second factor in this session (changes AuthnContextClassRef). */
    secondFactor: boolean;
    /** For a directory user: the entry's immutable id at sign-in; the session ends if the link changes (web/signedInUser.ts). */
    directoryId: string;
  }
}
