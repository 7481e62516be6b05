import { createHash } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { csrfTokenOf, requireCsrf } from '../csrf';
import { HttpError } from '../httpError';
import { adminAction, field, takeFlash, type AdminDeps } from './adminCommon';
import { SpRegistry, SpRegistryError } from '../../sp/spRegistry';
import { parseSpMetadata } from '../../saml/spMetadata';
import { SETTING_NAMES, type SettingName } from '../../sp/spSettings';
import { ATTRIBUTE_MAPPERS } from '../../sp/release/attributeMappers';
import type { ServiceProvider } from '../../sp/serviceProvider';
import type { SpRegistryStore } from '../../store/spRegistryStore';

/** Pasted metadata travels in a urlencoded form (the app-wide 32 kB body limit): larger files go through `sesame sp add`. */
const MAX_METADATA_CHARS = 30_000;

const fingerprint = (certBase64: string) =>
  createHash('sha256').update(Buffer.from(certBase64, 'base64')).digest('hex').toUpperCase().match(/../g)!.join(':');

/** The settings form shows each setting as the text `sesame sp set` takes, so both front ends speak one language. */
function settingValues(sp: ServiceProvider): Record<SettingName, string> {
  const s = sp.settings;
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  return {
    name: s.displayName,
    nameid: s.nameId,
    release: s.attributeRelease.join(','),
    'sign-response': yes(s.signResponse),
    'sign-assertion': yes(s.signAssertion),
    encrypt: yes(s.encryptAssertion),
    groups: s.allowedGroups.join(','),
    'require-signed-requests': yes(s.requireSignedRequests),
    'allow-sha1': yes(s.allowSha1),
    audience: s.audience ?? '',
    'launch-relay-state': s.launchRelayState ?? '',
    lifetime: String(s.assertionLifetimeSeconds),
    'allow-http-acs': yes(s.allowHttpAcs === true),
  };
}

/** Admin console, service providers: upload metadata, see what was parsed, per-SP settings (over SpRegistry). */
export function adminSpRoutes(deps: AdminDeps): Router {
  const router = Router();
  const sps: SpRegistryStore | undefined = deps.adminConsole.spRegistryStore;
  const registryFor = (req: Request) => {
    if (!sps) throw new HttpError(404, 'Not available', 'This Sesame runs without the service-provider registry.');
    return new SpRegistry(deps.store, sps, req.user!.username);
  };

  async function showList(req: Request, res: Response, status = 200, error?: string, metadata = '') {
    res.status(status).render('admin/sps', {
      title: 'Service providers',
      section: 'sps',
      user: req.user,
      csrfToken: csrfTokenOf(req),
      sps: await registryFor(req).list(),
      metadata,
      maxMetadataChars: MAX_METADATA_CHARS,
      notice: takeFlash(req),
      error,
    });
  }

  async function spOf(req: Request): Promise<ServiceProvider> {
    const id = String(req.params.id ?? '');
    const sp = /^\d{1,12}$/.test(id) && sps ? await sps.findServiceProviderById(Number(id)) : null;
    if (!sp) throw new HttpError(404, 'No such service provider', 'That service provider is not registered (any more).');
    return sp;
  }

  async function showSp(req: Request, res: Response, status = 200, error?: string, values?: Record<string, string>) {
    const sp = await spOf(req);
    res.status(status).render('admin/sp', {
      title: sp.settings.displayName,
      section: 'sps',
      user: req.user,
      csrfToken: csrfTokenOf(req),
      sp,
      signing: sp.signingCertificates.map(fingerprint),
      encryption: sp.encryptionCertificates.map(fingerprint),
      values: values ?? settingValues(sp),
      settingNames: SETTING_NAMES,
      mappers: Object.keys(ATTRIBUTE_MAPPERS),
      notice: takeFlash(req),
      error,
    });
  }

  router.get('/sps', (req, res) => showList(req, res));

  router.post('/sps', requireCsrf, async (req, res) => {
    const xml = field(req, 'metadata').trim();
    if (xml === '' || xml.length > MAX_METADATA_CHARS) {
      return showList(req, res, 400, xml === '' ? 'Paste the SP\'s SAML metadata (an md:EntityDescriptor).' : `That is over ${MAX_METADATA_CHARS} characters: register it with "sesame sp add --metadata FILE".`, xml.slice(0, MAX_METADATA_CHARS));
    }
    let id = 0;
    await adminAction(
      req,
      res,
      async () => {
        const sp = await registryFor(req).register(xml);
        id = sp.id;
        return `Registered ${sp.entityId}: ${sp.acs.length} ACS, ${sp.slo.length} SLO endpoint(s), ${sp.signingCertificates.length} signing and ${sp.encryptionCertificates.length} encryption certificate(s). Check the settings below.`;
      },
      () => `/admin/sps/${id}`,
      (status, message) => showList(req, res, status, message, xml),
    );
  });

  router.get('/sps/:id', (req, res) => showSp(req, res));

  router.post('/sps/:id/settings', requireCsrf, async (req, res) => {
    const sp = await spOf(req);
    const current = settingValues(sp);
    const changes: Partial<Record<SettingName, string>> = {};
    for (const name of SETTING_NAMES) {
      const value = field(req, name);
      if (value !== current[name]) changes[name] = value;
    }
    if (Object.keys(changes).length === 0) return showSp(req, res, 400, 'Nothing changed.');
    await adminAction(
      req,
      res,
      async () => {
        await registryFor(req).configure(sp.entityId, changes);
        return `Saved ${Object.keys(changes).join(', ')}.`;
      },
      `/admin/sps/${sp.id}`,
      (status, message) => showSp(req, res, status, message, { ...current, ...changes }),
    );
  });

  router.post('/sps/:id/metadata', requireCsrf, async (req, res) => {
    const sp = await spOf(req);
    const xml = field(req, 'metadata').trim();
    if (xml === '' || xml.length > MAX_METADATA_CHARS) return showSp(req, res, 400, `Paste the new metadata (at most ${MAX_METADATA_CHARS} characters).`);
    await adminAction(
      req,
      res,
      async () => {
        // Checked here, not left to the registry: metadata of another registered SP must not replace that one from this page.
        const entityId = parseSpMetadata(xml).entityId;
        if (entityId !== sp.entityId) throw new SpRegistryError(`that metadata is for "${entityId}", not for "${sp.entityId}"`);
        await registryFor(req).updateMetadata(xml);
        return 'Metadata replaced; settings kept.';
      },
      `/admin/sps/${sp.id}`,
      (status, message) => showSp(req, res, status, message),
    );
  });

  router.post('/sps/:id/remove', requireCsrf, async (req, res) => {
    const sp = await spOf(req);
    await adminAction(
      req,
      res,
      async () => {
        await registryFor(req).remove(sp.entityId);
        return `Removed ${sp.entityId}.`;
      },
      '/admin/sps',
      (status, message) => showSp(req, res, status, message),
    );
  });

  return router;
}
