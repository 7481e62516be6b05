import type { Config } from '../config/config';
import type { Store } from '../store/store';
import type { SqliteStore } from '../store/sqliteStore';
import { SqliteSamlStateStore } from '../store/sqliteSamlStateStore';
import { SqliteSpRegistryStore } from '../store/sqliteSpRegistryStore';
import { SqliteEmailOwners } from '../store/sqliteEmailOwners';
import type { EnvelopedSigner } from '../saml/xmlDsig';
import { ensureAwsConsoleSps } from './awsConsoleSp';
import { SpRegistry } from './spRegistry';
import { ResponseIssuer } from './sso/issueResponse';
import type { SamlIdpSettings } from './sso/samlSettings';
import { SpSso } from './sso/spSso';
import { SingleLogout } from './slo/singleLogout';
import type { SecondFactorCheck } from '../auth/secondFactor';

/** The IdP-side SAML settings, from the parsed configuration. */
export function samlIdpSettings(config: Config): SamlIdpSettings {
  return {
    entityId: config.entityId,
    ssoUrl: `${config.baseUrl}/saml/sso`,
    sloUrl: `${config.baseUrl}/saml/slo`,
    requireSignedRequests: config.saml.requireSignedRequests,
    maxRequestAgeSeconds: config.saml.maxRequestAgeSeconds,
    clockSkewSeconds: config.saml.clockSkewSeconds,
    relayStateMaxBytes: config.saml.relayStateMaxBytes,
    transactionSeconds: 600,
    overTls: config.baseUrl.startsWith('https:'),
    sessionMaxSeconds: config.sessionMaxSeconds,
  };
}

/** Once per start (not per worker): the AWS console of each partition as an SP registry entry. */
export async function seedServiceProviders(config: Config, store: Store & Pick<SqliteStore, 'db'>): Promise<void> {
  await ensureAwsConsoleSps(new SpRegistry(store, new SqliteSpRegistryStore(store.db), 'config'), config.aws);
}

/** Wires the SP registry, SSO and SLO services over the SQLite store, signing with whatever key `signer` returns at each use. */
export function createSamlServices(
  config: Config,
  store: Store & Pick<SqliteStore, 'db'>,
  signer: () => EnvelopedSigner,
  installationSecret: string,
  /** Who must have given a second factor: checked once more before any assertion is issued. */
  secondFactor?: SecondFactorCheck,
) {
  const settings = samlIdpSettings(config);
  const sps = new SqliteSpRegistryStore(store.db);
  const state = new SqliteSamlStateStore(store.db);
  const issuer = new ResponseIssuer(store, state, signer, settings, installationSecret, new SqliteEmailOwners(store.db));
  return {
    sps,
    spSso: new SpSso(store, sps, state, issuer, settings, secondFactor),
    singleLogout: new SingleLogout(store, sps, state, signer, settings),
    signer,
  };
}
