import { createHash } from 'node:crypto';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { csrfTokenOf, requireCsrf } from '../csrf';
import { requireSignedIn } from '../signedInUser';
import { currentClient, sameClient } from '../sessionClient';
import { hashPassword } from '../../auth/passwordHash';
import { AccountInputError, checkNewPassword } from '../../auth/accountRules';
import { MfaInputError } from '../../auth/mfaService';
import { pendingTotpSecret, totpEnrolmentView } from './mfaEnrolmentView';
import type { PasswordAuthenticator } from '../../auth/passwordAuthenticator';
import type { Store, UserRecord } from '../../store/store';
import type { AdminConsoleServices } from './adminConsoleServices';
import type { ApiTokenRevoker } from '../../admin/adminService';

/** Sessions are named by a hash of their id: the id itself is a bearer secret and never goes into a page. */
export function sessionHandle(sid: string): string {
  return createHash('sha256').update(sid).digest('hex').slice(0, 16);
}

const field = (req: Request, name: string): string => {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
};

/** Sign-ins recorded for this user, newest first: successes and failures, with where from. */
export async function recentSignIns(services: AdminConsoleServices, username: string, limit = 20) {
  const entries = await services.consoleStore.searchAudit({ user: username, event: 'signin.', limit });
  return entries.map((e) => ({
    at: e.at,
    ok: e.event === 'signin.success',
    clientIp: e.clientIp,
    channel: String(e.details.channel ?? ''),
    reason: e.details.reason === undefined ? '' : String(e.details.reason),
  }));
}

/**
 * Remembers where a signed-in session is used from (shown in "active sessions"); written only when it
 * changes, so it costs nothing on ordinary requests.
 */
function rememberClient(req: Request, _res: Response, next: NextFunction): void {
  if (req.user) {
    const client = currentClient(req);
    if (!sameClient(req.session.client, client)) req.session.client = client;
  }
  next();
}

/** Self-service: the signed-in user's password, second factor, recent sign-ins and active sessions. */
export function accountRoutes(deps: { store: Store; authenticator: PasswordAuthenticator; adminConsole: AdminConsoleServices; apiTokens?: ApiTokenRevoker }): Router {
  const router = Router();
  const services = deps.adminConsole;
  const { mfa } = services;
  router.use(rememberClient);

  async function isDirectoryUser(user: UserRecord): Promise<boolean> {
    return (await services.directory.findDirectoryAccount(user.id)) !== null;
  }

  async function show(req: Request, res: Response, status = 200, messages: { error?: string; notice?: string } = {}) {
    const user = req.user!;
    const flash = req.session.flash;
    delete req.session.flash;
    const sessions = (await services.consoleStore.listUserSessions(user.id, Date.now())).map((s) => {
      const data = s.data as { authnInstant?: number; secondFactor?: boolean; client?: { ip: string; userAgent: string } };
      return {
        handle: sessionHandle(s.sid),
        current: s.sid === req.sessionID,
        signedInAt: data.authnInstant ? new Date(data.authnInstant).toISOString() : '',
        secondFactor: data.secondFactor === true,
        ip: data.client?.ip ?? '',
        userAgent: data.client?.userAgent ?? '',
        expiresAt: new Date(s.expiresAt).toISOString(),
      };
    });
    res.status(status).render('account/index', {
      title: 'Your account',
      user,
      csrfToken: csrfTokenOf(req),
      directoryUser: await isDirectoryUser(user),
      mfa: await mfa.status(user),
      signIns: await recentSignIns(services, user.username),
      sessions,
      groups: await deps.store.listGroupsOfUser(user.id),
      error: messages.error ?? (flash?.kind === 'error' ? flash.text : undefined),
      notice: messages.notice ?? (flash?.kind === 'notice' ? flash.text : undefined),
    });
  }

  router.get('/account', requireSignedIn, (req, res) => show(req, res));

  router.post('/account/password', requireSignedIn, requireCsrf, async (req, res) => {
    const user = req.user!;
    if (await isDirectoryUser(user)) return show(req, res, 400, { error: 'Your password is managed by the company directory. Change it there.' });
    const current = field(req, 'currentPassword');
    const next = field(req, 'newPassword');
    if (next !== field(req, 'newPasswordRepeat')) return show(req, res, 400, { error: 'The two new passwords differ.' });
    if (current === '' || current.length > 1024) return show(req, res, 400, { error: 'Enter your current password.' });
    // The current password goes through the sign-in checks: throttled, audited, same answers.
    const check = await deps.authenticator.signIn(user.username, current, req.ip ?? 'unknown', 'account');
    if (!check.ok || check.user.id !== user.id) {
      return show(req, res, check.ok ? 400 : check.reason === 'locked' ? 429 : 401, { error: check.ok || check.reason !== 'locked' ? 'Your current password is not right.' : 'Too many failed attempts. Try again later.' });
    }
    try {
      checkNewPassword(next, user.username);
    } catch (error) {
      if (error instanceof AccountInputError) return show(req, res, 400, { error: error.message.replace(/^password/, 'The new password') });
      throw error;
    }
    await deps.store.setPasswordHash(user.id, await hashPassword(next));
    // Someone who knew the old password may hold a session or an API token: end every other one.
    const ended = await deps.store.destroyUserSessions(user.id, req.sessionID);
    const revoked = deps.apiTokens ? await deps.apiTokens.revokeAllOf(user.id) : 0;
    await deps.store.appendAudit({
      event: 'account.password',
      actor: user.username,
      subject: user.username,
      clientIp: req.ip ?? null,
      details: { otherSessionsEnded: ended, apiTokensRevoked: revoked },
    });
    req.session.flash = { kind: 'notice', text: `Your password is changed.${ended ? ` ${ended} other session(s) were signed out.` : ''}${revoked ? ` ${revoked} command-line sign-in(s) were ended.` : ''}` };
    res.redirect(303, '/account');
  });

  async function showEnrolment(req: Request, res: Response, status = 200, error?: string) {
    const user = req.user!;
    res.status(status).render('account/mfa', {
      title: 'Authenticator app',
      user,
      csrfToken: csrfTokenOf(req),
      replacing: await mfa.isEnrolled(user),
      enrolment: await totpEnrolmentView(req, mfa, user),
      error,
    });
  }

  router.get('/account/mfa', requireSignedIn, (req, res) => showEnrolment(req, res));

  router.post('/account/mfa', requireSignedIn, requireCsrf, async (req, res) => {
    const user = req.user!;
    // Voluntary enrolment only: a session that owes a second factor by policy is sent to the
    // sign-in's second step (with its enrolment code) by loadSignedInUser; this is the backstop.
    if (req.session.secondFactor !== true && (await mfa.mustEnrol(user))) {
      return showEnrolment(req, res, 403, 'Your group requires a second factor: sign out and sign in again to set it up with the enrolment code from your administrator.');
    }
    const secret = pendingTotpSecret(req);
    if (!secret) return showEnrolment(req, res, 400, 'The QR code expired. Scan the new one.');
    if (await mfa.isEnrolled(user)) {
      // Replacing a factor needs the old one: a session left open on a shared screen must not be enough.
      const outcome = await mfa.verify(user, field(req, 'currentCode'), req.ip ?? 'unknown', 'account');
      if (outcome === 'locked') return showEnrolment(req, res, 429, 'Too many wrong codes. Try again later.');
      if (outcome !== 'ok') return showEnrolment(req, res, 401, 'The code from your current app (or a recovery code) is not right. To replace a lost app, ask an administrator to reset your second factor.');
    }
    let codes: string[];
    try {
      codes = await mfa.confirmEnrolment(user, secret, field(req, 'code'), req.ip ?? 'unknown', 'account');
    } catch (error) {
      if (error instanceof MfaInputError) return showEnrolment(req, res, 400, error.message);
      throw error;
    }
    delete req.session.pendingTotp;
    // Password at sign-in, and now a code from the new app: this session has both factors (without
    // this it would be sent to the second step at the very next click).
    req.session.secondFactor = true;
    res.render('mfa/recovery-codes', { title: 'Your recovery codes', user, csrfToken: csrfTokenOf(req), codes, continueTo: '/account' });
  });

  router.post('/account/mfa/recovery-codes', requireSignedIn, requireCsrf, async (req, res) => {
    const user = req.user!;
    const outcome = await mfa.verify(user, field(req, 'code'), req.ip ?? 'unknown', 'account');
    if (outcome !== 'ok') return show(req, res, outcome === 'locked' ? 429 : 401, { error: 'To make new recovery codes, type a current code from your authenticator app.' });
    try {
      const codes = await mfa.regenerateRecoveryCodes(user, req.ip ?? 'unknown');
      res.render('mfa/recovery-codes', { title: 'Your recovery codes', user, csrfToken: csrfTokenOf(req), codes, continueTo: '/account' });
    } catch (error) {
      if (error instanceof MfaInputError) return show(req, res, 400, { error: error.message });
      throw error;
    }
  });

  router.post('/account/sessions/end', requireSignedIn, requireCsrf, async (req, res) => {
    const user = req.user!;
    const handle = field(req, 'session');
    const target = (await services.consoleStore.listUserSessions(user.id, Date.now())).find((s) => sessionHandle(s.sid) === handle);
    if (!target) return show(req, res, 404, { error: 'That session has already ended.' });
    if (target.sid === req.sessionID) return show(req, res, 400, { error: 'This is the session you are using: use Sign out.' });
    await deps.store.destroySession(target.sid);
    await deps.store.appendAudit({ event: 'account.session.end', actor: user.username, subject: user.username, clientIp: req.ip ?? null, details: { session: handle } });
    req.session.flash = { kind: 'notice', text: 'That session is signed out.' };
    res.redirect(303, '/account');
  });

  return router;
}
