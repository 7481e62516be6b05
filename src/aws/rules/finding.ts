/**
 * What a rule of aws-saml-rules.md says about one SAML Response: the verdict an admin reads in
 * `sesame doctor` and the STS emulator turns into AWS's error answer. One shape for both, so the
 * two can never disagree about why a response is refused.
 */

/** `error`: AWS refuses the response (or the request). `warning`: AWS accepts it, but something the
 * admin relies on breaks (a desktop client, a shortened session, a future key rollover). */
export type Severity = 'error' | 'warning';

/** The error AWS answers with (STS Query protocol): wire code, HTTP status and message (rules P3). */
export interface AwsError {
  code: string;
  httpStatus: number;
  message: string;
}

export interface Finding {
  /** Rule id from aws-saml-rules.md (E3, A2, T3 …). */
  rule: string;
  severity: Severity;
  /** What is wrong, quoting the offending value: "Recipient is X; AWS expects Y". */
  message: string;
  /** What to change, and where. */
  fix: string;
  /** Present on errors: what AWS (and the emulator) answers. */
  awsError?: AwsError;
}

export function ruleError(rule: string, message: string, fix: string, awsError: AwsError): Finding {
  return { rule, severity: 'error', message, fix, awsError };
}

export function ruleWarning(rule: string, message: string, fix: string): Finding {
  return { rule, severity: 'warning', message, fix };
}

export function isError(finding: Finding): boolean {
  return finding.severity === 'error';
}
