import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateRecoveryCodes, hashRecoveryCode, looksLikeRecoveryCode, normalizeRecoveryCode } from '../../src/auth/recoveryCodes';

describe('recovery codes', () => {
  it('are ten distinct xxxx-xxxx-xxxx codes without look-alike characters', () => {
    const codes = generateRecoveryCodes();
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    for (const code of codes) {
      assert.match(code, /^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
      assert.doesNotMatch(code, /[ilo01]/);
      assert.ok(looksLikeRecoveryCode(code));
    }
  });

  it('forgive case, spaces and dashes, but nothing else', () => {
    const [code] = generateRecoveryCodes(1);
    const pepper = 'pepper';
    assert.equal(hashRecoveryCode(pepper, code!), hashRecoveryCode(pepper, code!.toUpperCase().replace(/-/g, ' ')));
    assert.equal(normalizeRecoveryCode(' AbCd-EfGh-Jk '), 'abcdefghjk');
    assert.ok(!looksLikeRecoveryCode('123456'));
    assert.ok(!looksLikeRecoveryCode('abcd-efgh-jkm'), 'too short');
    assert.ok(!looksLikeRecoveryCode('abcd-efgh-jkm0'), 'look-alike digit');
  });

  it('are stored as keyed hashes: the pepper changes the hash, the hash does not contain the code', () => {
    const [code] = generateRecoveryCodes(1);
    const a = hashRecoveryCode('pepper-a', code!);
    assert.notEqual(a, hashRecoveryCode('pepper-b', code!));
    assert.match(a, /^[0-9a-f]{64}$/);
    assert.ok(!a.includes(normalizeRecoveryCode(code!)));
  });
});
