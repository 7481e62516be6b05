import { SamlIntakeError } from '../../../saml/intake/samlIntakeError';

export interface ClockPolicy {
  maxAgeSeconds: number;
  skewSeconds: number;
}

/** IssueInstant must be recent and not in the future (beyond the allowed clock skew). */
export function checkFreshness(issueInstant: Date, now: Date, policy: ClockPolicy): void {
  const age = now.getTime() - issueInstant.getTime();
  if (age > (policy.maxAgeSeconds + policy.skewSeconds) * 1000) {
    throw new SamlIntakeError('request.stale', `The message was issued at ${issueInstant.toISOString()}, more than ${policy.maxAgeSeconds} s ago; start again at the application (or check its clock).`);
  }
  if (-age > policy.skewSeconds * 1000) {
    throw new SamlIntakeError('request.future', `The message claims to be issued at ${issueInstant.toISOString()}, in the future; check the application's clock.`);
  }
}

/** NotOnOrAfter on a LogoutRequest (GHSA-vx8m-6fhw-pccw: node-saml once ignored it for POST). */
export function checkNotExpired(notOnOrAfter: Date | null, now: Date, skewSeconds: number): void {
  if (notOnOrAfter !== null && now.getTime() >= notOnOrAfter.getTime() + skewSeconds * 1000) {
    throw new SamlIntakeError('request.stale', `The message expired at ${notOnOrAfter.toISOString()}.`);
  }
}
