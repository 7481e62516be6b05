import { Router } from 'express';
import { csrfTokenOf } from '../csrf';
import { requireAdmin, takeFlash, type AdminDeps } from './adminCommon';
import { adminUserRoutes } from './adminUserRoutes';
import { adminGroupRoutes } from './adminGroupRoutes';
import { adminAwsRoutes } from './adminAwsRoutes';
import { adminKeyRoutes, rolloverStage } from './adminKeyRoutes';
import { adminAuditRoutes } from './adminAuditRoutes';
import { adminSpRoutes } from './adminSpRoutes';

/**
 * The admin console under /admin: plain HTML forms (usable without JavaScript), every one with the
 * session's CSRF token, every change made through AdminService (validated, audited with its actor),
 * every value escaped by EJS's <%= %>. Only users with the admin flag get past requireAdmin.
 */
export function adminRoutes(deps: AdminDeps): Router {
  const router = Router();
  router.use('/admin', requireAdmin(deps.store));

  router.get('/admin', async (req, res) => {
    const keys = await deps.adminConsole.keyRing.keys();
    res.render('admin/index', {
      title: 'Administration',
      section: 'overview',
      user: req.user,
      csrfToken: csrfTokenOf(req),
      counts: {
        users: (await deps.store.listUsers()).length,
        groups: (await deps.store.listGroups()).length,
        grants: (await deps.store.listRoleGrants()).length,
      },
      rollover: rolloverStage(keys),
      recent: await deps.adminConsole.consoleStore.searchAudit({ event: 'admin.', limit: 10 }),
      directoryEnabled: deps.adminConsole.directoryEnabled,
      notice: takeFlash(req),
    });
  });

  router.use('/admin', adminUserRoutes(deps));
  router.use('/admin', adminGroupRoutes(deps));
  router.use('/admin', adminAwsRoutes(deps));
  router.use('/admin', adminKeyRoutes(deps));
  router.use('/admin', adminAuditRoutes(deps));
  router.use('/admin', adminSpRoutes(deps));
  return router;
}
