import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AwsRuleError } from '../../src/aws/awsRuleError';

test('AwsRuleError carries the rule id and prefixes it to the message', () => {
  const error = new AwsRuleError('A1', 'role ARN "x" has account "1234" — an AWS account id is exactly 12 digits');
  assert.ok(error instanceof Error);
  assert.ok(error instanceof AwsRuleError);
  assert.equal(error.name, 'AwsRuleError');
  assert.equal(error.rule, 'A1');
  assert.equal(error.message, 'A1: role ARN "x" has account "1234" — an AWS account id is exactly 12 digits');
  assert.match(String(error.stack), /AwsRuleError: A1: /);
});
