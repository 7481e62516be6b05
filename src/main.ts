import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import { ConfigError, parseConfig, type Config } from './config/config';
import { SqliteStore } from './store/sqliteStore';
import { SigningKeyError } from './saml/keys/signingKey';
import { SigningKeyRing } from './saml/keys/signingKeyRing';
import { SqliteSigningKeyStore } from './store/sqliteSigningKeyStore';
import { MfaService } from './auth/mfaService';
import { SqliteMfaStore } from './store/sqliteMfaStore';
import { SqliteDirectoryStore } from './store/sqliteDirectoryStore';
import { SqliteConsoleStore } from './store/sqliteConsoleStore';
import { LdapDirectory } from './auth/ldap/ldapDirectory';
import { LdapDirectorySignIn } from './auth/ldap/directorySignIn';
import { buildIdpMetadata } from './saml/idpMetadata';
import { LoginThrottle } from './auth/loginThrottle';
import { PasswordAuthenticator } from './auth/passwordAuthenticator';
import { FirstAdminSetup } from './auth/firstAdminSetup';
import { ConsoleSso } from './aws/consoleSso';
import { createApp } from './web/app';
import { createSamlServices, seedServiceProviders } from './sp/samlServices';
import { ApiTokenService } from './auth/apiTokens';
import { NonBrowserSignIn } from './auth/nonBrowserSignIn';
import { SqliteApiTokenStore } from './store/sqliteApiTokenStore';
import { ECP_PATH } from './web/routes/ecpRoutes';
import cluster from 'node:cluster';
import os from 'node:os';
import { configureSharedKdfThreads } from './auth/kdfThreads';
import { runClusterPrimary, type PreparedInstallation } from './cluster/clusterPrimary';
import { serveAsClusterWorker } from './cluster/clusterWorker';
import { startWalCheckpoints } from './cluster/walCheckpoints';

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

/**
 * The signing key ring (current, next and previous keys; rollover from the admin console), seeded
 * with the configured key pair, which is generated on the very first start.
 */
function signingKeyRingFor(config: Config, store: SqliteStore, say: (line: string) => void): Promise<SigningKeyRing> {
  return SigningKeyRing.open({
    store: new SqliteSigningKeyStore(store.db),
    keyPath: config.signingKeyPath,
    certPath: config.signingCertPath,
    commonName: `Sesame IdP ${new URL(config.baseUrl).hostname}`,
    modulusLength: config.signingKeyBits,
    log: say,
  });
}

function announceListening(config: Config, port: number, workers: number, setupToken: string | null): void {
  const processes = workers > 1 ? `, ${workers} worker processes` : '';
  log(`Sesame listening on ${config.tls ? 'https' : 'http'}://${config.host}:${port} (base URL ${config.baseUrl}, entityID ${config.entityId}${processes})`);
  if (setupToken) {
    log(`no administrator exists yet: create the first one at ${config.baseUrl}/setup?token=${setupToken} (valid 24 hours, once)`);
    log(`  or run: npm run sesame -- user add <name> --admin --password-stdin`);
  }
}

export interface StartOptions {
  /**
   * 'worker' when this process is one of several cluster workers (src/cluster): the primary already
   * ran the once-per-start work (prepareInstallation), announces the address, owns the setup token
   * and purges expired rows, so the worker does none of that.
   */
  role?: 'single' | 'worker';
}

/** The composition root: config → store → keys → services → app → listening server. */
export async function startSesame(config: Config, options: StartOptions = {}): Promise<{ server: http.Server; close: () => Promise<void> }> {
  const worker = options.role === 'worker';
  // Password hashing gets this process's share of the cores (one thread per worker per core).
  configureSharedKdfThreads(Math.max(1, Math.round(os.availableParallelism() / config.workers)));
  const store = SqliteStore.open(config.dataDir);
  // The primary checkpoints the WAL for the workers (cluster/walCheckpoints.ts): no fsync stalls a request.
  if (worker) store.db.pragma('wal_autocheckpoint = 0');
  const keyRing = await signingKeyRingFor(config, store, worker ? () => undefined : log);
  // Every process re-reads the ring within a second of a switch made in another one.
  keyRing.startWatching();

  const sessionSecret = config.sessionSecret ?? (await store.getOrCreateSetting('session_secret', () => randomBytes(32).toString('base64url')));
  const nameIdSecret = await store.getOrCreateSetting('nameid_secret', () => randomBytes(32).toString('base64url'));
  // Signs with whichever key the ring says is current at that moment.
  const signer = keyRing.signer;
  const buildMetadata = (signingCertificates: string[]) => buildIdpMetadata({
    entityId: config.entityId,
    signingCertificates,
    ssoUrl: `${config.baseUrl}/saml/sso`,
    ecpUrl: `${config.baseUrl}${ECP_PATH}`,
    sloUrl: `${config.baseUrl}/saml/slo`,
    wantAuthnRequestsSigned: config.saml.requireSignedRequests,
  });
  const throttle = new LoginThrottle(store);
  const directoryStore = new SqliteDirectoryStore(store.db);
  const directory = config.ldap ? new LdapDirectorySignIn(new LdapDirectory(config.ldap), directoryStore, store, log) : null;
  const authenticator = await PasswordAuthenticator.create(store, throttle, directory);
  const mfa = new MfaService(new SqliteMfaStore(store.db), store, {
    issuer: `Sesame (${new URL(config.baseUrl).hostname})`,
    pepper: await store.getOrCreateSetting('mfa_pepper', () => randomBytes(32).toString('base64url')),
  });
  const setup = new FirstAdminSetup(store);
  const apiTokens = new ApiTokenService(store, new SqliteApiTokenStore(store.db), config.nonBrowser.apiTokenSeconds);
  // The JSON API and ECP ask for a one-time code through the same SecondFactorCheck as the browser.
  const nonBrowserSignIn = new NonBrowserSignIn(authenticator, mfa, store);
  // Any SAML SP (issue 4): the registry (AWS consoles included), SP-initiated SSO and Single Logout.
  if (!worker) await seedServiceProviders(config, store);
  const saml = createSamlServices(config, store, () => keyRing.current(), nameIdSecret, mfa);
  const consoleSso = new ConsoleSso(
    store,
    signer,
    {
      entityId: config.entityId,
      signinUrl: config.aws.signinUrl,
      signinPartition: config.aws.signinPartition,
      audience: config.aws.audience,
      signResponse: config.aws.signResponse,
      assertionLifetimeSeconds: config.aws.assertionLifetimeSeconds,
      overTls: config.baseUrl.startsWith('https:'),
    },
    nameIdSecret,
    saml.sps,
    mfa,
  );

  const app = createApp({ config, store, sessionSecret, authenticator, setup, consoleSso, nonBrowserSignIn, apiTokens, metadataXml: () => keyRing.metadataXml(buildMetadata), log, saml,
    adminConsole: { mfa, directory: directoryStore, consoleStore: new SqliteConsoleStore(store.db), keyRing, directoryEnabled: config.ldap !== null, spRegistryStore: saml.sps },
  });
  const server = config.tls
    ? https.createServer({ key: fs.readFileSync(config.tls.keyPath), cert: fs.readFileSync(config.tls.certPath) }, app)
    : http.createServer(app);
  server.headersTimeout = 20_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  if (!worker) announceListening(config, port, 1, await setup.issueTokenIfNeeded());

  const purge = worker ? undefined : setInterval(() => void store.purgeExpired(Date.now()).catch(() => undefined), 10 * 60 * 1000);
  purge?.unref();
  return {
    server,
    close: async () => {
      clearInterval(purge);
      keyRing.stopWatching();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      await store.close();
    },
  };
}

/**
 * The cluster primary's once-per-start work, before any worker forks: migrations, signing-key
 * generation, installation secrets and the first-admin setup token. N workers starting at once then
 * only read them, instead of racing to create a key or each printing a different setup link.
 */
export async function prepareInstallation(config: Config): Promise<PreparedInstallation> {
  const store = SqliteStore.open(config.dataDir);
  let setupToken: string | null;
  try {
    await signingKeyRingFor(config, store, log);
    if (config.sessionSecret === null) await store.getOrCreateSetting('session_secret', () => randomBytes(32).toString('base64url'));
    await store.getOrCreateSetting('nameid_secret', () => randomBytes(32).toString('base64url'));
    await seedServiceProviders(config, store);
    setupToken = await new FirstAdminSetup(store).issueTokenIfNeeded();
  } catch (error) {
    await store.close();
    throw error;
  }
  const purge = setInterval(() => void store.purgeExpired(Date.now()).catch(() => undefined), 10 * 60 * 1000);
  purge.unref();
  const checkpoints = startWalCheckpoints(store.db);
  return {
    announce: (port) => announceListening(config, port, config.workers, setupToken),
    close: async () => {
      clearInterval(purge);
      checkpoints.stop();
      await store.close();
    },
  };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = parseConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`sesame: configuration error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  try {
    if (config.workers > 1 && cluster.isPrimary) {
      await runClusterPrimary({ workers: config.workers, prepare: () => prepareInstallation(config), log });
      return;
    }
    if (cluster.isWorker) return serveAsClusterWorker(await startSesame(config, { role: 'worker' }), log);
    // Handlers first: a supervisor may signal the moment it reads "Sesame listening", and a SIGTERM
    // without a handler kills the process on the spot. One that arrives while starting is kept.
    let running: Awaited<ReturnType<typeof startSesame>> | undefined;
    let stopRequested = false;
    const stop = () => {
      if (!running) {
        stopRequested = true;
        return;
      }
      log('shutting down');
      void running.close().then(() => process.exit(0));
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    running = await startSesame(config, { role: 'single' });
    if (stopRequested) stop();
  } catch (error) {
    if (error instanceof SigningKeyError) {
      process.stderr.write(`sesame: signing key: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`sesame: could not start: ${(error as Error).message}\n`);
    process.exit(1);
  }
}

if (require.main === module) void main();
