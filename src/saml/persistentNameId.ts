import { createHmac } from 'node:crypto';

/**
 * A persistent NameID (SAML core 8.3.7): opaque, stable for one user at one SP, different at each SP
 * so SPs cannot correlate users, and revealing nothing about the user (N2: it is written to CloudTrail).
 * It is an HMAC of the user's random seed and the SP's entity ID under an installation secret, so it
 * survives renames and needs no table.
 */
export function persistentNameId(installationSecret: string, userSubjectSeed: string, spEntityId: string): string {
  return createHmac('sha256', installationSecret).update(userSubjectSeed).update('\u0000').update(spEntityId).digest('base64url');
}
