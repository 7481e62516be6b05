/**
 * A broken AWS SAML rule (see shared/aws-saml-rules.md), raised before AWS would reject the
 * assertion with a vaguer message ("Your request included an invalid SAML response").
 *
 * `message` is written for the admin who has to fix the configuration: it names the rule, the
 * offending value and what a valid value looks like. The rule id is prefixed here so that no
 * caller can forget it and so that `rule` and the text never disagree.
 */
export class AwsRuleError extends Error {
  override readonly name = 'AwsRuleError';

  /**
   * @param rule    rule id from aws-saml-rules.md, e.g. `A1`
   * @param message what is wrong and how to fix it, without the `A1: ` prefix
   */
  constructor(readonly rule: string, message: string) {
    super(`${rule}: ${message}`);
  }
}
