import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_SCRYPT, hashPassword, needsRehash, verifyPassword, type ScryptParams } from '../../src/auth/passwordHash';

/** Small parameters keep these tests fast; the format and logic do not depend on them. */
const FAST: ScryptParams = { N: 1024, r: 8, p: 1 };
const PASSWORD = 'correct horse battery staple';

describe('passwordHash', () => {
  it('the stored string carries algorithm, N, r, p, a 16-byte salt and a 32-byte key', async () => {
    const stored = await hashPassword(PASSWORD, FAST);
    const parts = stored.split('$');
    assert.equal(parts.length, 6);
    assert.deepEqual(parts.slice(0, 4), ['scrypt', '1024', '8', '1']);
    assert.equal(Buffer.from(parts[4]!, 'base64').length, 16);
    assert.equal(Buffer.from(parts[5]!, 'base64').length, 32);
    assert.ok(!stored.includes(PASSWORD));
  });

  it('defaults to N=2^15, r=8, p=1', async () => {
    assert.deepEqual(DEFAULT_SCRYPT, { N: 32768, r: 8, p: 1 });
    assert.ok((await hashPassword(PASSWORD)).startsWith('scrypt$32768$8$1$'));
  });

  it('salts every hash: the same password hashes differently twice, and both verify', async () => {
    const a = await hashPassword(PASSWORD, FAST);
    const b = await hashPassword(PASSWORD, FAST);
    assert.notEqual(a, b);
    assert.equal(await verifyPassword(PASSWORD, a), true);
    assert.equal(await verifyPassword(PASSWORD, b), true);
  });

  it('a wrong password does not verify, including case and whitespace changes', async () => {
    const stored = await hashPassword(PASSWORD, FAST);
    for (const wrong of ['', 'correct horse battery stapl', 'Correct horse battery staple', PASSWORD + ' ', ' ' + PASSWORD]) {
      assert.equal(await verifyPassword(wrong, stored), false, JSON.stringify(wrong));
    }
  });

  it('passwords are compared after Unicode NFC normalisation (é typed precomposed or combining)', async () => {
    const stored = await hashPassword('caf\u00e9 au lait 1234', FAST);
    assert.equal(await verifyPassword('cafe\u0301 au lait 1234', stored), true);
  });

  it('verifies with the parameters stored in the hash, not the current defaults', async () => {
    const weak = await hashPassword(PASSWORD, { N: 16, r: 1, p: 1 });
    assert.equal(await verifyPassword(PASSWORD, weak), true);
  });

  it('a malformed stored hash never matches and never throws: it is just "false"', async () => {
    const good = await hashPassword(PASSWORD, FAST);
    const [, , , , salt, key] = good.split('$');
    const malformed = [
      '',
      'plaintext-password',
      PASSWORD,
      'scrypt$',
      `bcrypt$1024$8$1$${salt}$${key}`,
      `scrypt$1024$8$1$${salt}`,
      `scrypt$1024$8$1$${salt}$${key}$extra`,
      `scrypt$abc$8$1$${salt}$${key}`,
      `scrypt$-1024$8$1$${salt}$${key}`,
      `scrypt$0$8$1$${salt}$${key}`,
      `scrypt$1024.5$8$1$${salt}$${key}`,
      `scrypt$${2 ** 21}$8$1$${salt}$${key}`, // absurd cost: refused before scrypt runs
      `scrypt$1024$64$1$${salt}$${key}`,
      `scrypt$1024$8$32$${salt}$${key}`,
      `scrypt$1024$8$1$${salt}$`,
      `scrypt$1024$8$1$${salt}$${key!.slice(0, 20)}`,
      `scrypt$1024$8$1$${salt}$${Buffer.alloc(32).toString('base64')}`,
    ];
    for (const stored of malformed) {
      assert.equal(await verifyPassword(PASSWORD, stored), false, stored);
      assert.equal(await verifyPassword('', stored), false, stored);
    }
  });

  it(
    'a stored hash whose N is not a power of two (or is 1) is "false", not an exception',
    async () => {
      const key = Buffer.alloc(32).toString('base64');
      for (const N of [1, 1000, 3]) {
        assert.equal(await verifyPassword(PASSWORD, `scrypt$${N}$8$1$c2FsdHNhbHRzYWx0c2FsdA==$${key}`), false, `N=${N}`);
      }
    },
  );

  it('needsRehash: weaker N, r or p than the policy → true; equal or stronger → false; unparsable → true', async () => {
    const policy: ScryptParams = { N: 2048, r: 8, p: 1 };
    assert.equal(needsRehash(await hashPassword(PASSWORD, FAST), policy), true, 'N 1024 < 2048');
    assert.equal(needsRehash(await hashPassword(PASSWORD, { N: 2048, r: 4, p: 1 }), policy), true, 'r 4 < 8');
    assert.equal(needsRehash(await hashPassword(PASSWORD, { N: 2048, r: 8, p: 1 }), policy), false);
    assert.equal(needsRehash(await hashPassword(PASSWORD, { N: 4096, r: 8, p: 2 }), policy), false);
    assert.equal(needsRehash('not a hash', policy), true);
    assert.equal(needsRehash(await hashPassword(PASSWORD, FAST)), true, 'against DEFAULT_SCRYPT');
    assert.equal(needsRehash(`scrypt$32768$8$1$c2FsdA==$${Buffer.alloc(32).toString('base64')}`), false);
  });

  it('hashing runs off the event loop: timers keep firing during 4 parallel default-cost hashes', async () => {
    const ticks: number[] = [];
    const timer = setInterval(() => ticks.push(Date.now()), 5);
    const started = Date.now();
    try {
      const hashes = await Promise.all([1, 2, 3, 4].map((i) => hashPassword(`${PASSWORD} ${i}`)));
      assert.equal(new Set(hashes).size, 4);
    } finally {
      clearInterval(timer);
    }
    const elapsed = Date.now() - started;
    const gaps = ticks.map((t, i) => t - (i === 0 ? started : ticks[i - 1]!));
    const longestGap = Math.max(...gaps, 0);
    assert.ok(ticks.length >= 3, `only ${ticks.length} timer ticks in ${elapsed} ms`);
    // A synchronous scrypt would freeze the loop for (nearly) the whole run.
    assert.ok(longestGap < Math.max(50, elapsed / 2), `event loop stalled for ${longestGap} ms of ${elapsed} ms`);
  });
});
