import type { IncomingMessage } from 'node:http';
import { QueryError } from './queryProtocol';
import { SigV4Error, checkSignatureTime, verifySigV4, type KnownKey, type SignableRequest } from './sigv4';
import type { AdminKey, EmulatorState, IssuedCredentials } from './emulatorState';

/** Who signed a request: an admin key (IAM calls) or temporary credentials the emulator issued. */
export type Caller = { kind: 'admin'; key: AdminKey } | { kind: 'session'; credentials: IssuedCredentials };

export function signableRequest(req: IncomingMessage, body: Buffer): SignableRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return { method: req.method ?? 'GET', rawPath: q === -1 ? url : url.slice(0, q), rawQuery: q === -1 ? '' : url.slice(q + 1), rawHeaders: req.rawHeaders, body };
}

/**
 * Authenticates a SigV4-signed call: signature first (so nothing is revealed about a key to someone
 * who cannot sign with it), then the expiry of temporary credentials (ExpiredToken), then the
 * 15-minute signing window.
 */
export function authenticate(request: SignableRequest, service: 'sts' | 'iam', state: EmulatorState, adminKeys: AdminKey[], now: Date): Caller {
  const lookup = (accessKeyId: string): KnownKey | null => {
    const admin = adminKeys.find((k) => k.accessKeyId === accessKeyId);
    if (admin) return { secretAccessKey: admin.secretAccessKey, sessionToken: null };
    const issued = state.credentials.get(accessKeyId);
    return issued ? { secretAccessKey: issued.secretAccessKey, sessionToken: issued.sessionToken } : null;
  };
  try {
    const identity = verifySigV4(request, service, lookup);
    const admin = adminKeys.find((k) => k.accessKeyId === identity.accessKeyId);
    const caller: Caller = admin ? { kind: 'admin', key: admin } : { kind: 'session', credentials: state.credentials.get(identity.accessKeyId)! };
    if (caller.kind === 'session' && caller.credentials.expiration <= now.getTime()) {
      throw new QueryError('ExpiredToken', 403, 'The security token included in the request is expired');
    }
    checkSignatureTime(request, identity, now);
    return caller;
  } catch (error) {
    if (error instanceof SigV4Error) throw new QueryError(error.code, error.httpStatus, error.message);
    throw error;
  }
}
