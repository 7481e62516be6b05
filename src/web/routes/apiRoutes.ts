import express, { Router, type Request } from 'express';
import { ApiError, apiErrorHandler } from './apiErrors';
import { refuseBrowserOrigins, requireBearerToken, requireJsonBody } from './apiGuards';
import { ApiTokenService } from '../../auth/apiTokens';
import { parseRoleArn } from '../../aws/arn';
import { ConsoleSsoDenied, type ConsoleSso } from '../../aws/consoleSso';
import type { NonBrowserSignIn, NonBrowserSignInResult } from '../../auth/nonBrowserSignIn';
import type { Config } from '../../config/config';
import type { Store } from '../../store/store';
import type { SecondFactorCheck } from '../../auth/secondFactor';

export interface ApiDeps {
  config: Config;
  store: Store;
  consoleSso: ConsoleSso;
  nonBrowserSignIn: NonBrowserSignIn;
  apiTokens: ApiTokenService;
  log: (line: string) => void;
  /** Who must give a second factor now: a token made without one stops working when the answer becomes yes. */
  secondFactor?: SecondFactorCheck;
}

/** The same words as the browser form: an unknown user and a wrong password are indistinguishable. */
const INVALID_CREDENTIALS = 'Incorrect username or password.';

function optionalString(body: Record<string, unknown>, name: string, max: number): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > max) throw new ApiError(400, 'invalid_request', `"${name}" must be a string of at most ${max} characters.`);
  return value;
}

function requiredString(body: Record<string, unknown>, name: string, max: number): string {
  const value = optionalString(body, name, max);
  if (value === undefined || value === '') throw new ApiError(400, 'invalid_request', `"${name}" is required.`);
  return value;
}

/** Maps a refused sign-in to the status and words the browser form uses for the same case. */
function signInRefusal(result: Exclude<NonBrowserSignInResult, { ok: true }>): ApiError {
  switch (result.reason) {
    case 'locked':
      return new ApiError(
        429,
        'locked',
        `Too many failed sign-ins. Try again in ${Math.ceil(result.retryAfterSeconds / 60)} minute(s).`,
        undefined,
        { 'Retry-After': String(result.retryAfterSeconds) },
        { retryAfterSeconds: result.retryAfterSeconds },
      );
    case 'disabled':
      return new ApiError(403, 'account_disabled', 'This account is disabled. Contact your administrator.');
    case 'second_factor_required':
      return new ApiError(401, 'otp_required', 'This account needs a one-time code: send it as "otp" with the username and password.');
    case 'second_factor_invalid':
      return new ApiError(401, 'otp_invalid', 'That one-time code is not valid. Use the current code from your authenticator app, or a recovery code.');
    case 'second_factor_locked':
      return new ApiError(429, 'otp_locked', 'Too many wrong one-time codes. Wait a few minutes before trying again.');
    case 'second_factor_enrolment_required':
      return new ApiError(
        403,
        'otp_enrolment_required',
        'Your account must have a second factor, and it has none yet: sign in once in the browser to set up your authenticator app, with the enrolment code from your administrator.',
      );
    default:
      return new ApiError(401, 'invalid_credentials', INVALID_CREDENTIALS);
  }
}

const clientIpOf = (req: Request) => req.ip ?? 'unknown';

/**
 * The JSON API for Sesame's own command-line client (`sesame-aws`), mounted at /api before the
 * session middleware, so it never reads or sets a cookie. Each endpoint is a short pipeline:
 *
 *   POST   /api/v1/session            refuseBrowserOrigins → json(4 kB) → requireJsonBody → signIn (password, throttling, second factor) → issue token
 *   DELETE /api/v1/session            refuseBrowserOrigins → requireBearerToken → revoke
 *   GET    /api/v1/aws/roles          refuseBrowserOrigins → requireBearerToken → list grants
 *   POST   /api/v1/aws/saml-response  refuseBrowserOrigins → requireBearerToken → json(4 kB) → requireJsonBody → ConsoleSso.issue
 *
 * Every call is audited; passwords, codes and tokens never are.
 */
export function apiRoutes(deps: ApiDeps): Router {
  const router = Router();
  const json = express.json({ limit: '4kb', strict: true, type: 'application/json' });
  const bearer = requireBearerToken(deps);
  const audit = (req: Request, event: string, details: Record<string, unknown>) =>
    deps.store.appendAudit({
      event,
      actor: req.apiToken?.user.username ?? 'anonymous',
      subject: req.apiToken?.user.username ?? null,
      clientIp: clientIpOf(req),
      details: { channel: 'api', ...details },
    });

  router.use(refuseBrowserOrigins(new URL(deps.config.baseUrl).origin, deps.store));

  router.post('/v1/session', json, requireJsonBody, async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const username = requiredString(body, 'username', 256);
    const password = requiredString(body, 'password', 1024);
    const otp = optionalString(body, 'otp', 64);
    const result = await deps.nonBrowserSignIn.signIn({ username, password, otp, clientIp: clientIpOf(req), channel: 'api' });
    if (!result.ok) {
      await deps.store.appendAudit({
        event: 'api.session.refused',
        actor: 'anonymous',
        subject: null,
        clientIp: clientIpOf(req),
        details: { channel: 'api', reason: result.reason },
      });
      throw signInRefusal(result);
    }
    const issued = await deps.apiTokens.issue(result.user, { secondFactor: result.secondFactor, clientIp: clientIpOf(req) });
    await deps.store.appendAudit({
      event: 'api.session.created',
      actor: result.user.username,
      subject: result.user.username,
      clientIp: clientIpOf(req),
      details: { channel: 'api', token: ApiTokenService.auditId(issued.record), expiresAt: issued.expiresAt.toISOString(), secondFactor: result.secondFactor },
    });
    res.status(200).json({
      token: issued.token,
      tokenType: 'Bearer',
      expiresAt: issued.expiresAt.toISOString(),
      expiresIn: Math.round((issued.expiresAt.getTime() - Date.now()) / 1000),
      username: result.user.username,
      secondFactor: result.secondFactor,
    });
  });

  router.delete('/v1/session', bearer, async (req, res) => {
    const token = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')![1]!;
    await deps.apiTokens.revoke(token);
    await audit(req, 'api.session.revoked', { token: ApiTokenService.auditId(req.apiToken!.record) });
    res.status(204).end();
  });

  router.get('/v1/aws/roles', bearer, async (req, res) => {
    const { user } = req.apiToken!;
    const grants = await deps.store.listRoleGrantsForUser(user.id);
    const roles = grants.map((grant) => {
      const arn = parseRoleArn(grant.roleArn);
      return {
        roleArn: grant.roleArn,
        providerArn: grant.providerArn,
        partition: arn.partition,
        accountId: arn.accountId,
        roleName: arn.path === '/' ? arn.roleName : `${arn.path}${arn.roleName}`,
        label: grant.label,
        sessionDuration: grant.sessionDuration,
      };
    });
    await audit(req, 'api.roles.listed', { token: ApiTokenService.auditId(req.apiToken!.record), count: roles.length });
    res.json({ roles });
  });

  router.post('/v1/aws/saml-response', bearer, json, requireJsonBody, async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const roleArn = optionalString(body, 'roleArn', 2048);
    const partition = optionalString(body, 'partition', 32);
    const { user, record } = req.apiToken!;
    let post;
    try {
      post = await deps.consoleSso.issue({
        user,
        authnInstant: new Date(record.authnInstant),
        sessionIndex: record.sessionIndex,
        secondFactor: record.secondFactor,
        roleArn: roleArn === '' ? undefined : roleArn,
        partition,
        clientIp: clientIpOf(req),
      });
    } catch (error) {
      if (error instanceof ConsoleSsoDenied) {
        await audit(req, 'api.saml_response.refused', { token: ApiTokenService.auditId(record), roleArn: roleArn ?? null, reason: error.message });
        const code = error.reason === 'second_factor_required' ? 'otp_required' : error.status === 403 ? 'not_granted' : error.status === 413 ? 'response_too_large' : 'invalid_request';
        throw new ApiError(error.status, code, error.message, error.rule);
      }
      throw error;
    }
    // ConsoleSso audits the assertion itself (assertion.issued); this line ties it to the API token.
    await audit(req, 'api.saml_response.issued', { token: ApiTokenService.auditId(record), assertionId: post.assertionId, roles: post.roles });
    res.json({
      samlResponse: post.samlResponse,
      destination: post.acsUrl,
      roles: post.roles,
      assertionId: post.assertionId,
      // T3: STS refuses the assertion after its NotOnOrAfter, and in any case 5 minutes after issue.
      expiresAt: new Date(Date.now() + deps.config.aws.assertionLifetimeSeconds * 1000).toISOString(),
    });
  });

  router.use(() => {
    throw new ApiError(404, 'not_found', 'There is no such API endpoint. The API is POST/DELETE /api/v1/session, GET /api/v1/aws/roles and POST /api/v1/aws/saml-response.');
  });
  router.use(apiErrorHandler(deps.log));
  return router;
}
