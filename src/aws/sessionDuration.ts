import { AwsRuleError } from './awsRuleError';
import { quoteInput } from './quoteInput';

/** AWS accepts SessionDuration from 15 minutes to 12 hours (A3). */
export const MIN_SESSION_DURATION_SECONDS = 900;
export const MAX_SESSION_DURATION_SECONDS = 43200;

// Digits only: Number() would also accept " 3600", "3.6e3", "0x1" and "", which hide typos.
const DIGITS_ONLY = /^[0-9]+$/;

const RANGE_TEXT = `an integer number of seconds from ${MIN_SESSION_DURATION_SECONDS} (15 min) to ${MAX_SESSION_DURATION_SECONDS} (12 h)`;

/**
 * Validates a SessionDuration in seconds, from config (number) or a form/database (string of digits),
 * and returns it as a number (A3). Out-of-range values are refused rather than clamped: a silently
 * shortened or lengthened session surprises the admin who typed it.
 */
export function checkSessionDuration(value: unknown): number {
  const shown = quoteInput(value);
  let seconds: number;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) {
      throw new AwsRuleError('A3', `SessionDuration ${shown} is not a whole number — it must be ${RANGE_TEXT}`);
    }
    seconds = value;
  } else if (typeof value === 'string' && DIGITS_ONLY.test(value)) {
    seconds = Number(value);
  } else {
    throw new AwsRuleError('A3', `SessionDuration ${shown} is not a whole number of seconds written in digits — it must be ${RANGE_TEXT}`);
  }
  if (seconds < MIN_SESSION_DURATION_SECONDS || seconds > MAX_SESSION_DURATION_SECONDS) {
    throw new AwsRuleError('A3', `SessionDuration ${shown} is out of range — it must be ${RANGE_TEXT}`);
  }
  return seconds;
}
