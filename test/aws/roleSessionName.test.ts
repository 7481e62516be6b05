import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { ROLE_SESSION_NAME_PATTERN, toRoleSessionName } from '../../src/aws/roleSessionName';
import { assertAwsRuleError } from './assertAwsRuleError';

const fingerprint = (source: string): string => createHash('sha256').update(source, 'utf8').digest('hex').slice(0, 8);

test('A2: ROLE_SESSION_NAME_PATTERN is the STS pattern [a-zA-Z_0-9+=,.@-]{2,64}', () => {
  assert.equal(ROLE_SESSION_NAME_PATTERN.source, '^[A-Za-z0-9_+=,.@-]{2,64}$');
  assert.equal(ROLE_SESSION_NAME_PATTERN.global, false, 'a global RegExp would make test() stateful');
});

test('A2: RoleSessionName leaves already-valid identifiers unchanged', () => {
  for (const source of ['jdoe', 'jdoe@example.com', 'j.doe+aws=1,x_y-z', 'ab', 'A'.repeat(64), '--odd--', '12']) {
    assert.equal(toRoleSessionName(source), source);
  }
});

test('A2: RoleSessionName maps spaces to hyphens and collapses runs', () => {
  assert.equal(toRoleSessionName('John Doe'), 'John-Doe');
  assert.equal(toRoleSessionName('John   Doe'), 'John-Doe');
  assert.equal(toRoleSessionName('John - Doe'), 'John-Doe');
  assert.equal(toRoleSessionName('John\tDoe\n'), 'John-Doe');
  assert.equal(toRoleSessionName(' jdoe@example.com '), 'jdoe@example.com');
});

test('A2: RoleSessionName maps other disallowed characters to hyphens', () => {
  assert.equal(toRoleSessionName('DOMAIN\\jdoe'), 'DOMAIN-jdoe');
  assert.equal(toRoleSessionName('o\'brien/ops'), 'o-brien-ops');
  assert.equal(toRoleSessionName('a:b;c<d>e"f'), 'a-b-c-d-e-f');
  assert.equal(toRoleSessionName('straße'), 'stra-e');
});

test('A2: RoleSessionName strips accents via NFKD (é→e) and folds compatibility forms', () => {
  assert.equal(toRoleSessionName('José García'), 'Jose-Garcia');
  assert.equal(toRoleSessionName('zoë@exämple.com'), 'zoe@example.com');
  assert.equal(toRoleSessionName('Ångström'), 'Angstrom');
  // Decomposed input (e + combining acute) gives the same result as precomposed.
  assert.equal(toRoleSessionName('Jose\u0301'), 'Jose');
  assert.equal(toRoleSessionName('ｊｄｏｅ'), 'jdoe');
  assert.equal(toRoleSessionName('ﬁnance'), 'finance');
});

test('A2: RoleSessionName turns emoji, including joined sequences, into a single hyphen', () => {
  assert.equal(toRoleSessionName('jdoe🙂'), 'jdoe');
  assert.equal(toRoleSessionName('a🙂b'), 'a-b');
  assert.equal(toRoleSessionName('a👨‍👩‍👧b'), 'a-b');
  assert.equal(toRoleSessionName('a🇫🇷b'), 'a-b');
});

test('A2: RoleSessionName of an identifier with no usable characters is u- plus a stable hash', () => {
  assert.equal(toRoleSessionName('山田'), `u-${fingerprint('山田')}`);
  assert.equal(toRoleSessionName('🙂🙂'), `u-${fingerprint('🙂🙂')}`);
  assert.equal(toRoleSessionName('   '), `u-${fingerprint('   ')}`);
  assert.notEqual(toRoleSessionName('山田'), toRoleSessionName('田中'));
});

test('A2: RoleSessionName pads a 1-character result with a stable hash', () => {
  assert.equal(toRoleSessionName('a'), `a-${fingerprint('a')}`);
  assert.equal(toRoleSessionName('é'), `e-${fingerprint('é')}`);
  assert.equal(toRoleSessionName('山a'), `a-${fingerprint('山a')}`);
  assert.notEqual(toRoleSessionName('a'), toRoleSessionName('山a'));
});

test('A2: RoleSessionName caps long identifiers at 64 characters and keeps them distinct', () => {
  const long = `${'a'.repeat(60)}@example.com`;
  const name = toRoleSessionName(long);
  assert.equal(name.length, 64);
  assert.equal(name, `${'a'.repeat(55)}-${fingerprint(long)}`);
  const sibling = `${'a'.repeat(60)}@example.org`;
  assert.notEqual(toRoleSessionName(sibling), name, 'same first 64 characters must not give the same name');
  assert.equal(toRoleSessionName('b'.repeat(65)).length, 64);
  assert.match(toRoleSessionName('x '.repeat(200)), ROLE_SESSION_NAME_PATTERN);
});

test('A2: RoleSessionName does not leave a hyphen before the hash when the cut lands on one', () => {
  const source = `${'a'.repeat(54)} ${'b'.repeat(20)}`;
  assert.equal(toRoleSessionName(source), `${'a'.repeat(54)}-${fingerprint(source)}`);
});

test('A2: RoleSessionName is deterministic', () => {
  for (const source of ['José García', '山田', 'a', 'x'.repeat(100), 'jdoe@example.com']) {
    assert.equal(toRoleSessionName(source), toRoleSessionName(source));
  }
});

test('A2: RoleSessionName refuses only an empty source', () => {
  assertAwsRuleError(() => toRoleSessionName(''), 'A2', /empty user identifier/);
  assertAwsRuleError(() => toRoleSessionName(null as unknown as string), 'A2', /empty user identifier/);
});

/** mulberry32: a seeded PRNG so a failing random case can be reproduced from its seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Code point ranges mixing what real identifiers contain with what breaks naive sanitisers.
const CODE_POINT_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x30, 0x39], // digits
  [0x41, 0x5a], // A-Z
  [0x61, 0x7a], // a-z
  [0x20, 0x7e], // printable ASCII, including the allowed punctuation
  [0x00, 0x1f], // control characters
  [0x80, 0xff], // Latin-1 supplement
  [0x0300, 0x036f], // combining diacritics
  [0x0400, 0x04ff], // Cyrillic
  [0x4e00, 0x4fff], // CJK
  [0x2000, 0x206f], // general punctuation: zero-width, bidi controls, special spaces
  [0xff00, 0xffef], // fullwidth forms
  [0xd800, 0xdfff], // lone surrogates
  [0x1f300, 0x1f6ff], // emoji
  [0x200d, 0x200d], // zero-width joiner
];

function randomIdentifier(random: () => number): string {
  const length = 1 + Math.floor(random() * 90);
  let text = '';
  for (let i = 0; i < length; i += 1) {
    const [low, high] = CODE_POINT_RANGES[Math.floor(random() * CODE_POINT_RANGES.length)]!;
    text += String.fromCodePoint(low + Math.floor(random() * (high - low + 1)));
  }
  return text;
}

test('A2: RoleSessionName always matches [A-Za-z0-9_+=,.@-]{2,64} for random identifiers', () => {
  const seed = 20261124;
  const random = seededRandom(seed);
  for (let i = 0; i < 5000; i += 1) {
    const source = randomIdentifier(random);
    const context = `seed ${seed}, case ${i}, source ${JSON.stringify(source)}`;
    const name = toRoleSessionName(source);
    assert.match(name, ROLE_SESSION_NAME_PATTERN, context);
    assert.equal(toRoleSessionName(source), name, `not deterministic: ${context}`);
    if (ROLE_SESSION_NAME_PATTERN.test(source)) {
      assert.equal(name, source, `valid input changed: ${context}`);
    }
  }
});
