import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, parseConfig } from '../../src/config/config';
import { samlIdpSettings } from '../../src/sp/samlServices';

const base = { SESAME_BASE_URL: 'https://sso.example.com', SESAME_TRUST_PROXY: 'loopback' };

describe('SAML settings from the configuration (SESAME_SAML_*)', () => {
  test('defaults: signed requests not forced, 300 s request age, 60 s skew, 1024-byte RelayState; endpoints from the base URL', () => {
    const settings = samlIdpSettings(parseConfig(base, '/tmp'));
    assert.equal(settings.requireSignedRequests, false);
    assert.equal(settings.maxRequestAgeSeconds, 300);
    assert.equal(settings.clockSkewSeconds, 60);
    assert.equal(settings.relayStateMaxBytes, 1024);
    assert.equal(settings.ssoUrl, 'https://sso.example.com/saml/sso');
    assert.equal(settings.sloUrl, 'https://sso.example.com/saml/slo');
    assert.equal(settings.overTls, true);
  });

  test('the per-address rate limit of /saml/sso, /saml/slo and /saml/ecp: 20 per second, burst 40 by default; 0 turns it off; bad values stop start-up', () => {
    assert.deepEqual(parseConfig(base, '/tmp').saml.rateLimit, { perSecond: 20, burst: 40 });
    assert.deepEqual(parseConfig({ ...base, SESAME_SAML_RATE_PER_SECOND: '0', SESAME_SAML_RATE_BURST: '5' }, '/tmp').saml.rateLimit, { perSecond: 0, burst: 5 });
    for (const [name, value] of [['SESAME_SAML_RATE_PER_SECOND', '-1'], ['SESAME_SAML_RATE_PER_SECOND', 'fast'], ['SESAME_SAML_RATE_BURST', '0']]) {
      assert.throws(() => parseConfig({ ...base, [name!]: value! }, '/tmp'), (e: unknown) => e instanceof ConfigError && e.variable === name, `${name}=${value}`);
    }
  });

  test('each variable is read and bad values stop start-up naming the variable', () => {
    const settings = samlIdpSettings(parseConfig({ ...base, SESAME_SAML_REQUIRE_SIGNED_REQUESTS: 'yes', SESAME_SAML_MAX_REQUEST_AGE_SECONDS: '120', SESAME_SAML_CLOCK_SKEW_SECONDS: '0', SESAME_SAML_RELAYSTATE_MAX_BYTES: '80' }, '/tmp'));
    assert.deepEqual([settings.requireSignedRequests, settings.maxRequestAgeSeconds, settings.clockSkewSeconds, settings.relayStateMaxBytes], [true, 120, 0, 80]);
    for (const [name, value] of [['SESAME_SAML_REQUIRE_SIGNED_REQUESTS', 'maybe'], ['SESAME_SAML_MAX_REQUEST_AGE_SECONDS', '5'], ['SESAME_SAML_CLOCK_SKEW_SECONDS', '-1'], ['SESAME_SAML_RELAYSTATE_MAX_BYTES', '79']]) {
      assert.throws(() => parseConfig({ ...base, [name!]: value! }, '/tmp'), (e: unknown) => e instanceof ConfigError && e.variable === name, `${name}=${value}`);
    }
  });
});
