import { Router } from 'express';
import { requireSignedIn } from '../signedInUser';
import { allowFormActionTo } from '../securityHeaders';
import { HttpError } from '../httpError';
import { ConsoleSsoDenied, type ConsoleSso } from '../../aws/consoleSso';

function singleQueryValue(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  // A repeated parameter arrives as an array: ambiguous, so refused rather than guessed.
  if (typeof value !== 'string') throw new HttpError(400, 'Bad request', `The "${name}" parameter must be given once.`);
  return value;
}

/** IdP-initiated AWS console sign-in: GET /aws/sso[?role=ARN][&partition=P][&relay=console URL]. */
export function awsSsoRoutes(deps: { consoleSso: ConsoleSso }): Router {
  const router = Router();
  router.get('/aws/sso', requireSignedIn, async (req, res) => {
    const user = req.user!;
    let post;
    try {
      post = await deps.consoleSso.issue({
        user,
        authnInstant: new Date(req.session.authnInstant!),
        sessionIndex: req.session.sessionIndex!,
        secondFactor: req.session.secondFactor === true,
        roleArn: singleQueryValue(req.query.role, 'role'),
        partition: singleQueryValue(req.query.partition, 'partition'),
        relayState: singleQueryValue(req.query.relay, 'relay'),
        clientIp: req.ip ?? 'unknown',
      });
    } catch (error) {
      if (error instanceof ConsoleSsoDenied) {
        throw new HttpError(error.status, error.status === 403 ? 'No access' : 'Cannot sign you in', error.message, error.rule);
      }
      throw error;
    }
    allowFormActionTo(res, post.acsUrl);
    res.render('aws-post', {
      action: post.acsUrl,
      samlResponse: post.samlResponse,
      relayState: post.relayState,
      destinationLabel: 'the AWS console',
    });
  });
  return router;
}
