import express, { type NextFunction, type Request, type Response } from 'express';
import { INTAKE_LIMITS } from '../../saml/intake/intakeLimits';
import { HttpError } from '../httpError';
import type { Store } from '../../store/store';
import { refusalAuditFor } from '../../sp/refusalAudit';

/** The SAML endpoints that receive HTTP-POST binding messages. */
export const SAML_POST_PATHS = new Set(['/saml/sso', '/saml/slo']);

const readText = express.text({ type: () => true, limit: INTAKE_LIMITS.maxRawBytes, defaultCharset: 'utf-8' });

/**
 * Keeps the raw form body of SAML POST endpoints as a string (mounted before the app's urlencoded
 * parser, which then sees the body already read and skips it). The SAML intake reads parameter
 * names exactly as sent, because body parsers percent-decode names and merge repeats
 * (security-notes §2.5), and it needs the size limit applied before anything is parsed.
 */
export function samlRawBody(store: Store) {
  return (req: Request, res: Response, next: NextFunction): void => {
    // Express matches routes case-insensitively, so /SAML/SSO reaches the same handler: match it here too.
    if (req.method !== 'POST' || !SAML_POST_PATHS.has(req.path.toLowerCase().replace(/\/+$/, ''))) return next();
    if (!req.is('application/x-www-form-urlencoded')) {
      return next(new HttpError(415, 'Bad request', 'SAML messages are posted as an HTML form (application/x-www-form-urlencoded).', 'intake.params'));
    }
    readText(req, res, (error?: unknown) => {
      if (!error) return next();
      const tooLarge = (error as { status?: number }).status === 413;
      const rule = tooLarge ? 'intake.size' : 'intake.encoding';
      const message = tooLarge ? `The SAML message is larger than ${INTAKE_LIMITS.maxRawBytes} bytes.` : 'The SAML form could not be read.';
      void refusalAuditFor(store)
        .record({ event: 'saml.request.refused', actor: 'anonymous', clientIp: req.ip ?? 'unknown', rule, details: { endpoint: req.path.slice(0, 32), binding: 'post', reason: message } })
        .finally(() => next(new HttpError(tooLarge ? 413 : 400, 'Bad SAML request', `${message} Nothing was issued.`, rule)));
    });
  };
}
