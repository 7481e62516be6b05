import QRCode from 'qrcode';
import type { Request } from 'express';
import type { UserRecord } from '../../store/store';
import type { MfaService } from '../../auth/mfaService';

/** Pending secrets expire: a QR code left on a screen should not stay enrollable forever. */
const PENDING_TOTP_MS = 10 * 60 * 1000;

/**
 * The secret being enrolled lives in the server-side session until the user confirms a code for it;
 * it is shown as a QR code (inline SVG: no script, no data: URL, so the page CSP stays strict) and as
 * text for apps that cannot scan.
 */
export async function totpEnrolmentView(req: Request, mfa: MfaService, user: UserRecord): Promise<{ secret: string; secretGroups: string; qrSvg: string; uri: string }> {
  const pending = req.session.pendingTotp;
  let secret: string;
  if (pending && Date.now() - pending.startedAt < PENDING_TOTP_MS) secret = pending.secret;
  else {
    secret = mfa.startEnrolment(user).secret;
    req.session.pendingTotp = { secret, startedAt: Date.now() };
  }
  const uri = mfa.enrolmentUri(user, secret);
  const qrSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2, width: 220 });
  return { secret, secretGroups: secret.match(/.{1,4}/g)!.join(' '), qrSvg, uri };
}

/** The pending secret, if it is still fresh. */
export function pendingTotpSecret(req: Request): string | null {
  const pending = req.session.pendingTotp;
  return pending && Date.now() - pending.startedAt < PENDING_TOTP_MS ? pending.secret : null;
}
