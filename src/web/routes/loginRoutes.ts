import { Router, type Request, type Response } from 'express';
import { csrfTokenOf, requireCsrf } from '../csrf';
import { safeNext } from '../safeNext';
import { newSamlId } from '../../saml/samlId';
import type { PasswordAuthenticator } from '../../auth/passwordAuthenticator';
import type { Store } from '../../store/store';
import { DirectoryUnavailableError } from '../../auth/ldap/directorySignIn';
import { beginSecondFactor } from './mfaRoutes';
import { rememberDirectoryLink } from '../signedInUser';
import type { AdminConsoleServices } from './adminConsoleServices';
import type { SingleLogout } from '../../sp/slo/singleLogout';

const INVALID = 'Incorrect username or password.';

function renderLogin(req: Request, res: Response, status: number, extra: { error?: string; notice?: string; username?: string; next?: string }) {
  res.status(status).render('login', {
    csrfToken: csrfTokenOf(req),
    next: extra.next ?? safeNext(req.query.next),
    username: extra.username ?? '',
    error: extra.error,
    notice: extra.notice,
  });
}

/** Regenerates the session on sign-in (no fixation: the pre-login session id never becomes authenticated). */
function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((error) => (error ? reject(error) : resolve())));
}

export function loginRoutes(deps: { authenticator: PasswordAuthenticator; store: Store; adminConsole?: AdminConsoleServices; saml?: { singleLogout: SingleLogout } }): Router {
  const router = Router();

  router.get('/login', (req, res) => {
    // reauth=1: an SP asked for ForceAuthn, so a signed-in user signs in again (src/sp/sso/spSso.ts).
    if (req.user && req.query.reauth !== '1') return res.redirect(303, safeNext(req.query.next));
    const notice = req.query.signedOut === '1' ? 'You are signed out.' : req.query.expired === '1' ? 'That sign-in took too long. Please start again.' : undefined;
    renderLogin(req, res, 200, { notice });
  });

  router.post('/login', requireCsrf, async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const username = typeof body.username === 'string' ? body.username : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const next = safeNext(body.next);
    if (!username || !password || username.length > 256 || password.length > 1024) {
      return renderLogin(req, res, 400, { error: 'Enter your username and password.', username: username.slice(0, 256), next });
    }
    const result = await deps.authenticator.signIn(username, password, req.ip ?? 'unknown', 'browser').catch((error: unknown) => {
      if (error instanceof DirectoryUnavailableError) return error;
      throw error;
    });
    if (result instanceof DirectoryUnavailableError) return renderLogin(req, res, 503, { error: result.message, username, next });
    if (!result.ok) {
      switch (result.reason) {
        case 'locked':
          res.setHeader('Retry-After', String(result.retryAfterSeconds));
          return renderLogin(req, res, 429, {
            error: `Too many failed sign-ins. Try again in ${Math.ceil(result.retryAfterSeconds / 60)} minute(s).`,
            username,
            next,
          });
        case 'disabled':
          return renderLogin(req, res, 403, { error: 'This account is disabled. Contact your administrator.', username, next });
        default:
          return renderLogin(req, res, 401, { error: INVALID, username, next });
      }
    }
    // Second step (TOTP / recovery code) when the user has one or a group policy requires it.
    // Re-authentication of the signed-in user (ForceAuthn, step-up) continues the same IdP session:
    // keeping its SessionIndex lets Single Logout still reach the SPs signed in before.
    const continuedIndex = req.user?.id === result.user.id ? req.session.sessionIndex : undefined;
    if (await beginSecondFactor(req, res, deps.adminConsole?.mfa, result.user, next, continuedIndex)) return;
    await regenerate(req);
    req.session.userId = result.user.id;
    req.session.authnInstant = Date.now();
    req.session.sessionIndex = continuedIndex ?? newSamlId();
    await rememberDirectoryLink(req, result.user, deps.adminConsole?.directory);
    csrfTokenOf(req);
    res.redirect(303, next);
  });

  router.post('/logout', requireCsrf, async (req, res) => {
    if (req.user) await deps.store.appendAudit({ event: 'signout', actor: req.user.username, subject: req.user.username, clientIp: req.ip ?? null });
    // Single Logout: SPs that got assertions from this session are signed out next (src/sp/slo).
    const sessionIndex = req.session.sessionIndex;
    const propagate = req.user && sessionIndex && deps.saml ? await deps.saml.singleLogout.beginIdpInitiated(sessionIndex, req.user.username, req.ip ?? 'unknown') : null;
    await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
    res.clearCookie('sesame.sid');
    res.redirect(303, propagate ?? '/login?signedOut=1');
  });

  return router;
}
