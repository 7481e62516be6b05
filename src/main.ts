import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import { ConfigError, parseConfig, type Config } from './config/config';
import { SqliteStore } from './store/sqliteStore';
import { ensureSigningKey, SigningKeyError } from './saml/keys/signingKey';
import { EnvelopedSigner } from './saml/xmlDsig';
import { buildIdpMetadata } from './saml/idpMetadata';
import { LoginThrottle } from './auth/loginThrottle';
import { PasswordAuthenticator } from './auth/passwordAuthenticator';
import { FirstAdminSetup } from './auth/firstAdminSetup';
import { ConsoleSso } from './aws/consoleSso';
import { createApp } from './web/app';

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

/** The composition root: config → store → keys → services → app → listening server. */
export async function startSesame(config: Config): Promise<{ server: http.Server; close: () => Promise<void> }> {
  const store = SqliteStore.open(config.dataDir);
  const { key, created } = await ensureSigningKey({
    keyPath: config.signingKeyPath,
    certPath: config.signingCertPath,
    commonName: `Sesame IdP ${new URL(config.baseUrl).hostname}`,
    modulusLength: config.signingKeyBits,
  });
  if (created) log(`generated a new ${config.signingKeyBits}-bit signing key (${key.id}) at ${config.signingKeyPath}`);
  else log(`signing key ${key.id} loaded; certificate valid until ${key.notAfter.toISOString()}`);

  const sessionSecret = config.sessionSecret ?? (await store.getOrCreateSetting('session_secret', () => randomBytes(32).toString('base64url')));
  const nameIdSecret = await store.getOrCreateSetting('nameid_secret', () => randomBytes(32).toString('base64url'));
  const signer = new EnvelopedSigner(key);
  const metadataXml = buildIdpMetadata({
    entityId: config.entityId,
    signingCertificates: [key.certificateBase64],
    ssoUrl: `${config.baseUrl}/saml/sso`,
  });
  const throttle = new LoginThrottle(store);
  const authenticator = await PasswordAuthenticator.create(store, throttle);
  const setup = new FirstAdminSetup(store);
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
  );

  const app = createApp({ config, store, sessionSecret, authenticator, setup, consoleSso, metadataXml: () => metadataXml, log });
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
  log(`Sesame listening on ${config.tls ? 'https' : 'http'}://${config.host}:${port} (base URL ${config.baseUrl}, entityID ${config.entityId})`);

  const setupToken = await setup.issueTokenIfNeeded();
  if (setupToken) {
    log(`no administrator exists yet: create the first one at ${config.baseUrl}/setup?token=${setupToken} (valid 24 hours, once)`);
    log(`  or run: npm run sesame -- user add <name> --admin --password-stdin`);
  }

  const purge = setInterval(() => void store.purgeExpired(Date.now()).catch(() => undefined), 10 * 60 * 1000);
  purge.unref();
  return {
    server,
    close: async () => {
      clearInterval(purge);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
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
    const running = await startSesame(config);
    const stop = () => {
      log('shutting down');
      void running.close().then(() => process.exit(0));
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
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
