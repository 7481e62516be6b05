import assert from 'node:assert/strict';
import { test } from 'node:test';
import { roleSessionNameMapper } from '../../../src/aws/mappers/roleSessionNameMapper';
import { assertAwsRuleError } from '../assertAwsRuleError';
import { SESSION_NAME_ATTR, URI_FORMAT, context, principal } from './fixtures';

test('A2: RoleSessionName is the email when the principal has one', () => {
  assert.deepEqual(roleSessionNameMapper(context([], principal())), [
    { name: SESSION_NAME_ATTR, nameFormat: URI_FORMAT, values: ['jdoe@example.com'] },
  ]);
});

test('A2: RoleSessionName falls back to the username when the email is null or empty', () => {
  for (const email of [null, '']) {
    assert.deepEqual(roleSessionNameMapper(context([], principal({ email, username: 'jdoe' }))), [
      { name: SESSION_NAME_ATTR, nameFormat: URI_FORMAT, values: ['jdoe'] },
    ]);
  }
});

test('A2: RoleSessionName sanitises the identifier and never uses the display name', () => {
  const [attribute] = roleSessionNameMapper(
    context([], principal({ email: 'José García@example.com', displayName: 'Should Not Appear' })),
  );
  assert.deepEqual(attribute?.values, ['Jose-Garcia@example.com']);
});

test('A2: RoleSessionName attribute has exactly one value', () => {
  const [attribute, ...others] = roleSessionNameMapper(context([], principal({ email: null, username: 'a' })));
  assert.equal(others.length, 0);
  assert.equal(attribute?.values.length, 1);
  assert.match(attribute?.values[0] ?? '', /^[A-Za-z0-9_+=,.@-]{2,64}$/);
});

test('A2: a principal with neither email nor username is refused', () => {
  assertAwsRuleError(() => roleSessionNameMapper(context([], principal({ email: null, username: '' }))), 'A2');
});
