import { Router } from 'express';
import { csrfTokenOf, requireCsrf } from '../csrf';
import { HttpError } from '../httpError';
import { AccountInputError } from '../../auth/accountRules';
import { StoreConflictError } from '../../store/store';
import type { FirstAdminSetup } from '../../auth/firstAdminSetup';

const field = (body: Record<string, unknown>, name: string) => (typeof body[name] === 'string' ? (body[name] as string) : '');

/** The one-time page where the first administrator chooses their own username and password. */
export function setupRoutes(deps: { setup: FirstAdminSetup }): Router {
  const router = Router();
  const closed = new HttpError(404, 'Setup is closed', 'This setup link is invalid, used or expired. An administrator already exists, or Sesame printed a newer link at its last start.');

  router.get('/setup', async (req, res) => {
    if (!(await deps.setup.isValidToken(req.query.token))) throw closed;
    res.render('setup', { csrfToken: csrfTokenOf(req), token: req.query.token, values: { username: '', displayName: '', email: '' } });
  });

  router.post('/setup', requireCsrf, async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const values = { username: field(body, 'username'), displayName: field(body, 'displayName'), email: field(body, 'email') };
    try {
      await deps.setup.redeem(
        body.token,
        { ...values, password: field(body, 'password'), passwordRepeat: field(body, 'passwordRepeat') },
        req.ip ?? 'unknown',
      );
    } catch (error) {
      if (error instanceof AccountInputError && error.field === 'token') throw closed;
      if (error instanceof AccountInputError || error instanceof StoreConflictError) {
        return res.status(400).render('setup', { csrfToken: csrfTokenOf(req), token: body.token, values, error: error.message });
      }
      throw error;
    }
    res.redirect(303, '/login');
  });

  return router;
}
