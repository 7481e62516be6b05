import { Router, type Request, type Response } from 'express';
import { HttpError } from '../httpError';
import { rawQueryOf } from '../../saml/intake/bindingParameters';
import type { SingleLogout, SloOutcome } from '../../sp/slo/singleLogout';
import type { Store } from '../../store/store';
import { samlHttpError, sendSaml } from './samlSsoRoutes';

/**
 * Single Logout endpoints: /saml/slo receives LogoutRequests and LogoutResponses (Redirect and
 * POST); /saml/slo/continue carries an IdP-initiated logout (started by POST /logout) to each SP.
 */
export function samlSloRoutes(deps: { store: Store; singleLogout?: SingleLogout }): Router {
  const router = Router();
  const slo = deps.singleLogout;
  if (!slo) return router;

  /** The browser's own IdP session may just have been ended server-side: never let express-session write it back. */
  async function forgetEndedSession(req: Request, res: Response): Promise<void> {
    if (req.session && !(await deps.store.getSession(req.sessionID, Date.now()))) {
      await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
      res.clearCookie('sesame.sid');
    }
  }

  async function respond(req: Request, res: Response, outcome: SloOutcome): Promise<void> {
    await forgetEndedSession(req, res);
    if (outcome.kind === 'saml') return sendSaml(res, outcome.message, 'signing you out');
    res.render('saml/signed-out', { loggedOut: outcome.loggedOut, failed: outcome.failed, unreachable: outcome.unreachable });
  }

  const clientIp = (req: Request) => req.ip ?? 'unknown';
  /** The signed-in Sesame session this request carried (its cookie), if any: SLO propagates only through that browser. */
  const browserSid = (req: Request) => (req.session?.userId !== undefined ? req.sessionID : null);
  router.get('/saml/slo', async (req, res) => {
    await respond(req, res, await slo.receive({ binding: 'redirect', raw: rawQueryOf(req.originalUrl) }, clientIp(req), browserSid(req)).catch((e) => Promise.reject(samlHttpError(e))));
  });
  // A cross-site POST does not carry the SameSite=Lax session cookie, so a POST LogoutRequest ends
  // the sessions but is answered PartialLogout when other SPs hold one (see SingleLogout).
  router.post('/saml/slo', async (req, res) => {
    const raw = typeof req.body === 'string' ? req.body : '';
    await respond(req, res, await slo.receive({ binding: 'post', raw }, clientIp(req), browserSid(req)).catch((e) => Promise.reject(samlHttpError(e))));
  });
  router.get('/saml/slo/continue', async (req, res) => {
    const key = typeof req.query.tx === 'string' ? req.query.tx : '';
    if (!key) throw new HttpError(400, 'Bad request', 'No logout to continue.');
    await respond(req, res, await slo.continue(key, clientIp(req)).catch((e) => Promise.reject(samlHttpError(e))));
  });
  return router;
}
