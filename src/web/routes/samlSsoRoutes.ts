import { Router } from 'express';
import { HttpError } from '../httpError';
import type { Store } from '../../store/store';

/**
 * The SingleSignOnService endpoint advertised in the metadata. SP-initiated SSO is not built yet,
 * so every request gets a clear refusal (and an audit line) instead of a half-checked answer.
 */
export function samlSsoRoutes(deps: { store: Store }): Router {
  const router = Router();
  router.all('/saml/sso', async (req) => {
    await deps.store.appendAudit({
      event: 'sso.request.refused',
      actor: req.user?.username ?? 'anonymous',
      clientIp: req.ip ?? null,
      details: { reason: 'SP-initiated SSO is not enabled', method: req.method },
    });
    throw new HttpError(501, 'Not available yet', 'This Sesame signs you in to AWS from its portal; sign-in started at a service provider is not enabled yet.');
  });
  return router;
}
