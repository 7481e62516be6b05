import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TokenBuckets } from '../../src/web/samlRateLimit';

describe('TokenBuckets: per-address rate limit of the unauthenticated SAML endpoints', () => {
  test('20 per second with a burst of 40: the 41st request at once waits; tokens come back at the rate', () => {
    let now = 1_000_000;
    const buckets = new TokenBuckets({ perSecond: 20, burst: 40 }, () => now);
    for (let i = 0; i < 40; i++) assert.equal(buckets.take('192.0.2.1'), 0, `request ${i + 1}`);
    assert.equal(buckets.take('192.0.2.1'), 1, 'over the burst: retry after 1 s');
    assert.equal(buckets.take('198.51.100.1'), 0, 'another address has its own bucket');
    now += 500;
    for (let i = 0; i < 10; i++) assert.equal(buckets.take('192.0.2.1'), 0, 'half a second gives back 10');
    assert.ok(buckets.take('192.0.2.1') > 0);
    now += 10_000;
    for (let i = 0; i < 40; i++) assert.equal(buckets.take('192.0.2.1'), 0, 'a full bucket again, never more than the burst');
    assert.ok(buckets.take('192.0.2.1') > 0);
  });

  test('perSecond 0 turns the limit off', () => {
    const buckets = new TokenBuckets({ perSecond: 0, burst: 1 });
    for (let i = 0; i < 100; i++) assert.equal(buckets.take('192.0.2.1'), 0);
  });
});
