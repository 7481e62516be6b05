import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig, parseDataDir, type Config } from '../../src/config/config';

const CWD = path.resolve('/srv/sesame');
type Env = Record<string, string | undefined>;

/** Asserts that the environment is refused with a ConfigError naming `variable` first in its message. */
function assertRefused(env: Env, variable: string, detail?: RegExp): ConfigError {
  let caught: unknown;
  try {
    parseConfig(env, CWD);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConfigError, `expected ConfigError for ${JSON.stringify(env)}, got ${String(caught)}`);
  assert.equal(caught.variable, variable, caught.message);
  assert.ok(caught.message.startsWith(`${variable}: `), caught.message);
  if (detail) assert.match(caught.message, detail);
  return caught;
}

const parse = (env: Env): Config => parseConfig(env, CWD);
/** https needs TLS or a trusted proxy; this env satisfies that so other checks can be reached. */
const TLS = { SESAME_TLS_KEY: 'tls/key.pem', SESAME_TLS_CERT: 'tls/cert.pem' };

describe('parseConfig: defaults', () => {
  it('an empty environment gives a working local setup on http://localhost:8080 signing into the AWS console', () => {
    const config = parse({});
    const expected: Partial<Config> = {
      host: '127.0.0.1',
      port: 8080,
      baseUrl: 'http://localhost:8080',
      entityId: 'http://localhost:8080/saml/metadata',
      dataDir: path.join(CWD, 'data'),
      signingKeyPath: path.join(CWD, 'certs/signing-key.pem'),
      signingCertPath: path.join(CWD, 'certs/signing-cert.pem'),
      signingKeyBits: 2048,
      sessionSecret: null,
      sessionIdleSeconds: 3600,
      sessionMaxSeconds: 36000,
      trustProxy: false,
      tls: null,
      secureCookies: false,
      aws: {
        signinUrl: 'https://signin.aws.amazon.com/saml',
        signinPartition: 'aws',
        audience: 'urn:amazon:webservices',
        signResponse: true,
        assertionLifetimeSeconds: 300,
      },
    };
    for (const [field, value] of Object.entries(expected)) {
      assert.deepEqual((config as unknown as Record<string, unknown>)[field], value, field);
    }
  });

  it('empty and whitespace-only variables count as unset; values are trimmed', () => {
    assert.deepEqual(parse({ SESAME_PORT: '', SESAME_HOST: '   ', SESAME_SESSION_SECRET: ' ' }), parse({}));
    assert.equal(parse({ SESAME_PORT: ' 9000 ' }).port, 9000);
  });

  it('the default base URL follows the port, and becomes https when TLS is configured', () => {
    assert.equal(parse({ SESAME_PORT: '9443' }).baseUrl, 'http://localhost:9443');
    const tls = parse({ ...TLS, SESAME_PORT: '8443' });
    assert.equal(tls.baseUrl, 'https://localhost:8443');
    assert.deepEqual(tls.tls, { keyPath: path.join(CWD, 'tls/key.pem'), certPath: path.join(CWD, 'tls/cert.pem') });
    assert.equal(tls.secureCookies, true);
  });

  it('the entity ID defaults to <base URL>/saml/metadata, without a trailing slash from the base URL', () => {
    const config = parse({ SESAME_BASE_URL: 'http://idp.example.org/sesame/' });
    assert.equal(config.baseUrl, 'http://idp.example.org/sesame');
    assert.equal(config.entityId, 'http://idp.example.org/sesame/saml/metadata');
  });

  it('relative paths resolve against the working directory; parseDataDir agrees with parseConfig', () => {
    const env = { SESAME_DATA_DIR: 'var/db', SESAME_SIGNING_KEY: 'k.pem', SESAME_SIGNING_CERT: '/etc/sesame/c.pem' };
    const config = parse(env);
    assert.equal(config.dataDir, path.join(CWD, 'var/db'));
    assert.equal(parseDataDir(env, CWD), config.dataDir);
    assert.equal(config.signingKeyPath, path.join(CWD, 'k.pem'));
    assert.equal(config.signingCertPath, '/etc/sesame/c.pem');
  });
});

describe('parseConfig: every invalid value names its variable', () => {
  it('SESAME_PORT must be a whole number', () => {
    for (const port of ['http', '80a', '-1', '1.5', '0x50', '1e3']) assertRefused({ SESAME_PORT: port }, 'SESAME_PORT', /not a whole number/);
  });

  it('SESAME_PORT must be 0–65535', () => {
    for (const port of ['65536', '99999', '100000000000']) assertRefused({ SESAME_PORT: port }, 'SESAME_PORT', /outside 0–65535/);
    assert.equal(parse({ SESAME_PORT: '65535' }).port, 65535);
  });

  it('SESAME_BASE_URL must be an absolute http(s) URL', () => {
    for (const url of ['not a url', 'idp.example.org', '/sesame', 'ftp://idp.example.org', 'javascript:alert(1)']) {
      assertRefused({ SESAME_BASE_URL: url }, 'SESAME_BASE_URL');
    }
  });

  it('SESAME_BASE_URL must not carry a query or fragment', () => {
    assertRefused({ ...TLS, SESAME_BASE_URL: 'https://idp.example.org/?tenant=1' }, 'SESAME_BASE_URL', /query or fragment/);
    assertRefused({ ...TLS, SESAME_BASE_URL: 'https://idp.example.org/#top' }, 'SESAME_BASE_URL', /query or fragment/);
  });

  it(
    'SESAME_BASE_URL with an empty query or fragment marker ("…/?", "…/#") is refused too',
    () => {
      assertRefused({ SESAME_BASE_URL: 'http://idp.example.org/?' }, 'SESAME_BASE_URL');
      assertRefused({ SESAME_BASE_URL: 'http://idp.example.org/#' }, 'SESAME_BASE_URL');
    },
  );

  it('SESAME_BASE_URL must not carry credentials', () => {
    assertRefused({ ...TLS, SESAME_BASE_URL: 'https://admin:secret@idp.example.org' }, 'SESAME_BASE_URL', /credentials/);
    assertRefused({ SESAME_BASE_URL: 'http://admin@idp.example.org' }, 'SESAME_BASE_URL', /credentials/);
  });

  it('an https SESAME_BASE_URL without TLS or a trusted proxy is refused, naming SESAME_TRUST_PROXY and how to fix it', () => {
    const error = assertRefused({ SESAME_BASE_URL: 'https://idp.example.org' }, 'SESAME_TRUST_PROXY');
    assert.match(error.message, /SESAME_BASE_URL is https/);
    assert.match(error.message, /SESAME_TLS_KEY\/SESAME_TLS_CERT/);
    assertRefused({ SESAME_BASE_URL: 'https://idp.example.org', SESAME_TRUST_PROXY: 'false' }, 'SESAME_TRUST_PROXY');
    assertRefused({ SESAME_BASE_URL: 'https://idp.example.org', SESAME_TRUST_PROXY: '0' }, 'SESAME_TRUST_PROXY');
  });

  it('an https SESAME_BASE_URL is accepted behind a trusted proxy or with TLS, and turns on Secure cookies', () => {
    const proxied = parse({ SESAME_BASE_URL: 'https://idp.example.org', SESAME_TRUST_PROXY: '1' });
    assert.equal(proxied.baseUrl, 'https://idp.example.org');
    assert.equal(proxied.secureCookies, true);
    assert.equal(proxied.tls, null);
    const direct = parse({ ...TLS, SESAME_BASE_URL: 'https://idp.example.org' });
    assert.equal(direct.secureCookies, true);
  });

  it('SESAME_TLS_KEY without SESAME_TLS_CERT (or the reverse) names the missing variable', () => {
    assertRefused({ SESAME_TLS_KEY: 'tls/key.pem' }, 'SESAME_TLS_CERT', /SESAME_TLS_KEY and SESAME_TLS_CERT must be set together/);
    assertRefused({ SESAME_TLS_CERT: 'tls/cert.pem' }, 'SESAME_TLS_KEY', /must be set together/);
  });

  it('SESAME_SESSION_SECRET shorter than 32 characters is refused; 32 is accepted', () => {
    assertRefused({ SESAME_SESSION_SECRET: 'x'.repeat(31) }, 'SESAME_SESSION_SECRET', /at least 32 characters/);
    assertRefused({ SESAME_SESSION_SECRET: 'hunter2' }, 'SESAME_SESSION_SECRET');
    assert.equal(parse({ SESAME_SESSION_SECRET: 'x'.repeat(32) }).sessionSecret, 'x'.repeat(32));
  });

  it('E2: SESAME_AWS_SIGNIN_URL that is not an AWS sign-in SAML endpoint is refused', () => {
    for (const url of [
      'https://evil.example/saml',
      'http://signin.aws.amazon.com/saml',
      'https://signin.aws.amazon.com.evil.example/saml',
      'https://signin.aws.amazon.com/saml/',
      'https://signin.aws.amazon.com:443/saml',
      'https://SIGNIN.aws.amazon.com/saml',
      'https://signin.aws.amazon.com/saml?x=1',
      'https://user@signin.aws.amazon.com/saml',
      'https://us-gov-west-1.signin.aws.amazon.com/saml',
      'not a url',
    ]) {
      assertRefused({ SESAME_AWS_SIGNIN_URL: url }, 'SESAME_AWS_SIGNIN_URL', /not an AWS sign-in SAML endpoint \(E2\)/);
    }
  });

  it('E2: regional, GovCloud and provider-specific (E4) sign-in URLs are accepted with their partition', () => {
    const regional = parse({ SESAME_AWS_SIGNIN_URL: 'https://us-east-2.signin.aws.amazon.com/saml' }).aws;
    assert.equal(regional.signinUrl, 'https://us-east-2.signin.aws.amazon.com/saml');
    assert.equal(regional.signinPartition, 'aws');
    assert.equal(parse({ SESAME_AWS_SIGNIN_URL: 'https://signin.amazonaws-us-gov.com/saml' }).aws.signinPartition, 'aws-us-gov');
    assert.equal(parse({ SESAME_AWS_SIGNIN_URL: 'https://signin.amazonaws.cn/saml' }).aws.signinPartition, 'aws-cn');
    const acs = 'https://eu-west-1.signin.aws.amazon.com/saml/acs/SAMLSPABCDEFGHIJKLMNOP';
    assert.equal(parse({ SESAME_AWS_SIGNIN_URL: acs }).aws.signinUrl, acs);
  });

  it('SESAME_SIGN_RESPONSE accepts true/false spellings and refuses "maybe"', () => {
    assertRefused({ SESAME_SIGN_RESPONSE: 'maybe' }, 'SESAME_SIGN_RESPONSE', /not true or false/);
    assertRefused({ SESAME_SIGN_RESPONSE: 'enabled' }, 'SESAME_SIGN_RESPONSE');
    for (const yes of ['true', 'TRUE', '1', 'yes', 'on']) assert.equal(parse({ SESAME_SIGN_RESPONSE: yes }).aws.signResponse, true, yes);
    for (const no of ['false', 'False', '0', 'no', 'off']) assert.equal(parse({ SESAME_SIGN_RESPONSE: no }).aws.signResponse, false, no);
  });

  it('T3: SESAME_ASSERTION_LIFETIME_SECONDS=600 is refused (STS redeems within 5 minutes); 60–300 accepted', () => {
    assertRefused({ SESAME_ASSERTION_LIFETIME_SECONDS: '600' }, 'SESAME_ASSERTION_LIFETIME_SECONDS', /600 is outside 60–300/);
    assertRefused({ SESAME_ASSERTION_LIFETIME_SECONDS: '301' }, 'SESAME_ASSERTION_LIFETIME_SECONDS');
    assertRefused({ SESAME_ASSERTION_LIFETIME_SECONDS: '59' }, 'SESAME_ASSERTION_LIFETIME_SECONDS');
    assertRefused({ SESAME_ASSERTION_LIFETIME_SECONDS: '5m' }, 'SESAME_ASSERTION_LIFETIME_SECONDS');
    assert.equal(parse({ SESAME_ASSERTION_LIFETIME_SECONDS: '60' }).aws.assertionLifetimeSeconds, 60);
    assert.equal(parse({ SESAME_ASSERTION_LIFETIME_SECONDS: '300' }).aws.assertionLifetimeSeconds, 300);
  });

  it('SESAME_ENTITY_ID must be a URI without spaces or non-ASCII, at most 1024 characters', () => {
    assertRefused({ SESAME_ENTITY_ID: 'my idp' }, 'SESAME_ENTITY_ID');
    assertRefused({ SESAME_ENTITY_ID: 'https://idp.example/é' }, 'SESAME_ENTITY_ID');
    assertRefused({ SESAME_ENTITY_ID: 'urn:' + 'x'.repeat(1021) }, 'SESAME_ENTITY_ID', /1024/);
    assert.equal(parse({ SESAME_ENTITY_ID: 'urn:' + 'x'.repeat(1020) }).entityId.length, 1024);
  });

  it('numeric limits: signing key bits 2048–8192, session idle 1–1440 min, session max 1–168 h', () => {
    assertRefused({ SESAME_SIGNING_KEY_BITS: '1024' }, 'SESAME_SIGNING_KEY_BITS');
    assertRefused({ SESAME_SESSION_IDLE_MINUTES: '0' }, 'SESAME_SESSION_IDLE_MINUTES');
    assertRefused({ SESAME_SESSION_MAX_HOURS: '169' }, 'SESAME_SESSION_MAX_HOURS');
    const config = parse({ SESAME_SIGNING_KEY_BITS: '4096', SESAME_SESSION_IDLE_MINUTES: '15', SESAME_SESSION_MAX_HOURS: '8' });
    assert.equal(config.signingKeyBits, 4096);
    assert.equal(config.sessionIdleSeconds, 900);
    assert.equal(config.sessionMaxSeconds, 28800);
  });
});

describe('parseConfig: SESAME_TRUST_PROXY', () => {
  it('unset, false, 0, no and off mean "trust no proxy"', () => {
    for (const value of [undefined, '', 'false', 'FALSE', '0', 'no', 'off']) {
      assert.equal(parse({ SESAME_TRUST_PROXY: value }).trustProxy, false, String(value));
    }
  });

  it('a number is a hop count', () => {
    assert.equal(parse({ SESAME_TRUST_PROXY: '1' }).trustProxy, 1);
    assert.equal(parse({ SESAME_TRUST_PROXY: '2' }).trustProxy, 2);
  });

  it('a comma-separated list of addresses, subnets and Express keywords is kept as a list', () => {
    assert.deepEqual(parse({ SESAME_TRUST_PROXY: 'loopback' }).trustProxy, ['loopback']);
    assert.deepEqual(parse({ SESAME_TRUST_PROXY: 'loopback, 10.0.0.0/8 ,::1,fd00::/8,' }).trustProxy, ['loopback', '10.0.0.0/8', '::1', 'fd00::/8']);
    assert.deepEqual(parse({ SESAME_TRUST_PROXY: 'linklocal,uniquelocal,192.168.1.10' }).trustProxy, ['linklocal', 'uniquelocal', '192.168.1.10']);
  });

  it('host names, "true" (trust everyone) and junk are refused, naming SESAME_TRUST_PROXY', () => {
    for (const value of ['proxy.example.com', 'true', 'all', '10.0.0.1;rm -rf', '10.0.0.0/8 192.168.0.0/16']) {
      assertRefused({ SESAME_TRUST_PROXY: value }, 'SESAME_TRUST_PROXY');
    }
  });

  it(
    'entries that only look like addresses ("abc", "1.2.3.4/999") are refused at parse time, not by Express later',
    () => {
      assertRefused({ SESAME_TRUST_PROXY: 'abc' }, 'SESAME_TRUST_PROXY');
      assertRefused({ SESAME_TRUST_PROXY: '1.2.3.4/999' }, 'SESAME_TRUST_PROXY');
    },
  );
});
