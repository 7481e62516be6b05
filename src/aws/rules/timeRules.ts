import { REDEEM_WITHIN_5_MINUTES, RESPONSE_EXPIRED, expiredTokenException, invalidIdentityToken } from './awsErrors';
import { ruleError, ruleWarning, type Finding } from './finding';
import type { AwsSamlRule, RuleContext } from './ruleContext';

// xs:dateTime: a zone designator is mandatory for us (T7), fractions optional.
const DATE_TIME = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?$/;

export interface Instant {
  ms: number;
  utcZ: boolean;
}

/** Parses an xs:dateTime; null when malformed or without a zone. */
export function parseInstant(value: string): Instant | null {
  const match = DATE_TIME.exec(value);
  if (!match || match[8] === undefined) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : { ms, utcZ: match[8] === 'Z' };
}

interface NamedInstant {
  label: string;
  value: string;
}

function instantsOf({ facts }: RuleContext): NamedInstant[] {
  const { response, assertion } = facts;
  const list: Array<[string, string | null]> = [
    ['Response IssueInstant', response.issueInstant],
    ['Assertion IssueInstant', assertion.issueInstant],
    ...assertion.conditions.flatMap((c): Array<[string, string | null]> => [
      ['Conditions NotBefore', c.notBefore],
      ['Conditions NotOnOrAfter', c.notOnOrAfter],
    ]),
    ...assertion.subjectConfirmations.flatMap((c) => c.data).map((d): [string, string | null] => ['SubjectConfirmationData NotOnOrAfter', d.notOnOrAfter]),
    ...assertion.authnStatements.flatMap((s): Array<[string, string | null]> => [
      ['AuthnStatement AuthnInstant', s.authnInstant],
      ['AuthnStatement SessionNotOnOrAfter', s.sessionNotOnOrAfter],
    ]),
  ];
  return list.filter((e): e is [string, string] => e[1] !== null).map(([label, value]) => ({ label, value }));
}

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

/** T7: every timestamp is an xs:dateTime in UTC with "Z". */
export const timestampSyntaxRule: AwsSamlRule = {
  id: 'T7',
  title: 'Timestamps are xs:dateTime in UTC with Z',
  check(ctx) {
    const findings: Finding[] = [];
    for (const { label, value } of instantsOf(ctx)) {
      const instant = parseInstant(value);
      if (instant === null) {
        findings.push(ruleError('T7', `${label} is ${JSON.stringify(value)}, not an xs:dateTime with a time zone`, 'Emit UTC times such as 2026-11-24T10:00:00.000Z.', invalidIdentityToken('Invalid SAML response: malformed timestamp')));
      } else if (!instant.utcZ) {
        findings.push(ruleWarning('T7', `${label} is ${JSON.stringify(value)}, with an offset instead of Z`, 'Emit UTC with Z; saml2aws parses these as RFC 3339 and other clients expect Z.'));
      }
    }
    const missing = ctx.facts.response.issueInstant === null || ctx.facts.assertion.issueInstant === null;
    if (missing) findings.push(ruleError('T7', 'The Response or the Assertion has no IssueInstant', 'Emit IssueInstant (now, UTC) on both.', invalidIdentityToken('Invalid SAML response')));
    return findings;
  },
};

function ms(value: string | null): number | null {
  return value === null ? null : (parseInstant(value)?.ms ?? null);
}

/**
 * T2/T4: Conditions and SubjectConfirmationData windows. Expiry is enforced to the millisecond
 * (T2 was observed with a 60 s lifetime); NotBefore gets `clockSkewSeconds` of tolerance because
 * AWS documents none and IdPs backdate it anyway (rules §12.1: our choice, configurable).
 */
export const validityWindowRule: AwsSamlRule = {
  id: 'T2',
  title: 'Within NotBefore / NotOnOrAfter',
  check(ctx) {
    const now = ctx.now.getTime();
    const skew = ctx.clock.clockSkewSeconds * 1000;
    const findings: Finding[] = [];
    const expired = (label: string, at: number) =>
      findings.push(ruleError('T2', `${label} was ${new Date(at).toISOString()}, ${seconds(now - at)} before now (${ctx.now.toISOString()}): the response has expired`, 'Redeem assertions right after they are issued, and keep the IdP clock in sync (NTP).', expiredTokenException(RESPONSE_EXPIRED)));
    for (const condition of ctx.facts.assertion.conditions) {
      const notOnOrAfter = ms(condition.notOnOrAfter);
      if (notOnOrAfter !== null && now >= notOnOrAfter) expired('Conditions NotOnOrAfter', notOnOrAfter);
      const notBefore = ms(condition.notBefore);
      if (notBefore !== null && now + skew < notBefore) {
        findings.push(ruleError('T4', `Conditions NotBefore is ${new Date(notBefore).toISOString()}, ${seconds(notBefore - now)} in the future`, "The IdP's clock is ahead: sync it with NTP. Sesame backdates NotBefore by 60 s.", invalidIdentityToken('Response is not yet valid')));
      }
    }
    for (const data of ctx.facts.assertion.subjectConfirmations.flatMap((c) => c.data)) {
      const notOnOrAfter = ms(data.notOnOrAfter);
      if (notOnOrAfter !== null && now >= notOnOrAfter) expired('SubjectConfirmationData NotOnOrAfter', notOnOrAfter);
    }
    for (const statement of ctx.facts.assertion.authnStatements) {
      const sessionEnd = ms(statement.sessionNotOnOrAfter);
      if (sessionEnd !== null && now >= sessionEnd) {
        findings.push(ruleError('T6', `AuthnStatement SessionNotOnOrAfter was ${new Date(sessionEnd).toISOString()}: the session it grants has already ended`, 'Emit SessionNotOnOrAfter only if it is at least the intended session length (T6).', expiredTokenException(RESPONSE_EXPIRED)));
      }
    }
    return findings;
  },
};

/**
 * T3: STS refuses an assertion redeemed more than 5 minutes after issue, whatever its NotOnOrAfter.
 * Which IssueInstant AWS counts from is unconfirmed (rules §12.1): we count from the earlier of the
 * Response's and the Assertion's, the stricter choice.
 */
export const redemptionWindowRule: AwsSamlRule = {
  id: 'T3',
  title: 'Redeemed within 5 minutes of issue',
  check(ctx) {
    const now = ctx.now.getTime();
    const issued = [ms(ctx.facts.response.issueInstant), ms(ctx.facts.assertion.issueInstant)].filter((v): v is number => v !== null);
    if (issued.length === 0) return [];
    const findings: Finding[] = [];
    const earliest = Math.min(...issued);
    const latest = Math.max(...issued);
    const window = ctx.clock.redemptionWindowSeconds * 1000;
    if (now - earliest > window) {
      findings.push(ruleError('T3', `The response was issued at ${new Date(earliest).toISOString()}, ${seconds(now - earliest)} ago; STS accepts it for ${seconds(window)} after issue`, 'Request a fresh assertion for every AssumeRoleWithSAML call; do not cache responses, and never backdate IssueInstant (T4).', expiredTokenException(REDEEM_WITHIN_5_MINUTES)));
    }
    if (latest - now > ctx.clock.clockSkewSeconds * 1000) {
      findings.push(ruleError('T4', `IssueInstant ${new Date(latest).toISOString()} is ${seconds(latest - now)} in the future`, "The IdP's clock is ahead: sync it with NTP.", invalidIdentityToken('Response is not yet valid')));
    }
    const lifetimeEnd = ms(ctx.facts.assertion.conditions[0]?.notOnOrAfter ?? null);
    if (lifetimeEnd !== null && lifetimeEnd - earliest > window) {
      findings.push(ruleWarning('T3', `The assertion claims validity for ${seconds(lifetimeEnd - earliest)} after issue; STS honours ${seconds(window)} at most`, 'Issue assertions valid for 5 minutes (SESAME_ASSERTION_LIFETIME_SECONDS ≤ 300).'));
    }
    return findings;
  },
};
