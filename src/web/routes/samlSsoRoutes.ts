import { Router, type Request, type Response } from 'express';
import { HttpError } from '../httpError';
import { requireSignedIn } from '../signedInUser';
import { csrfTokenOf } from '../csrf';
import { allowFormActionTo } from '../securityHeaders';
import { rawQueryOf } from '../../saml/intake/bindingParameters';
import { SamlIntakeError } from '../../saml/intake/samlIntakeError';
import { signIdpMetadata } from '../../saml/idpMetadata';
import type { OutgoingSaml } from '../../sp/bindings/samlPost';
import type { SpSso, SsoOutcome } from '../../sp/sso/spSso';
import type { IdpSession } from '../../sp/sso/ssoTypes';
import type { EnvelopedSigner } from '../../saml/xmlDsig';
import type { Store } from '../../store/store';

export interface SamlWebServices {
  spSso: SpSso;
  signer: () => EnvelopedSigner;
}

/** A refused SAML message becomes an error page quoting its rule; never a redirect to an address the message named. */
export function samlHttpError(error: unknown): unknown {
  if (error instanceof SamlIntakeError) {
    return new HttpError(error.status, error.status === 403 ? 'Request refused' : 'Bad SAML request', `${error.message} Nothing was issued.`, error.rule);
  }
  return error;
}

/** Sends the browser on with an outgoing SAML message: an auto-submitting form (POST binding) or a redirect. */
export function sendSaml(res: Response, message: OutgoingSaml, label: string): void {
  if (message.kind === 'redirect') {
    res.redirect(303, message.url);
    return;
  }
  allowFormActionTo(res, message.action);
  res.render('saml/post', { action: message.action, fields: Object.entries(message.fields), label });
}

/** The signed-in browser session as the SAML flows see it, or null. */
export function idpSessionOf(req: Request): IdpSession | null {
  if (!req.user || req.session.authnInstant === undefined || !req.session.sessionIndex) return null;
  return {
    user: req.user,
    authnInstant: new Date(req.session.authnInstant),
    sessionIndex: req.session.sessionIndex,
    secondFactor: req.session.secondFactor === true,
    sid: req.sessionID,
  };
}

function respond(res: Response, outcome: SsoOutcome): void {
  if (outcome.kind === 'saml') return sendSaml(res, outcome.message, outcome.spName);
  res.redirect(303, outcome.url);
}

/**
 * /saml/sso (HTTP-Redirect and HTTP-POST), the resume step after sign-in, IdP-initiated launch of
 * any registered SP, the list of launchable applications, and signed metadata on request.
 */
export function samlSsoRoutes(deps: { store: Store; metadataXml: () => string; saml?: SamlWebServices }): Router {
  const router = Router();
  const saml = deps.saml;
  if (!saml) {
    router.all('/saml/sso', async (req) => {
      await deps.store.appendAudit({ event: 'sso.request.refused', actor: req.user?.username ?? 'anonymous', clientIp: req.ip ?? null, details: { reason: 'SP-initiated SSO is not enabled', method: req.method } });
      throw new HttpError(501, 'Not available', 'Sign-in started at a service provider is not enabled on this Sesame.');
    });
    return router;
  }
  const { spSso } = saml;
  const clientIp = (req: Request) => req.ip ?? 'unknown';

  router.get('/saml/sso', async (req, res) => {
    const outcome = await spSso.receive({ binding: 'redirect', raw: rawQueryOf(req.originalUrl) }, clientIp(req)).catch((e) => Promise.reject(samlHttpError(e)));
    respond(res, outcome);
  });

  // A cross-site POST carries no SameSite=Lax cookie: this only starts a transaction; the
  // browser continues with a top-level GET that does carry the session.
  router.post('/saml/sso', async (req, res) => {
    const raw = typeof req.body === 'string' ? req.body : '';
    const outcome = await spSso.receive({ binding: 'post', raw }, clientIp(req)).catch((e) => Promise.reject(samlHttpError(e)));
    respond(res, outcome);
  });

  router.get('/saml/sso/resume', async (req, res) => {
    const key = typeof req.query.tx === 'string' ? req.query.tx : '';
    const outcome = await spSso.resume(key, idpSessionOf(req), clientIp(req)).catch((e) => Promise.reject(samlHttpError(e)));
    respond(res, outcome);
  });

  router.get('/saml/launch/:id', requireSignedIn, async (req, res) => {
    const id = String(req.params.id);
    if (!/^\d{1,9}$/.test(id)) throw new HttpError(404, 'Not found', 'There is no such application.');
    const outcome = await spSso.launch(Number(id), idpSessionOf(req)!, clientIp(req)).catch((e) => Promise.reject(samlHttpError(e)));
    respond(res, outcome);
  });

  router.get('/saml/apps', requireSignedIn, async (req, res) => {
    const groups = (await deps.store.listGroupsOfUser(req.user!.id)).map((g) => g.name);
    const apps = (await spSso.launchable(groups)).map((sp) => ({ name: sp.settings.displayName, entityId: sp.entityId, href: `/saml/launch/${sp.id}` }));
    res.render('saml/apps', { user: req.user, csrfToken: csrfTokenOf(req), apps });
  });

  // Signed metadata on request; the unsigned document at /saml/metadata stays what IAM gets.
  let signedCache: { source: string; signed: string } | null = null;
  router.get('/saml/metadata/signed', (_req, res) => {
    const source = deps.metadataXml();
    if (!signedCache || signedCache.source !== source) signedCache = { source, signed: signIdpMetadata(source, saml.signer()) };
    res.setHeader('Content-Type', 'application/samlmetadata+xml; charset=utf-8');
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.send(signedCache.signed);
  });

  return router;
}
