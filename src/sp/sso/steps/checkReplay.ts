import { SamlIntakeError } from '../../../saml/intake/samlIntakeError';
import type { SamlStateStore } from '../../../store/samlStateStore';
import type { ClockPolicy } from './checkFreshness';

/**
 * A message ID is accepted once per sender. IDs are kept until the message would be refused as
 * stale anyway, so the cache stays small and nothing old can be replayed after it forgets.
 */
export async function checkReplay(state: SamlStateStore, issuer: string, messageId: string, issueInstant: Date, policy: ClockPolicy): Promise<void> {
  const keepUntil = Math.max(issueInstant.getTime(), Date.now()) + (policy.maxAgeSeconds + 2 * policy.skewSeconds) * 1000;
  if (!(await state.rememberMessageId(issuer, messageId, keepUntil))) {
    throw new SamlIntakeError('request.replay', `The message ${JSON.stringify(messageId.slice(0, 80))} was already received; a message is accepted once.`);
  }
}
