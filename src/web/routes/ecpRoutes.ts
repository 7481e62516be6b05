import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { DirectoryUnavailableError } from '../../auth/ldap/directorySignIn';
import { buildEcpResponseEnvelope, buildSoapFault } from '../../saml/ecpResponse';
import { EcpError } from '../../saml/ecpError';
import { MAX_ECP_REQUEST_BYTES, parseEcpAuthnRequest, type EcpAuthnRequest } from '../../saml/ecpAuthnRequest';
import { newSamlId } from '../../saml/samlId';
import { refusalAuditFor } from '../../sp/refusalAudit';
import { ConsoleSsoDenied, type ConsoleSso } from '../../aws/consoleSso';
import { BASIC_CHALLENGE, ECP_OTP_HEADER, readEcpCredentials } from './ecpCredentials';
import { selectEcpServiceProvider, type EcpServiceProvider } from './ecpServiceProvider';
import type { NonBrowserSignIn, NonBrowserSignInResult } from '../../auth/nonBrowserSignIn';
import type { Config } from '../../config/config';
import type { Store } from '../../store/store';

export const ECP_PATH = '/saml/ecp';

export interface EcpDeps {
  config: Config;
  store: Store;
  consoleSso: ConsoleSso;
  nonBrowserSignIn: NonBrowserSignIn;
  log: (line: string) => void;
}

/** SOAP 1.1 is text/xml; clients also send application/soap+xml (pysaml2), the PAOS type, or plain XML. */
const XML_MEDIA_TYPES = ['text/xml', 'application/xml', 'application/soap+xml', 'application/vnd.paos+xml'];

function signInRefusal(result: Exclude<NonBrowserSignInResult, { ok: true }>, separator: string): EcpError {
  switch (result.reason) {
    case 'locked':
      return new EcpError('Client', `Too many failed sign-ins. Try again in ${Math.ceil(result.retryAfterSeconds / 60)} minute(s).`, 429, undefined, result.retryAfterSeconds);
    case 'disabled':
      return new EcpError('Client', 'This account is disabled. Contact your administrator.', 403);
    case 'second_factor_required':
      return new EcpError(
        'Client',
        `This account needs a one-time code: append it to the password after "${separator}" (password${separator}123456), or send it in the ${ECP_OTP_HEADER} header.`,
        401,
      );
    case 'second_factor_invalid':
      return new EcpError('Client', 'That one-time code is not valid. Use the current code from your authenticator app, or a recovery code.', 401);
    case 'second_factor_locked':
      return new EcpError('Client', 'Too many wrong one-time codes. Wait a few minutes before trying again.', 429);
    case 'second_factor_enrolment_required':
      return new EcpError('Client', 'Your account must have a second factor, and it has none yet: sign in once in the browser to set up your authenticator app, with the enrolment code from your administrator.', 403);
    default:
      return new EcpError('Client', 'Incorrect username or password.', 401);
  }
}

/**
 * The IdP side of the SAML 2.0 ECP profile (saml-ecp-v2.0 §2.3.3–2.3.4) over the SAML SOAP binding,
 * advertised in the metadata as a SingleSignOnService with the SOAP binding:
 *
 *   POST /saml/ecp   raw body (64 KiB cap) → parseEcpAuthnRequest (no DTD/PI, strict parse, envelope
 *                    shape, request rules) → selectEcpServiceProvider → readEcpCredentials (HTTP Basic,
 *                    one-time code) → NonBrowserSignIn (throttling, lockout, second factor, audit) →
 *                    ConsoleSso.issue → SOAP envelope with ecp:Response and the signed samlp:Response
 *
 * Every refusal is a SOAP fault and an audit line. Mounted before the session middleware: no cookie.
 */
export function ecpRoutes(deps: EcpDeps): Router {
  const router = Router();
  const endpointUrl = `${deps.config.baseUrl}${ECP_PATH}`;
  const separator = deps.config.nonBrowser.ecpOtpSeparator;
  const readBody = express.text({ type: () => true, limit: MAX_ECP_REQUEST_BYTES, defaultCharset: 'utf-8' });
  const clientIpOf = (req: Request) => req.ip ?? 'unknown';

  const refuse = async (req: Request, res: Response, error: EcpError, context: { username?: string; request?: EcpAuthnRequest }) => {
    // Unauthenticated callers: text cut short, repeats per address and rule counted (sp/refusalAudit.ts).
    await refusalAuditFor(deps.store).record({
      event: 'ecp.request.refused',
      actor: context.username ?? 'anonymous',
      subject: context.username ?? null,
      clientIp: clientIpOf(req),
      rule: error.rule ?? `ecp.${error.faultCode}.${error.httpStatus}`,
      details: { channel: 'ecp', reason: error.message, sp: context.request?.issuer ?? null, requestId: context.request?.id ?? null },
    });
    if (error.httpStatus === 401) res.setHeader('WWW-Authenticate', BASIC_CHALLENGE);
    if (error.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(error.retryAfterSeconds));
    res.status(error.httpStatus).type('text/xml; charset=utf-8').send(buildSoapFault(error.faultCode, error.rule ? `${error.rule}: ${error.message}` : error.message));
  };

  router.post(ECP_PATH, (req, res, next) => {
    if (!req.is(XML_MEDIA_TYPES)) {
      void refuse(req, res, new EcpError('Client', `send the SOAP envelope as text/xml (got ${req.get('content-type') ?? 'no Content-Type'})`, 415), {}).catch(next);
      return;
    }
    readBody(req, res, next);
  }, async (req, res) => {
    let request: EcpAuthnRequest | undefined;
    let username: string | undefined;
    try {
      request = parseEcpAuthnRequest(typeof req.body === 'string' ? req.body : '', { endpointUrl, now: new Date() });
      const sp: EcpServiceProvider = selectEcpServiceProvider(request, deps.consoleSso);
      const credentials = await readEcpCredentials(req, deps.nonBrowserSignIn, separator);
      username = credentials.username.slice(0, 128);
      const result = await deps.nonBrowserSignIn.signIn({ ...credentials, clientIp: clientIpOf(req), channel: 'ecp' });
      if (!result.ok) throw signInRefusal(result, separator);
      username = result.user.username;

      let post;
      try {
        post = await deps.consoleSso.issue({
          user: result.user,
          // Each ECP request is a fresh authentication: its own AuthnInstant and SessionIndex.
          authnInstant: new Date(),
          sessionIndex: newSamlId(),
          secondFactor: result.secondFactor,
          partition: sp.partition,
          clientIp: clientIpOf(req),
        });
      } catch (error) {
        if (error instanceof ConsoleSsoDenied) throw new EcpError('Client', error.message, error.status === 400 ? 500 : error.status, error.rule);
        throw error;
      }
      const samlResponseXml = Buffer.from(post.samlResponse, 'base64').toString('utf8');
      await deps.store.appendAudit({
        event: 'ecp.response.issued',
        actor: result.user.username,
        subject: result.user.username,
        clientIp: clientIpOf(req),
        details: { channel: 'ecp', sp: sp.entityId, acs: post.acsUrl, requestId: request.id, assertionId: post.assertionId, roles: post.roles },
      });
      res
        .status(200)
        .type('text/xml; charset=utf-8')
        .send(buildEcpResponseEnvelope({ assertionConsumerServiceUrl: post.acsUrl, samlResponseXml }));
    } catch (error) {
      if (error instanceof EcpError) return refuse(req, res, error, { username, request });
      if (error instanceof DirectoryUnavailableError) {
        deps.log(`directory unavailable: POST ${ECP_PATH}: ${error.detail}`);
        return refuse(req, res, new EcpError('Server', error.message, 503), { username, request });
      }
      deps.log(`error: POST ${ECP_PATH}: ${(error as Error)?.stack ?? String(error)}`);
      return refuse(req, res, new EcpError('Server', 'Sesame could not complete this request. Nothing was issued.', 500), { username, request });
    }
  });

  router.all(ECP_PATH, async (req, res) => {
    res.setHeader('Allow', 'POST');
    await refuse(req, res, new EcpError('Client', `the ECP endpoint takes a SOAP envelope by POST, not ${req.method}`, 405), {});
  });

  // Body-parser failures (too large, bad charset) on this path still answer as SOAP.
  router.use(ECP_PATH, (error: unknown, req: Request, res: Response, next: NextFunction) => {
    const status = (error as { status?: number })?.status;
    if (typeof status !== 'number' || status >= 500) return next(error);
    const message = status === 413 ? `the request is larger than ${MAX_ECP_REQUEST_BYTES} bytes` : 'the request body could not be read';
    void refuse(req, res, new EcpError('Client', message, status), {}).catch(next);
  });
  return router;
}
