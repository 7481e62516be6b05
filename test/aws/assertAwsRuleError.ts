import assert from 'node:assert/strict';
import { AwsRuleError } from '../../src/aws/awsRuleError';

/** Asserts that `fn` throws an AwsRuleError for `rule` whose message starts with the rule id and matches `detail`. */
export function assertAwsRuleError(fn: () => unknown, rule: string, detail?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof AwsRuleError, `expected AwsRuleError, got ${String(error)}`);
    assert.equal(error.rule, rule, error.message);
    assert.ok(error.message.startsWith(`${rule}: `), error.message);
    if (detail) {
      assert.match(error.message, detail);
    }
    return true;
  });
}
