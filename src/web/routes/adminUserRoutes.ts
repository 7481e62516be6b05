import { Router, type Request, type Response } from 'express';
import { csrfTokenOf, requireCsrf } from '../csrf';
import { HttpError } from '../httpError';
import { adminAction, adminFor, field, inputErrorMessage, inputErrorStatus, takeFlash, type AdminDeps } from './adminCommon';
import { recentSignIns } from './accountRoutes';
import { AdminInputError, type AdminService } from '../../admin/adminService';

/** Admin console, users: create, reset password, disable/enable, reset second factor, groups, recent sign-ins. */
export function adminUserRoutes(deps: AdminDeps): Router {
  const router = Router();
  const { store } = deps;
  const { mfa, directory, consoleStore } = deps.adminConsole;

  async function showList(req: Request, res: Response, status = 200, error?: string, values: Record<string, string> = {}) {
    const links = new Set((await directory.listDirectoryAccounts()).map((a) => a.userId));
    const users = await Promise.all(
      (await store.listUsers()).map(async (u) => ({ ...u, fromDirectory: links.has(u.id), mfaEnrolled: await mfa.isEnrolled(u) })),
    );
    res.status(status).render('admin/users', {
      title: 'Users',
      section: 'users',
      user: req.user,
      csrfToken: csrfTokenOf(req),
      users,
      values: { username: '', displayName: '', email: '', ...values },
      notice: takeFlash(req),
      error,
    });
  }

  async function showUser(req: Request, res: Response, status = 200, error?: string, enrolmentCode?: { code: string; expiresAt: string }) {
    const subject = await store.findUserByUsername(String(req.params.username ?? '').toLowerCase());
    if (!subject) throw new HttpError(404, 'No such user', `There is no user named "${String(req.params.username).slice(0, 64)}".`);
    const groups = await store.listGroupsOfUser(subject.id);
    const memberOf = new Set(groups.map((g) => g.id));
    res.status(status).render('admin/user', {
      title: `User ${subject.username}`,
      section: 'users',
      user: req.user,
      csrfToken: csrfTokenOf(req),
      subject,
      directoryAccount: await directory.findDirectoryAccount(subject.id),
      groups,
      otherGroups: (await store.listGroups()).filter((g) => !memberOf.has(g.id)),
      mfa: await mfa.status(subject),
      signIns: await recentSignIns(deps.adminConsole, subject.username, 25),
      sessions: (await consoleStore.listUserSessions(subject.id, Date.now())).length,
      grants: await store.listRoleGrantsForUser(subject.id),
      enrolmentCode,
      notice: takeFlash(req),
      error,
    });
  }

  const userPath = (req: Request) => `/admin/users/${encodeURIComponent(String(req.params.username))}`;

  router.get('/users', (req, res) => showList(req, res));

  router.post('/users', requireCsrf, async (req, res) => {
    const values = { username: field(req, 'username'), displayName: field(req, 'displayName'), email: field(req, 'email') };
    const password = field(req, 'password');
    if (password !== field(req, 'passwordRepeat')) return showList(req, res, 400, 'The two passwords differ.', values);
    await adminAction(
      req,
      res,
      async () => {
        const created = await adminFor(req, deps).addUser({ ...values, isAdmin: field(req, 'isAdmin') === 'on', password: password === '' ? null : password });
        return `Created user ${created.username}${password === '' ? ' without a password: set one before they can sign in' : ''}.`;
      },
      '/admin/users',
      (status, message) => showList(req, res, status, message, values),
    );
  });

  router.get('/users/:username', (req, res) => showUser(req, res));

  /**
   * A form on a user's page that changes something: CSRF-checked, done through AdminService (which
   * audits), then back to the user's page with a message, or the page again with the input error.
   */
  const userAction = (action: string, change: (admin: AdminService, username: string, req: Request) => Promise<string>) =>
    router.post(`/users/:username/${action}`, requireCsrf, async (req, res) => {
      await adminAction(
        req,
        res,
        () => change(adminFor(req, deps), String(req.params.username), req),
        userPath(req),
        (status, message) => showUser(req, res, status, message),
      );
    });

  userAction('password', async (admin, username, req) => {
    if (field(req, 'password') !== field(req, 'passwordRepeat')) throw new AdminInputError('The two passwords differ.');
    await admin.setPassword(username, field(req, 'password'));
    return 'Password set; the user\'s sessions and API tokens are ended. Tell the user through a channel other than email.';
  });
  userAction('disable', async (admin, username) => {
    await admin.setDisabled(username, true);
    return 'User disabled: their sessions and API tokens are ended.';
  });
  userAction('enable', async (admin, username) => {
    await admin.setDisabled(username, false);
    return 'User enabled.';
  });
  userAction('mfa-reset', async (admin, username) =>
    (await admin.resetSecondFactor(username))
      ? 'Second factor removed and the user\'s sessions ended. If a group requires one, they need an enrolment code (below) to set up a new one at their next sign-in.'
      : 'The user had no second factor.',
  );
  userAction('unlink-directory', async (admin, username) => {
    await admin.unlinkDirectoryAccount(username);
    return 'Directory link removed and the user\'s sessions ended: the next directory sign-in under this name links the account to that entry.';
  });
  userAction('groups', async (admin, username, req) =>
    (await admin.addMember(field(req, 'group'), username)) ? `Added to ${field(req, 'group')}.` : 'Already a member.',
  );
  userAction('groups/remove', async (admin, username, req) =>
    (await admin.removeMember(field(req, 'group'), username)) ? `Removed from ${field(req, 'group')}.` : 'Not a member.',
  );

  // The code is shown on this response only (no redirect, no flash): it is never stored in clear.
  router.post('/users/:username/mfa-enrol-code', requireCsrf, async (req, res) => {
    let issued;
    try {
      issued = await adminFor(req, deps).issueMfaEnrolmentCode(String(req.params.username));
    } catch (error) {
      const status = inputErrorStatus(error);
      if (status === null) throw error;
      return showUser(req, res, status, inputErrorMessage(error));
    }
    res.setHeader('Cache-Control', 'no-store');
    await showUser(req, res, 200, undefined, { code: issued.code, expiresAt: issued.expiresAt.toISOString() });
  });

  return router;
}
