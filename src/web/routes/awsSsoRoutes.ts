import { Router, type Request, type Response } from 'express';
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

/**
 * IdP-initiated AWS console sign-in: GET /aws/sso[?role=ARN][&partition=P][&relay=console URL].
 * Mounted twice: first behind the stored-session reader (app.ts, the hot path), then here behind
 * the ordinary stack for every request that reader passes on.
 */
export function issueAwsConsoleSignIn(deps: { consoleSso: ConsoleSso }) {
  return async (req: Request, res: Response): Promise<void> => {
    const user = req.user!;
    const session = req.storedSession ?? req.session;
    let post;
    try {
      post = await deps.consoleSso.issue({
        user,
        authnInstant: new Date(session.authnInstant!),
        sessionIndex: session.sessionIndex!,
        secondFactor: session.secondFactor === true,
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
  };
}

export function awsSsoRoutes(deps: { consoleSso: ConsoleSso }): Router {
  const router = Router();
  router.get('/aws/sso', requireSignedIn, issueAwsConsoleSignIn(deps));
  return router;
}
