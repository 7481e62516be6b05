import { Router, type Request, type Response } from 'express';
import { csrfTokenOf, requireCsrf } from '../csrf';
import { adminAction, adminFor, field, takeFlash, type AdminDeps } from './adminCommon';
import type { RingKeyView } from '../../saml/keys/signingKeyRing';

/** Where the rollover stands, and what the admin must do in IAM before the next step (aws-saml-rules S5). */
export function rolloverStage(keys: RingKeyView[]): { stage: 'steady' | 'next-published' | 'switched'; next?: RingKeyView; previous?: RingKeyView; current: RingKeyView } {
  const current = keys.find((k) => k.state === 'current')!;
  const next = keys.find((k) => k.state === 'next');
  const previous = keys.find((k) => k.state === 'previous');
  if (previous) return { stage: 'switched', current, previous, next };
  if (next) return { stage: 'next-published', current, next };
  return { stage: 'steady', current };
}

/** Admin console, signing keys: create the next key, publish it, switch to it, retire the old one. */
export function adminKeyRoutes(deps: AdminDeps): Router {
  const router = Router();
  const { keyRing } = deps.adminConsole;

  async function show(req: Request, res: Response, status = 200, error?: string) {
    const keys = await keyRing.keys();
    res.status(status).render('admin/keys', {
      title: 'Signing keys',
      section: 'keys',
      user: req.user,
      csrfToken: csrfTokenOf(req),
      keys,
      rollover: rolloverStage(keys),
      notice: takeFlash(req),
      error,
    });
  }

  const keyChange = (path: string, change: (req: Request) => Promise<string>) =>
    router.post(`/keys${path}`, requireCsrf, async (req, res) => {
      await adminAction(req, res, () => change(req), '/admin/keys', (status, message) => show(req, res, status, message));
    });

  router.get('/keys', (req, res) => show(req, res));

  keyChange('/next', async (req) => {
    const id = await adminFor(req, deps).createNextSigningKey();
    return `Key ${id} created and published in the metadata beside the current key. Now upload the new metadata to every IAM SAML provider, then switch.`;
  });
  keyChange('/activate', async (req) => {
    const id = await adminFor(req, deps).activateNextSigningKey();
    return `Sesame now signs with key ${id}. The old key stays in the metadata until you retire it.`;
  });
  keyChange('/retire', async (req) => {
    await adminFor(req, deps).retireSigningKey(field(req, 'id'));
    return `Key ${field(req, 'id').trim()} is retired and no longer in the metadata. Upload the metadata to IAM once more so IAM stops trusting it.`;
  });

  return router;
}
