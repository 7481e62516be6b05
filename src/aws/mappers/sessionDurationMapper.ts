import { ATTRNAME_FORMAT_URI } from '../../saml/types';
import { AWS_SESSION_DURATION_ATTRIBUTE } from '../attributeNames';
import { checkSessionDuration } from '../sessionDuration';
import type { AwsAttributeMapper } from '../types';

/**
 * Releases SessionDuration (A3) only when a grant sets one; without it AWS gives a one-hour
 * console session.
 *
 * The assertion carries a single SessionDuration, yet the user picks the role only afterwards,
 * on the AWS role picker (E10) or in a CLI tool. The value therefore has to suit whichever role is
 * chosen, so we send the smallest configured value: it never exceeds any role's configured limit,
 * and CLI helpers that copy it into DurationSeconds cannot trip a role's MaxSessionDuration
 * (ValidationError). A longer-lived role merely gets a shorter session when it is granted together
 * with a shorter one. Grants without a value do not vote: they leave the length to AWS.
 */
export const sessionDurationMapper: AwsAttributeMapper = ({ grants }) => {
  let shortest: number | null = null;
  for (const grant of grants) {
    if (grant.sessionDuration === null) {
      continue;
    }
    const seconds = checkSessionDuration(grant.sessionDuration);
    if (shortest === null || seconds < shortest) {
      shortest = seconds;
    }
  }
  if (shortest === null) {
    return [];
  }
  return [{ name: AWS_SESSION_DURATION_ATTRIBUTE, nameFormat: ATTRNAME_FORMAT_URI, values: [String(shortest)] }];
};
