import { Router, type Request, type Response } from 'express';
import { HttpError } from '../httpError';
import { requireSignedIn } from '../signedInUser';
import { csrfTokenOf, requireCsrf } from '../csrf';
import { allowFormActionTo } from '../securityHeaders';
import { rawQueryOf } from '../../saml/intake/bindingParameters';
import { SamlIntakeError } from '../../saml/intake/samlIntakeError';
import { signIdpMetadata } from '../../saml/idpMetadata';
import type { OutgoingSaml } from '../../sp/bindings/samlPost';
import type { SpSso, SsoOutcome } from '../../sp/sso/spSso';
import type { IdpSession } from '../../sp/sso/ssoTypes';
import type { EnvelopedSigner } from '../../saml/xmlDsig';
import type { Store } from '../../store/store';
import type { Config } from '../../config/config';

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

/** The cookie that binds a login transaction to the browser that started it (one per transaction, so tabs do not collide). */
const TX_COOKIE_PREFIX = 'sesame.sso.';
const TX_COOKIE_PATH = '/saml/sso/resume';
/** As long as a transaction may wait for the user (SamlIdpSettings.transactionSeconds). */
const TX_COOKIE_SECONDS = 600;

/** One cookie's value from the raw Cookie header (no cookie parser is mounted; express-session reads its own). */
function cookieValue(req: Request, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

const isTxKey = (key: string) => /^[A-Za-z0-9_-]{32}$/.test(key);

/**
 * /saml/sso, /saml/sso/resume, /saml/launch/:id, /saml/apps (see samlSsoRoutes). The transaction
 * cookie is set on the 303 that answers the SP's request (SameSite=Lax, HttpOnly, only sent to
 * /saml/sso/resume, Secure over https) and cleared once the transaction is answered.
 */
function respond(req: Request, res: Response, outcome: SsoOutcome, secureCookies: boolean, txKey?: string): void {
  switch (outcome.kind) {
    case 'resume':
      res.cookie(TX_COOKIE_PREFIX + outcome.txKey, outcome.browserNonce, {
        httpOnly: true,
        sameSite: 'lax',
        secure: secureCookies,
        path: TX_COOKIE_PATH,
        maxAge: TX_COOKIE_SECONDS * 1000,
      });
      return res.redirect(303, outcome.url);
    case 'login':
      return res.redirect(303, outcome.url);
    case 'confirm':
      return res.render('saml/confirm', {
        kind: 'resume',
        user: req.user,
        csrfToken: csrfTokenOf(req),
        spName: outcome.spName,
        spEntityId: outcome.spEntityId,
        action: TX_COOKIE_PATH,
        tx: outcome.txKey,
      });
    case 'saml':
      if (txKey) res.clearCookie(TX_COOKIE_PREFIX + txKey, { path: TX_COOKIE_PATH, httpOnly: true, sameSite: 'lax', secure: secureCookies });
      return sendSaml(res, outcome.message, outcome.spName);
  }
}

/**
 * /saml/sso (HTTP-Redirect and HTTP-POST), the resume step after sign-in, IdP-initiated launch of
 * any registered SP, the list of launchable applications, and signed metadata on request.
 */
export function samlSsoRoutes(deps: { config: Pick<Config, 'secureCookies'>; store: Store; metadataXml: () => string; saml?: SamlWebServices }): Router {
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
  const secure = deps.config.secureCookies;

  router.get('/saml/sso', async (req, res) => {
    const outcome = await spSso.receive({ binding: 'redirect', raw: rawQueryOf(req.originalUrl) }, clientIp(req)).catch((e) => Promise.reject(samlHttpError(e)));
    respond(req, res, outcome, secure);
  });

  // A cross-site POST carries no SameSite=Lax cookie: this only starts a transaction; the
  // browser continues with a top-level GET that does carry the session.
  router.post('/saml/sso', async (req, res) => {
    const raw = typeof req.body === 'string' ? req.body : '';
    const outcome = await spSso.receive({ binding: 'post', raw }, clientIp(req)).catch((e) => Promise.reject(samlHttpError(e)));
    respond(req, res, outcome, secure);
  });

  const resume = async (req: Request, res: Response, key: string, confirmed: boolean) => {
    const nonce = isTxKey(key) ? cookieValue(req, TX_COOKIE_PREFIX + key) : null;
    const outcome = await spSso.resume(key, idpSessionOf(req), clientIp(req), { nonce, confirmed }).catch((e) => Promise.reject(samlHttpError(e)));
    respond(req, res, outcome, secure, isTxKey(key) ? key : undefined);
  };
  router.get('/saml/sso/resume', async (req, res) => {
    await resume(req, res, typeof req.query.tx === 'string' ? req.query.tx : '', false);
  });
  // The confirmation a browser without the transaction cookie is asked for: a same-origin form with the session's CSRF token.
  router.post('/saml/sso/resume', requireCsrf, async (req, res) => {
    const body = req.body as Record<string, unknown> | undefined;
    await resume(req, res, typeof body?.tx === 'string' ? body.tx : '', true);
  });

  // IdP-initiated launch issues an assertion, so it is a POST with the CSRF token (the /saml/apps
  // buttons); a GET (a link from anywhere) only shows what would happen, with that button.
  const launchId = (req: Request) => {
    const id = String(req.params.id);
    if (!/^\d{1,9}$/.test(id)) throw new HttpError(404, 'Not found', 'There is no such application.');
    return Number(id);
  };
  router.get('/saml/launch/:id', requireSignedIn, async (req, res) => {
    const id = launchId(req);
    const groups = (await deps.store.listGroupsOfUser(req.user!.id)).map((g) => g.name);
    const sp = (await spSso.launchable(groups)).find((candidate) => candidate.id === id);
    if (!sp) throw new HttpError(404, 'Not found', 'There is no such application, or it is not available to you.');
    res.render('saml/confirm', { kind: 'launch', user: req.user, csrfToken: csrfTokenOf(req), spName: sp.settings.displayName, spEntityId: sp.entityId, action: `/saml/launch/${sp.id}` });
  });
  router.post('/saml/launch/:id', requireSignedIn, requireCsrf, async (req, res) => {
    const outcome = await spSso.launch(launchId(req), idpSessionOf(req)!, clientIp(req)).catch((e) => Promise.reject(samlHttpError(e)));
    respond(req, res, outcome, secure);
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
