import type { Request } from 'express';

/** Where a session is used from, as shown under "active sessions" (account and admin pages). */
export interface SessionClient {
  ip: string;
  userAgent: string;
}

export function currentClient(req: Request): SessionClient {
  return { ip: req.ip ?? 'unknown', userAgent: (req.get('user-agent') ?? '').slice(0, 200) };
}

/** False when the session was last seen from elsewhere (or never): then it is written again. */
export function sameClient(known: SessionClient | undefined, current: SessionClient): boolean {
  return known !== undefined && known.ip === current.ip && known.userAgent === current.userAgent;
}
