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
import { awsSsoRoutes } from './routes/awsSsoRoutes';
import { metadataRoutes } from './routes/metadataRoutes';
import { samlSsoRoutes } from './routes/samlSsoRoutes';
import type { Config } from '../config/config';
import type { Store } from '../store/store';
import type { PasswordAuthenticator } from '../auth/passwordAuthenticator';
import type { FirstAdminSetup } from '../auth/firstAdminSetup';
import type { ConsoleSso } from '../aws/consoleSso';

export interface AppServices {
  config: Config;
  store: Store;
  sessionSecret: string;
  authenticator: PasswordAuthenticator;
  setup: FirstAdminSetup;
  consoleSso: ConsoleSso;
  metadataXml: () => string;
  log: (line: string) => void;
}

export const VIEWS_DIR = path.resolve(__dirname, '../../../views');

/** The Express application: middleware and routes only; every decision lives in the services it is handed. */
export function createApp(services: AppServices): express.Express {
  const { config, store } = services;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('views', VIEWS_DIR);
  app.set('view engine', 'ejs');
  // Compiled templates are cached for the life of the process: nothing is parsed per request.
  app.enable('view cache');
  app.set('query parser', 'simple');

  app.use(securityHeaders(config.secureCookies));
  app.use('/assets', express.static(path.join(VIEWS_DIR, 'assets'), { maxAge: '1h', index: false }));
  app.use(metadataRoutes(services));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.use(
    session({
      name: 'sesame.sid',
      secret: services.sessionSecret,
      store: new StoreSessionStore(store),
      resave: false,
      saveUninitialized: false,
      rolling: true,
      unset: 'destroy',
      cookie: {
        httpOnly: true,
        sameSite: 'lax',
        secure: config.secureCookies,
        path: '/',
        maxAge: config.sessionIdleSeconds * 1000,
      },
    }),
  );
  app.use(express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 50 }));
  app.use(loadSignedInUser(store, config.sessionMaxSeconds));

  app.use(setupRoutes(services));
  app.use(loginRoutes(services));
  app.use(portalRoutes(services));
  app.use(awsSsoRoutes(services));
  app.use(samlSsoRoutes(services));

  app.use(() => {
    throw new HttpError(404, 'Not found', 'There is no page at this address.');
  });
  app.use(errorHandler(services.log));
  return app;
}
