import type { UserRecord } from '../store/store';

export type SecondFactorOutcome = 'ok' | 'invalid' | 'locked';

/**
 * The second-factor step every sign-in channel (browser form, CLI API, ECP) goes through after the
 * password. The MFA implementation (TOTP + recovery codes) provides it; until a user enrols, or
 * when no policy requires it, `isRequired` is false.
 */
export interface SecondFactorCheck {
  /** Whether this user must present a second factor to finish signing in. */
  isRequired(user: UserRecord): Promise<boolean>;
  /** Checks a one-time code (TOTP or recovery code); the implementation throttles guesses and audits. */
  verify(user: UserRecord, code: string, clientIp: string, channel: string): Promise<SecondFactorOutcome>;
}

/** Used until an MFA implementation is wired in: nobody is asked for a second factor. */
export const noSecondFactor: SecondFactorCheck = {
  isRequired: async () => false,
  verify: async () => 'invalid',
};
