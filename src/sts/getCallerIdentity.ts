import { createHash } from 'node:crypto';
import { base32Id } from './emulatorState';
import type { Caller } from './authenticate';
import type { XmlValue } from './queryProtocol';

/** The user name GetCallerIdentity reports for an admin key. */
export const ADMIN_USER_NAME = 'sesame-sts-admin';

/** GetCallerIdentity: who the (already authenticated) caller is. */
export function getCallerIdentity(caller: Caller): { [name: string]: XmlValue } {
  if (caller.kind === 'session') {
    const c = caller.credentials;
    return { Arn: c.arn, UserId: c.userId, Account: c.accountId };
  }
  const userId = 'AIDA' + base32Id(createHash('sha256').update(caller.key.accessKeyId).digest(), 17);
  return { Arn: `arn:aws:iam::${caller.key.accountId}:user/${ADMIN_USER_NAME}`, UserId: userId, Account: caller.key.accountId };
}
