import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { persistentNameId } from '../../src/saml/persistentNameId';

const SECRET = 'installation-secret-0123456789abcdef';
const AWS = 'urn:amazon:webservices';
const OTHER_SP = 'https://wiki.example.org/saml';

describe('persistentNameId (N2: opaque, stable, per SP)', () => {
  it('is stable: the same user at the same SP always gets the same NameID', () => {
    assert.equal(persistentNameId(SECRET, 'seed-alice', AWS), persistentNameId(SECRET, 'seed-alice', AWS));
  });

  it('differs per SP, so two SPs cannot correlate the same user', () => {
    assert.notEqual(persistentNameId(SECRET, 'seed-alice', AWS), persistentNameId(SECRET, 'seed-alice', OTHER_SP));
  });

  it('differs per user at the same SP', () => {
    assert.notEqual(persistentNameId(SECRET, 'seed-alice', AWS), persistentNameId(SECRET, 'seed-bob', AWS));
  });

  it('differs per installation secret', () => {
    assert.notEqual(persistentNameId(SECRET, 'seed-alice', AWS), persistentNameId(SECRET + 'x', 'seed-alice', AWS));
  });

  it('seed and SP entity ID are separated, so moving characters between them changes the NameID', () => {
    assert.notEqual(persistentNameId(SECRET, 'seed-a', 'bc'), persistentNameId(SECRET, 'seed-ab', 'c'));
  });

  it('contains nothing of the username, seed or SP: 43 base64url characters (256-bit HMAC)', () => {
    const username = 'alice.smith@example.org';
    // Even if someone wrongly passed the username as the seed, the output must not reveal it.
    for (const seed of ['kq3V0n0rTL3JpQ4zWcQ2gA', username]) {
      const id = persistentNameId(SECRET, seed, AWS);
      assert.match(id, /^[A-Za-z0-9_-]{43}$/);
      for (const part of ['alice', 'smith', 'example', seed.slice(0, 6), 'amazon']) {
        assert.ok(!id.toLowerCase().includes(part.toLowerCase()), `${id} contains ${part}`);
      }
    }
  });
});
