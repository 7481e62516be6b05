import { Router, type Request, type Response } from 'express';
import { csrfTokenOf, requireCsrf } from '../csrf';
import { HttpError } from '../httpError';
import { adminAction, adminFor, field, takeFlash, type AdminDeps } from './adminCommon';

/** Admin console, groups: create, members, the "second factor required" policy, directory group mapping. */
export function adminGroupRoutes(deps: AdminDeps): Router {
  const router = Router();
  const { store } = deps;
  const { mfa, directory, consoleStore, directoryEnabled } = deps.adminConsole;

  async function showList(req: Request, res: Response, status = 200, error?: string, values: Record<string, string> = {}) {
    const counts = await consoleStore.countGroupMembers();
    const required = await mfa.groupsRequiringMfa();
    const grants = await store.listRoleGrants();
    const mappings = await directory.listDirectoryGroupMappings();
    const groups = (await store.listGroups()).map((g) => ({
      ...g,
      members: counts.get(g.id) ?? 0,
      mfaRequired: required.has(g.id),
      grants: grants.filter((x) => x.groupId === g.id).length,
      directoryGroups: mappings.filter((m) => m.groupId === g.id).map((m) => m.directoryGroup),
    }));
    res.status(status).render('admin/groups', {
      title: 'Groups',
      section: 'groups',
      user: req.user,
      csrfToken: csrfTokenOf(req),
      groups,
      directoryEnabled,
      values: { name: '', description: '', ...values },
      notice: takeFlash(req),
      error,
    });
  }

  async function showGroup(req: Request, res: Response, status = 200, error?: string) {
    const group = await store.findGroupByName(String(req.params.name ?? ''));
    if (!group) throw new HttpError(404, 'No such group', `There is no group named "${String(req.params.name).slice(0, 64)}".`);
    res.status(status).render('admin/group', {
      title: `Group ${group.name}`,
      section: 'groups',
      user: req.user,
      csrfToken: csrfTokenOf(req),
      group,
      members: await consoleStore.listGroupMembers(group.id),
      mfaRequired: (await mfa.groupsRequiringMfa()).has(group.id),
      grants: (await store.listRoleGrants()).filter((g) => g.groupId === group.id),
      directoryEnabled,
      directoryGroups: (await directory.listDirectoryGroupMappings()).filter((m) => m.groupId === group.id).map((m) => m.directoryGroup),
      notice: takeFlash(req),
      error,
    });
  }

  const groupPath = (req: Request) => `/admin/groups/${encodeURIComponent(String(req.params.name))}`;
  const name = (req: Request) => String(req.params.name);

  router.get('/groups', (req, res) => showList(req, res));

  router.post('/groups', requireCsrf, async (req, res) => {
    const values = { name: field(req, 'name'), description: field(req, 'description') };
    await adminAction(
      req,
      res,
      async () => `Created group ${(await adminFor(req, deps).addGroup(values.name, values.description || null)).name}.`,
      '/admin/groups',
      (status, message) => showList(req, res, status, message, values),
    );
  });

  router.get('/groups/:name', (req, res) => showGroup(req, res));

  const groupChange = (path: string, change: (req: Request) => Promise<string>) =>
    router.post(`/groups/:name${path}`, requireCsrf, async (req, res) => {
      await adminAction(req, res, () => change(req), groupPath(req), (status, message) => showGroup(req, res, status, message));
    });

  groupChange('/members', async (req) => ((await adminFor(req, deps).addMember(name(req), field(req, 'username'))) ? `Added ${field(req, 'username')}.` : 'Already a member.'));
  groupChange('/members/remove', async (req) => ((await adminFor(req, deps).removeMember(name(req), field(req, 'username'))) ? `Removed ${field(req, 'username')}.` : 'Not a member.'));
  groupChange('/mfa', async (req) => {
    const required = field(req, 'required') === 'on';
    await adminFor(req, deps).setGroupMfaRequired(name(req), required);
    return required
      ? 'Members must now give a second factor; those without one set it up at their next sign-in.'
      : 'This group no longer requires a second factor (members who set one up keep using it).';
  });
  groupChange('/directory', async (req) => {
    const { added, warning } = await adminFor(req, deps).mapDirectoryGroup(name(req), field(req, 'directoryGroup'));
    const done = added ? `Members of directory group "${field(req, 'directoryGroup').trim()}" join this group at their next sign-in.` : 'That directory group is already mapped here.';
    return warning ? `${done} Warning: ${warning}` : done;
  });
  groupChange('/directory/remove', async (req) =>
    (await adminFor(req, deps).unmapDirectoryGroup(name(req), field(req, 'directoryGroup')))
      ? 'Mapping removed: directory members leave this group at their next sign-in.'
      : 'No such mapping.',
  );

  return router;
}
