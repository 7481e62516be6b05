import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base32Decode, base32Encode, generateTotpSecret, hotp, matchTotp, totpCode, totpStep, totpUri } from '../../src/auth/totp';

// RFC 6238 Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
const RFC_SEED = Buffer.from('12345678901234567890', 'ascii');
const RFC_SECRET = base32Encode(RFC_SEED);

describe('TOTP (RFC 6238, RFC 4226)', () => {
  it('reproduces the RFC 6238 Appendix B SHA-1 test vectors (8 digits)', () => {
    const vectors: Array<[number, string]> = [
      [59, '94287082'],
      [1111111109, '07081804'],
      [1111111111, '14050471'],
      [1234567890, '89005924'],
      [2000000000, '69279037'],
      [20000000000, '65353130'],
    ];
    for (const [seconds, expected] of vectors) assert.equal(hotp(RFC_SEED, totpStep(seconds * 1000), 8), expected, `T=${seconds}`);
  });

  it('reproduces the RFC 4226 Appendix D HOTP values (6 digits)', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expected.forEach((code, counter) => assert.equal(hotp(RFC_SEED, counter), code));
  });

  it('base32 round-trips and matches RFC 4648 §10 examples', () => {
    assert.equal(base32Encode(Buffer.from('foobar')), 'MZXW6YTBOI');
    assert.equal(base32Decode('MZXW6YTBOI======').toString(), 'foobar');
    assert.equal(base32Decode('mzxw 6ytb oi').toString(), 'foobar');
    assert.throws(() => base32Decode('MZXW1'), /base32/);
    const secret = generateTotpSecret();
    assert.match(secret, /^[A-Z2-7]{32}$/, '160-bit secret');
    assert.equal(base32Decode(secret).length, 20);
    assert.notEqual(generateTotpSecret(), secret);
  });

  it('accepts the current step and one step either side, nothing further', () => {
    const now = 1_700_000_000_000;
    const step = totpStep(now);
    assert.equal(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, step), now), step);
    assert.equal(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, step - 1), now), step - 1);
    assert.equal(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, step + 1), now), step + 1);
    assert.equal(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, step - 2), now), null);
    assert.equal(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, step + 2), now), null);
  });

  it('refuses anything that is not exactly 6 digits', () => {
    const now = 1_700_000_000_000;
    const code = totpCode(RFC_SECRET, totpStep(now));
    for (const bad of ['', `${code}0`, code.slice(1), ` ${code}`, `${code.slice(0, 5)}x`, '１２３４５６']) {
      assert.equal(matchTotp(RFC_SECRET, bad, now), null, JSON.stringify(bad));
    }
  });

  it('builds the otpauth URI authenticator apps scan', () => {
    const uri = new URL(totpUri({ issuer: 'Sesame (idp.example.com)', account: 'alice', secret: 'JBSWY3DPEHPK3PXP' }));
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(uri.host, 'totp');
    assert.equal(decodeURIComponent(uri.pathname), '/Sesame (idp.example.com):alice');
    assert.equal(uri.searchParams.get('secret'), 'JBSWY3DPEHPK3PXP');
    assert.equal(uri.searchParams.get('issuer'), 'Sesame (idp.example.com)');
    assert.equal(uri.searchParams.get('digits'), '6');
    assert.equal(uri.searchParams.get('period'), '30');
    assert.equal(uri.searchParams.get('algorithm'), 'SHA1');
  });
});
