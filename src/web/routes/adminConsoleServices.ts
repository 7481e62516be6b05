import 'express-session';
import type { MfaService } from '../../auth/mfaService';
import type { DirectoryStore } from '../../store/directoryStore';
import type { ConsoleStore } from '../../store/consoleStore';
import type { SigningKeyRing } from '../../saml/keys/signingKeyRing';
import type { SpRegistryStore } from '../../store/spRegistryStore';

/** What the admin console, the second-factor pages and self-service need beyond the core services. */
export interface AdminConsoleServices {
  mfa: MfaService;
  directory: DirectoryStore;
  consoleStore: ConsoleStore;
  keyRing: SigningKeyRing;
  /** Whether SESAME_LDAP_URL is set: directory sections are shown only then. */
  directoryEnabled: boolean;
  /** The SP registry (any SAML SP); the console's service-provider section needs it. */
  spRegistryStore?: SpRegistryStore;
}

declare module 'express-session' {
  interface SessionData {
    /** Password checked, second factor still to come: nobody is signed in yet (see mfaRoutes). */
    mfaPending: { userId: number; next: string; startedAt: number; stepUp?: boolean; sessionIndex?: string };
    /** A TOTP secret shown to the user and not yet confirmed with a code. */
    pendingTotp: { secret: string; startedAt: number };
    /** One message to show on the next page (post/redirect/get). */
    flash: { kind: 'notice' | 'error'; text: string };
    /** Where this session signs in from, for the user's list of active sessions. */
    client: { ip: string; userAgent: string };
  }
}
