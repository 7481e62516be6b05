import { Router, type Request, type Response } from 'express';
import { csrfTokenOf, requireCsrf } from '../csrf';
import { safeNext } from '../safeNext';
import { newSamlId } from '../../saml/samlId';
import { MfaInputError, type MfaService } from '../../auth/mfaService';
import { pendingTotpSecret, totpEnrolmentView } from './mfaEnrolmentView';
import type { Store, UserRecord } from '../../store/store';
import type { DirectoryStore } from '../../store/directoryStore';
import { rememberDirectoryLink } from '../signedInUser';
import './adminConsoleServices';

/** Time allowed between the password and the second factor. */
const PENDING_MS = 5 * 60 * 1000;

function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((error) => (error ? reject(error) : resolve())));
}

/**
 * Called by the sign-in form once the password is right: when the user must give a second factor,
 * the session (regenerated, so the pre-login id is gone) holds only "password done for user N,
 * going to <next>", nobody is signed in, and the browser goes to the second step. False when no
 * second factor is needed and the caller completes the sign-in itself.
 */
export async function beginSecondFactor(
  req: Request,
  res: Response,
  mfa: MfaService | undefined,
  user: UserRecord,
  next: string,
  sessionIndex?: string,
): Promise<boolean> {
  if (!mfa || !(await mfa.isRequired(user))) return false;
  await regenerate(req);
  req.session.mfaPending = { userId: user.id, next, startedAt: Date.now(), sessionIndex };
  csrfTokenOf(req);
  res.redirect(303, '/login/mfa');
  return true;
}

/** Both factors checked: a fresh session that is signed in, with the second factor recorded (REFEDS MFA in assertions). */
async function completeSignIn(req: Request, user: UserRecord, directory: DirectoryStore | undefined, sessionIndex?: string): Promise<void> {
  await regenerate(req);
  req.session.userId = user.id;
  req.session.authnInstant = Date.now();
  req.session.sessionIndex = sessionIndex ?? newSamlId();
  req.session.secondFactor = true;
  req.session.client = { ip: req.ip ?? 'unknown', userAgent: (req.get('user-agent') ?? '').slice(0, 200) };
  await rememberDirectoryLink(req, user, directory);
  csrfTokenOf(req);
}

const field = (req: Request, name: string): string => {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
};

/**
 * The second step of the browser sign-in: a TOTP or recovery code, or enrolment when a group policy
 * requires one. Enrolment here needs the one-time enrolment code an administrator issued: whoever has
 * only the password must not be able to choose the second factor (after an admin reset, for a new
 * directory user, or for a member of a group that just started requiring one).
 */
export function mfaRoutes(deps: { store: Store; mfa: MfaService; directory?: DirectoryStore }): Router {
  const router = Router();

  interface Pending {
    user: UserRecord;
    next: string;
    stepUp: boolean;
    /** The IdP session being re-authenticated, whose SPs Single Logout must still reach. */
    sessionIndex?: string;
  }

  async function pendingUser(req: Request): Promise<Pending | null> {
    const pending = req.session.mfaPending;
    if (!pending || Date.now() - pending.startedAt > PENDING_MS) return null;
    const user = await deps.store.findUserById(pending.userId);
    if (!user || user.disabled) return null;
    return { user, next: safeNext(pending.next), stepUp: pending.stepUp === true, sessionIndex: pending.sessionIndex };
  }

  async function render(req: Request, res: Response, status: number, pending: Pending, error?: string) {
    if (await deps.mfa.mustEnrol(pending.user)) {
      const status2 = await deps.mfa.status(pending.user);
      return res.status(status).render('mfa/enrol-at-sign-in', {
        title: 'Set up your second factor',
        csrfToken: csrfTokenOf(req),
        username: pending.user.username,
        requiredBy: status2.requiredByGroups,
        enrolment: await totpEnrolmentView(req, deps.mfa, pending.user),
        stepUp: pending.stepUp,
        error,
      });
    }
    res.status(status).render('mfa/challenge', { title: 'Second factor', csrfToken: csrfTokenOf(req), username: pending.user.username, stepUp: pending.stepUp, error });
  }

  const expired = (req: Request, res: Response) => {
    delete req.session.mfaPending;
    res.redirect(303, '/login?expired=1');
  };

  router.get('/login/mfa', async (req, res) => {
    const pending = await pendingUser(req);
    if (!pending) return expired(req, res);
    await render(req, res, 200, pending);
  });

  router.post('/login/mfa', requireCsrf, async (req, res) => {
    const pending = await pendingUser(req);
    if (!pending) return expired(req, res);
    const code = typeof (req.body as Record<string, unknown>).code === 'string' ? ((req.body as Record<string, string>).code ?? '') : '';
    if (code.trim() === '' || code.length > 64) return render(req, res, 400, pending, 'Enter the 6-digit code from your authenticator app, or a recovery code.');
    const outcome = await deps.mfa.verify(pending.user, code, req.ip ?? 'unknown', 'browser');
    if (outcome === 'locked') {
      const wait = await deps.mfa.retryAfter(pending.user);
      res.setHeader('Retry-After', String(wait));
      return render(req, res, 429, pending, `Too many wrong codes. Try again in ${Math.max(1, Math.ceil(wait / 60))} minute(s).`);
    }
    if (outcome !== 'ok') return render(req, res, 401, pending, 'That code is not right, or it was already used. Wait for the next code and try again.');
    await completeSignIn(req, pending.user, deps.directory, pending.sessionIndex);
    res.redirect(303, pending.next);
  });

  router.post('/login/mfa/enrol', requireCsrf, async (req, res) => {
    const pending = await pendingUser(req);
    if (!pending) return expired(req, res);
    if (!(await deps.mfa.mustEnrol(pending.user))) return res.redirect(303, '/login/mfa');
    const secret = pendingTotpSecret(req);
    if (!secret) return render(req, res, 400, pending, 'The QR code expired. Scan the new one.');
    const enrolmentCode = field(req, 'enrolmentCode');
    if (enrolmentCode.trim() === '' || enrolmentCode.length > 64) {
      await deps.store.appendAudit({ event: 'mfa.enrol.failure', actor: pending.user.username, subject: pending.user.username, clientIp: req.ip ?? null, details: { channel: 'browser', reason: 'enrolment_code_missing' } });
      return render(req, res, 400, pending, 'Type the enrolment code your administrator gave you. No code yet? Ask an administrator: they make one on your page in the admin console (Make an enrolment code) or with "sesame user mfa-enrol-code".');
    }
    let codes: string[];
    try {
      codes = await deps.mfa.confirmEnrolmentAtSignIn(pending.user, secret, field(req, 'code'), enrolmentCode, req.ip ?? 'unknown', 'browser');
    } catch (error) {
      if (error instanceof MfaInputError) return render(req, res, 400, pending, error.message);
      throw error;
    }
    delete req.session.pendingTotp;
    await completeSignIn(req, pending.user, deps.directory, pending.sessionIndex);
    res.status(200).render('mfa/recovery-codes', {
      title: 'Your recovery codes',
      user: pending.user,
      csrfToken: csrfTokenOf(req),
      codes,
      continueTo: pending.next,
    });
  });

  router.post('/login/mfa/cancel', requireCsrf, (req, res) => {
    delete req.session.mfaPending;
    delete req.session.pendingTotp;
    res.redirect(303, '/login');
  });

  return router;
}
