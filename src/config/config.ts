import os from 'node:os';
import { isIP } from 'node:net';
import path from 'node:path';
import { isAwsSigninSamlUrl, type AwsPartition } from '../aws/partitions';
import { parseLdapConfig, type LdapConfig } from '../auth/ldap/ldapConfig';

/**
 * Everything Sesame reads from its environment, parsed and validated once at start-up.
 * Nothing else in the code reads process.env: it receives this object (STYLE: configuration habits).
 */
export interface Config {
  host: string;
  port: number;
  /** Public URL users and SPs reach Sesame at, without a trailing slash. */
  baseUrl: string;
  entityId: string;
  dataDir: string;
  signingKeyPath: string;
  signingCertPath: string;
  signingKeyBits: number;
  /** Explicit secret, or null to generate one into the data directory on first start. */
  sessionSecret: string | null;
  sessionIdleSeconds: number;
  sessionMaxSeconds: number;
  /** Express "trust proxy" setting: false, a hop count, or a list of addresses/subnets. */
  trustProxy: false | number | string[];
  tls: { keyPath: string; certPath: string } | null;
  /** Cookies get the Secure flag whenever users reach us over https (directly or through a trusted proxy). */
  secureCookies: boolean;
  aws: {
    /** Console sign-in ACS for its partition (E2); the other partitions use their default endpoint. */
    signinUrl: string;
    signinPartition: AwsPartition;
    audience: string;
    signResponse: boolean;
    assertionLifetimeSeconds: number;
  };
  /** Sign-in without a browser (issue 3): the JSON API of `sesame-aws` and the SAML ECP endpoint. */
  nonBrowser: {
    /** Lifetime of a JSON API bearer token. */
    apiTokenSeconds: number;
    /** Over ECP (HTTP Basic), a one-time code may follow the password after this separator. */
    ecpOtpSeparator: string;
  };
  /** HTTP worker processes (node:cluster); 1 serves from a single process without a cluster primary. */
  workers: number;
  /** LDAP / Active Directory sign-in (SESAME_LDAP_*), or null when every account is local. */
  ldap: LdapConfig | null;
  /** SAML with any service provider (issue 4): SP-initiated SSO and Single Logout policy. */
  saml: {
    /** IdP policy: every AuthnRequest must be signed, whatever the SP's metadata says. */
    requireSignedRequests: boolean;
    /** How old an AuthnRequest/LogoutRequest's IssueInstant may be. */
    maxRequestAgeSeconds: number;
    clockSkewSeconds: number;
    relayStateMaxBytes: number;
    /** Per-address limit on /saml/sso, /saml/slo and /saml/ecp (in memory, per worker process). */
    rateLimit: { perSecond: number; burst: number };
  };
}

export class ConfigError extends Error {
  constructor(readonly variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function read(env: Env, name: string): string | undefined {
  const value = env[name];
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number, why?: string): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `"${raw}" is not a whole number`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `${value} is outside ${min}–${max}${why ? ` (${why})` : ''}`);
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(name, `"${raw}" is not true or false`);
}

function httpUrl(name: string, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `"${raw}" is not an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(name, `"${raw}" must be http or https`);
  if (url.username || url.password) throw new ConfigError(name, 'must not contain credentials');
  // WHATWG URL drops an empty "?" or "#", so look at the raw text as well.
  if (url.search || url.hash || /[?#]/.test(raw)) throw new ConfigError(name, 'must not contain a query or fragment');
  return url;
}

function isTrustProxyEntry(entry: string): boolean {
  if (/^(loopback|linklocal|uniquelocal)$/.test(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

function parseTrustProxy(raw: string | undefined): false | number | string[] {
  if (raw === undefined || /^(false|0|no|off)$/i.test(raw)) return false;
  if (/^\d+$/.test(raw)) return Number(raw);
  const entries = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const entry of entries) {
    if (!isTrustProxyEntry(entry)) {
      throw new ConfigError('SESAME_TRUST_PROXY', `"${entry}" is not an address, subnet, hop count or one of loopback/linklocal/uniquelocal`);
    }
  }
  return entries;
}

/** Only the data directory: what the `sesame` admin command needs to open the store. */
export function parseDataDir(env: Env, cwd = process.cwd()): string {
  return path.resolve(cwd, read(env, 'SESAME_DATA_DIR') ?? 'data');
}

function parseSaml(env: Env): Config['saml'] {
  return {
    requireSignedRequests: boolean(env, 'SESAME_SAML_REQUIRE_SIGNED_REQUESTS', false),
    maxRequestAgeSeconds: integer(env, 'SESAME_SAML_MAX_REQUEST_AGE_SECONDS', 300, 30, 3600),
    clockSkewSeconds: integer(env, 'SESAME_SAML_CLOCK_SKEW_SECONDS', 60, 0, 600),
    // SAML bindings 3.4.3 asks SPs for at most 80 bytes, but common SPs send their return URL.
    relayStateMaxBytes: integer(env, 'SESAME_SAML_RELAYSTATE_MAX_BYTES', 1024, 80, 8192),
    // Unauthenticated endpoints: what one address may make Sesame parse and audit (0 turns it off).
    rateLimit: {
      perSecond: integer(env, 'SESAME_SAML_RATE_PER_SECOND', 20, 0, 100_000),
      burst: integer(env, 'SESAME_SAML_RATE_BURST', 40, 1, 1_000_000),
    },
  };
}

function parseNonBrowser(env: Env): Config['nonBrowser'] {
  const separator = read(env, 'SESAME_ECP_OTP_SEPARATOR') ?? ',';
  if (!/^[\x21-\x7e]{1,8}$/.test(separator)) {
    throw new ConfigError('SESAME_ECP_OTP_SEPARATOR', 'must be 1–8 printable ASCII characters without spaces (default ",")');
  }
  return {
    // Minutes, not hours: a CLI needs the token only between sign-in and fetching an assertion.
    apiTokenSeconds: integer(env, 'SESAME_API_TOKEN_MINUTES', 10, 1, 60) * 60,
    ecpOtpSeparator: separator,
  };
}

export function parseConfig(env: Env, cwd = process.cwd()): Config {
  const port = integer(env, 'SESAME_PORT', 8080, 0, 65535);
  const host = read(env, 'SESAME_HOST') ?? '127.0.0.1';

  const tlsKey = read(env, 'SESAME_TLS_KEY');
  const tlsCert = read(env, 'SESAME_TLS_CERT');
  if ((tlsKey === undefined) !== (tlsCert === undefined)) {
    throw new ConfigError(tlsKey ? 'SESAME_TLS_CERT' : 'SESAME_TLS_KEY', 'SESAME_TLS_KEY and SESAME_TLS_CERT must be set together');
  }
  const tls = tlsKey && tlsCert ? { keyPath: path.resolve(cwd, tlsKey), certPath: path.resolve(cwd, tlsCert) } : null;

  const defaultBase = `${tls ? 'https' : 'http'}://localhost:${port}`;
  const baseUrl = httpUrl('SESAME_BASE_URL', read(env, 'SESAME_BASE_URL') ?? defaultBase).toString().replace(/\/+$/, '');
  const trustProxy = parseTrustProxy(read(env, 'SESAME_TRUST_PROXY'));
  const secureCookies = baseUrl.startsWith('https:');
  if (secureCookies && !tls && trustProxy === false) {
    throw new ConfigError(
      'SESAME_TRUST_PROXY',
      `SESAME_BASE_URL is https but Sesame serves plain HTTP: set SESAME_TLS_KEY/SESAME_TLS_CERT, or set SESAME_TRUST_PROXY to the proxy that terminates TLS`,
    );
  }

  const entityId = read(env, 'SESAME_ENTITY_ID') ?? `${baseUrl}/saml/metadata`;
  if (entityId.length > 1024) throw new ConfigError('SESAME_ENTITY_ID', 'must be at most 1024 characters (SAML core 8.3.6)');
  if (!/^[\x21-\x7e]+$/.test(entityId)) throw new ConfigError('SESAME_ENTITY_ID', 'must be a URI without spaces or non-ASCII characters');

  const sessionSecret = read(env, 'SESAME_SESSION_SECRET') ?? null;
  if (sessionSecret !== null && sessionSecret.length < 32) {
    throw new ConfigError('SESAME_SESSION_SECRET', 'must be at least 32 characters (or unset, to have one generated into the data directory)');
  }

  const signinUrl = read(env, 'SESAME_AWS_SIGNIN_URL') ?? 'https://signin.aws.amazon.com/saml';
  const signin = isAwsSigninSamlUrl(signinUrl);
  if (!signin) {
    throw new ConfigError(
      'SESAME_AWS_SIGNIN_URL',
      `"${signinUrl}" is not an AWS sign-in SAML endpoint (E2): expected https://signin.aws.amazon.com/saml or https://<region>.signin.aws.amazon.com/saml`,
    );
  }

  const idleMinutes = integer(env, 'SESAME_SESSION_IDLE_MINUTES', 60, 1, 24 * 60);
  const maxHours = integer(env, 'SESAME_SESSION_MAX_HOURS', 10, 1, 7 * 24);

  return {
    host,
    port,
    baseUrl,
    entityId,
    dataDir: parseDataDir(env, cwd),
    signingKeyPath: path.resolve(cwd, read(env, 'SESAME_SIGNING_KEY') ?? 'certs/signing-key.pem'),
    signingCertPath: path.resolve(cwd, read(env, 'SESAME_SIGNING_CERT') ?? 'certs/signing-cert.pem'),
    signingKeyBits: integer(env, 'SESAME_SIGNING_KEY_BITS', 2048, 2048, 8192),
    sessionSecret,
    sessionIdleSeconds: idleMinutes * 60,
    sessionMaxSeconds: maxHours * 3600,
    trustProxy,
    tls,
    secureCookies,
    aws: {
      signinUrl,
      signinPartition: signin.partition,
      audience: read(env, 'SESAME_AWS_AUDIENCE') ?? 'urn:amazon:webservices',
      signResponse: boolean(env, 'SESAME_SIGN_RESPONSE', true),
      // T3: STS refuses assertions older than 5 minutes, so a longer lifetime buys nothing.
      assertionLifetimeSeconds: integer(env, 'SESAME_ASSERTION_LIFETIME_SECONDS', 300, 60, 300, 'T3: AWS refuses assertions older than 5 minutes'),
    },
    nonBrowser: parseNonBrowser(env),
    // Signing is CPU-bound, so one worker per core; more only adds context switches.
    workers: integer(env, 'SESAME_WORKERS', os.availableParallelism(), 1, 256),
    ldap: parseLdapConfig(env, cwd),
    saml: parseSaml(env),
  };
}
