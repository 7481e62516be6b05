import path from 'node:path';
import express from 'express';
import session from 'express-session';
import './sessionData';
import { StoreSessionStore } from './storeSessionStore';
import { securityHeaders } from './securityHeaders';
import { loadSignedInUser } from './signedInUser';
import { errorHandler } from './errorHandler';
import { HttpError } from './httpError';
import { loginRoutes } from './routes/loginRoutes';
import { setupRoutes } from './routes/setupRoutes';
import { portalRoutes } from './routes/portalRoutes';
import { awsSsoRoutes, issueAwsConsoleSignIn } from './routes/awsSsoRoutes';
import { readStoredSession } from './storedSession';
import { SESSION_COOKIE_NAME, sessionCookieOptions } from './sessionCookie';
import { metadataRoutes } from './routes/metadataRoutes';
import { samlSsoRoutes } from './routes/samlSsoRoutes';
import { samlSloRoutes } from './routes/samlSloRoutes';
import { samlRawBody } from './routes/samlRawBody';
import { samlRateLimit } from './samlRateLimit';
import type { SpSso } from '../sp/sso/spSso';
import type { SingleLogout } from '../sp/slo/singleLogout';
import type { EnvelopedSigner } from '../saml/xmlDsig';
import { apiRoutes } from './routes/apiRoutes';
import { ecpRoutes } from './routes/ecpRoutes';
import type { Config } from '../config/config';
import type { Store } from '../store/store';
import type { PasswordAuthenticator } from '../auth/passwordAuthenticator';
import type { FirstAdminSetup } from '../auth/firstAdminSetup';
import type { ConsoleSso } from '../aws/consoleSso';
import type { NonBrowserSignIn } from '../auth/nonBrowserSignIn';
import type { ApiTokenService } from '../auth/apiTokens';
import type { SecondFactorCheck } from '../auth/secondFactor';
import { mfaRoutes } from './routes/mfaRoutes';
import { accountRoutes } from './routes/accountRoutes';
import { adminRoutes } from './routes/adminRoutes';
import type { AdminConsoleServices } from './routes/adminConsoleServices';

export interface AppServices {
  config: Config;
  store: Store;
  sessionSecret: string;
  authenticator: PasswordAuthenticator;
  setup: FirstAdminSetup;
  consoleSso: ConsoleSso;
  /** Password + second factor for clients without a browser (JSON API, ECP). */
  nonBrowserSignIn: NonBrowserSignIn;
  apiTokens: ApiTokenService;
  metadataXml: () => string;
  log: (line: string) => void;
  /** SAML with any registered SP (issue 4): SP-initiated SSO, launch, Single Logout; absent, /saml/sso answers 501. */
  saml?: { spSso: SpSso; singleLogout: SingleLogout; signer: () => EnvelopedSigner };
  /** Second factor, self-service and the admin console (issue 5); absent, those pages do not exist. */
  adminConsole?: AdminConsoleServices;
  /**
   * Who must give a second factor, checked on every request of a password-only session and API
   * token (a policy can change after sign-in); defaults to the admin console's MfaService.
   */
  secondFactor?: SecondFactorCheck;
}

export const VIEWS_DIR = path.resolve(__dirname, '../../../views');

/**
 * How long a session that nobody signed in to lives (the CSRF token of the sign-in form, a pending
 * second factor): every visit to /login stores one, so they must not stay for the full idle time.
 */
export const ANONYMOUS_SESSION_SECONDS = 15 * 60;

/** The Express application: middleware and routes only; every decision lives in the services it is handed. */
export function createApp(services: AppServices): express.Express {
  const { config, store } = services;
  const secondFactor = services.secondFactor ?? services.adminConsole?.mfa;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('views', VIEWS_DIR);
  app.set('view engine', 'ejs');
  // Compiled templates are cached for the life of the process: nothing is parsed per request.
  app.enable('view cache');
  app.set('query parser', 'simple');
  // Every page is Cache-Control: no-store, so an ETag (a SHA-1 of each body) would never be used.
  app.set('etag', false);
  const sessionChecks = { secondFactor, directory: services.adminConsole?.directory };

  app.use(securityHeaders(config.secureCookies));
  // The hot path (issue 6): a signed-in browser asking for the AWS console is served before any
  // other middleware, its session read straight from the store; whatever that reader does not
  // accept goes on through the stack below to the same handler (awsSsoRoutes).
  app.get(
    '/aws/sso',
    readStoredSession({
      store,
      sessionSecret: services.sessionSecret,
      maxSessionSeconds: config.sessionMaxSeconds,
      checks: sessionChecks,
      tracksClients: services.adminConsole !== undefined,
    }),
    issueAwsConsoleSignIn(services),
  );
  app.use('/assets', express.static(path.join(VIEWS_DIR, 'assets'), { maxAge: '1h', index: false }));
  app.use(metadataRoutes(services));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // Before anything spends work on them (session lookup, body, parse, audit): per-address limit on the unauthenticated SAML endpoints.
  app.use(samlRateLimit(config.saml.rateLimit));
  // Non-browser clients authenticate every call themselves (bearer token, HTTP Basic): mounted
  // before the session middleware so they never get or use a cookie, hence need no CSRF token.
  app.use('/api', apiRoutes({ ...services, secondFactor }));
  app.use(ecpRoutes(services));

  app.use(
    session({
      name: SESSION_COOKIE_NAME,
      secret: services.sessionSecret,
      store: new StoreSessionStore(store),
      resave: false,
      saveUninitialized: false,
      rolling: true,
      unset: 'destroy',
      cookie: { ...sessionCookieOptions(config.secureCookies), maxAge: config.sessionIdleSeconds * 1000 },
    }),
  );
  // Before the form parser: SAML POST endpoints read their raw body (parameter names as sent).
  app.use(samlRawBody(store));
  app.use(express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 50 }));
  app.use(loadSignedInUser(store, config.sessionMaxSeconds, sessionChecks));
  // Sign-in regenerates the session, which then gets the configured idle time again.
  const anonymousMs = Math.min(ANONYMOUS_SESSION_SECONDS, config.sessionIdleSeconds) * 1000;
  app.use((req, _res, next) => {
    if (req.session.userId === undefined) req.session.cookie.maxAge = anonymousMs;
    next();
  });

  app.use(setupRoutes(services));
  app.use(loginRoutes(services));
  if (services.adminConsole) {
    const adminConsole = services.adminConsole;
    app.use(mfaRoutes({ store, mfa: adminConsole.mfa, directory: adminConsole.directory }));
    app.use(accountRoutes({ ...services, adminConsole }));
    app.use(adminRoutes({ store, adminConsole, apiTokens: services.apiTokens }));
  }
  app.use(portalRoutes(services));
  app.use(awsSsoRoutes(services));
  app.use(samlSsoRoutes(services));
  app.use(samlSloRoutes({ store, singleLogout: services.saml?.singleLogout }));

  app.use(() => {
    throw new HttpError(404, 'Not found', 'There is no page at this address.');
  });
  app.use(errorHandler(services.log));
  return app;
}
