import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkSessionDuration } from '../../src/aws/sessionDuration';
import { assertAwsRuleError } from './assertAwsRuleError';

test('A3: accepts whole seconds from 900 to 43200', () => {
  assert.equal(checkSessionDuration(900), 900);
  assert.equal(checkSessionDuration(3600), 3600);
  assert.equal(checkSessionDuration(43200), 43200);
});

test('A3: accepts strings of digits and returns a number', () => {
  assert.equal(checkSessionDuration('3600'), 3600);
  assert.equal(checkSessionDuration('900'), 900);
  assert.equal(checkSessionDuration('43200'), 43200);
  assert.equal(checkSessionDuration('0900'), 900);
});

test('A3: rejects values below 900 or above 43200', () => {
  for (const value of [899, 43201, 0, -1, -900, 86400, '899', '43201', '0', '99999999999999999999999']) {
    assertAwsRuleError(() => checkSessionDuration(value), 'A3', /out of range — it must be an integer number of seconds from 900 \(15 min\) to 43200 \(12 h\)/);
  }
});

test('A3: rejects fractional and non-finite numbers', () => {
  for (const value of [3600.5, 900.0001, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    assertAwsRuleError(() => checkSessionDuration(value), 'A3', /not a whole number/);
  }
});

test('A3: rejects strings that are not plain digits', () => {
  for (const value of ['', ' 3600', '3600 ', '3600\n', '3.6e3', '1e3', '3600.0', '-900', '+900', '0x384', '3,600', '１２００', 'one hour']) {
    assertAwsRuleError(() => checkSessionDuration(value), 'A3', /written in digits/);
  }
});

test('A3: rejects values of other types', () => {
  for (const value of [null, undefined, true, {}, [3600], 3600n]) {
    assertAwsRuleError(() => checkSessionDuration(value), 'A3', /not a whole number/);
  }
});

test('A3: error messages quote the rejected value', () => {
  assertAwsRuleError(() => checkSessionDuration('3.6e3'), 'A3', /^A3: SessionDuration "3\.6e3" is not/);
  assertAwsRuleError(() => checkSessionDuration(60), 'A3', /^A3: SessionDuration 60 is out of range/);
});
