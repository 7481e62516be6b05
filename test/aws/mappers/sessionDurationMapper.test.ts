import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sessionDurationMapper } from '../../../src/aws/mappers/sessionDurationMapper';
import { assertAwsRuleError } from '../assertAwsRuleError';
import { PROVIDER_A, PROVIDER_B, SESSION_DURATION_ATTR, URI_FORMAT, context, grant } from './fixtures';

const ADMIN = 'arn:aws:iam::111122223333:role/Admin';
const READ_ONLY = 'arn:aws:iam::111122223333:role/ReadOnly';
const OTHER = 'arn:aws:iam::444455556666:role/ReadOnly';

test('A3: no SessionDuration when no grant sets one', () => {
  assert.deepEqual(sessionDurationMapper(context([])), []);
  assert.deepEqual(sessionDurationMapper(context([grant(ADMIN, PROVIDER_A), grant(READ_ONLY, PROVIDER_A)])), []);
});

test('A3: SessionDuration of a single grant, as a string of digits', () => {
  assert.deepEqual(sessionDurationMapper(context([grant(ADMIN, PROVIDER_A, { sessionDuration: 7200 })])), [
    { name: SESSION_DURATION_ATTR, nameFormat: URI_FORMAT, values: ['7200'] },
  ]);
});

test('A3: with several grants SessionDuration is the smallest configured value', () => {
  const grants = [
    grant(ADMIN, PROVIDER_A, { sessionDuration: 43200 }),
    grant(READ_ONLY, PROVIDER_A, { sessionDuration: null }),
    grant(OTHER, PROVIDER_B, { sessionDuration: 3600 }),
    grant(ADMIN, PROVIDER_A, { sessionDuration: 28800, groupName: 'oncall' }),
  ];
  assert.deepEqual(sessionDurationMapper(context(grants)), [
    { name: SESSION_DURATION_ATTR, nameFormat: URI_FORMAT, values: ['3600'] },
  ]);
});

test('A3: boundary values 900 and 43200 are released unchanged', () => {
  assert.deepEqual(sessionDurationMapper(context([grant(ADMIN, PROVIDER_A, { sessionDuration: 900 })]))[0]?.values, ['900']);
  assert.deepEqual(sessionDurationMapper(context([grant(ADMIN, PROVIDER_A, { sessionDuration: 43200 })]))[0]?.values, ['43200']);
});

test('A3: an out-of-range grant value is refused, not clamped', () => {
  assertAwsRuleError(() => sessionDurationMapper(context([grant(ADMIN, PROVIDER_A, { sessionDuration: 60 })])), 'A3');
  assertAwsRuleError(
    () =>
      sessionDurationMapper(
        context([grant(ADMIN, PROVIDER_A, { sessionDuration: 3600 }), grant(READ_ONLY, PROVIDER_A, { sessionDuration: 86400 })]),
      ),
    'A3',
  );
  assertAwsRuleError(() => sessionDurationMapper(context([grant(ADMIN, PROVIDER_A, { sessionDuration: 3600.5 })])), 'A3');
});
