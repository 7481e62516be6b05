import { Router, type Request, type Response } from 'express';
import { csrfTokenOf, requireCsrf } from '../csrf';
import { adminAction, adminFor, field, inputErrorMessage, queryValue, takeFlash, type AdminDeps } from './adminCommon';
import { parseRoleArn } from '../../aws/arn';
import { runAwsMappers } from '../../aws/mappers';
import { AwsRuleError } from '../../aws/awsRuleError';
import type { AwsPartition } from '../../aws/partitions';
import { AdminInputError } from '../../admin/adminService';
import type { RoleGrantRecord } from '../../store/store';

interface Preview {
  username: string;
  error?: string;
  partitions: Array<{ partition: AwsPartition; attributes: Array<{ name: string; values: string[] }> }>;
}

/** Admin console, AWS access: labelled accounts, role grants per group, and the exact attributes a member would get. */
export function adminAwsRoutes(deps: AdminDeps): Router {
  const router = Router();
  const { store } = deps;
  const { consoleStore } = deps.adminConsole;

  /** What the AWS mappers release for this user, per partition: the same functions the SSO pipeline runs. */
  async function preview(username: string): Promise<Preview | null> {
    if (!username) return null;
    const subject = await store.findUserByUsername(username.trim().toLowerCase());
    if (!subject) return { username, error: `There is no user named "${username.slice(0, 64)}".`, partitions: [] };
    const grants = await store.listRoleGrantsForUser(subject.id);
    if (grants.length === 0) return { username: subject.username, error: 'No group of this user has an AWS role grant: they would get a 403 and no assertion.', partitions: [] };
    const byPartition = new Map<AwsPartition, RoleGrantRecord[]>();
    for (const grant of grants) {
      const partition = parseRoleArn(grant.roleArn).partition;
      byPartition.set(partition, [...(byPartition.get(partition) ?? []), grant]);
    }
    const principal = { userId: subject.id, username: subject.username, displayName: subject.displayName, email: subject.email };
    try {
      return {
        username: subject.username,
        partitions: [...byPartition].map(([partition, list]) => ({
          partition,
          attributes: runAwsMappers({ principal, grants: list }).map((a) => ({ name: a.name, values: a.values })),
        })),
      };
    } catch (error) {
      if (error instanceof AwsRuleError) return { username: subject.username, error: inputErrorMessage(error), partitions: [] };
      throw error;
    }
  }

  async function show(req: Request, res: Response, status = 200, error?: string, values: Record<string, string> = {}) {
    const accounts = await consoleStore.listAwsAccounts();
    const labelOf = new Map(accounts.map((a) => [a.accountId, a.label]));
    const grants = (await store.listRoleGrants()).map((g) => {
      const arn = parseRoleArn(g.roleArn);
      return { ...g, accountId: arn.accountId, accountLabel: labelOf.get(arn.accountId) ?? '', partition: arn.partition };
    });
    res.status(status).render('admin/aws', {
      title: 'AWS access',
      section: 'aws',
      user: req.user,
      csrfToken: csrfTokenOf(req),
      accounts,
      grants,
      groups: await store.listGroups(),
      users: (await store.listUsers()).map((u) => u.username),
      preview: await preview(queryValue(req, 'preview')),
      values: { accountId: '', accountLabel: '', group: '', roleArn: '', providerArn: '', duration: '', label: '', ...values },
      notice: takeFlash(req),
      error,
    });
  }

  router.get('/aws', (req, res) => show(req, res));

  router.post('/aws/accounts', requireCsrf, async (req, res) => {
    const values = { accountId: field(req, 'accountId'), accountLabel: field(req, 'label') };
    await adminAction(
      req,
      res,
      async () => {
        await adminFor(req, deps).putAwsAccount(values.accountId, values.accountLabel);
        return `Account ${values.accountId.trim()} is labelled "${values.accountLabel.trim()}".`;
      },
      '/admin/aws',
      (status, message) => show(req, res, status, message, values),
    );
  });

  router.post('/aws/accounts/remove', requireCsrf, async (req, res) => {
    await adminAction(
      req,
      res,
      async () => {
        await adminFor(req, deps).removeAwsAccount(field(req, 'accountId'));
        return 'Label removed (grants in that account are unchanged).';
      },
      '/admin/aws',
      (status, message) => show(req, res, status, message),
    );
  });

  router.post('/aws/grants', requireCsrf, async (req, res) => {
    const values = { group: field(req, 'group'), roleArn: field(req, 'roleArn'), providerArn: field(req, 'providerArn'), duration: field(req, 'duration'), label: field(req, 'label') };
    await adminAction(
      req,
      res,
      async () => {
        const grant = await adminFor(req, deps).addGrant({ ...values, duration: values.duration.trim() });
        return `Grant ${grant.id}: members of ${grant.groupName} may assume ${grant.roleArn}.`;
      },
      '/admin/aws',
      (status, message) => show(req, res, status, message, values),
    );
  });

  router.post('/aws/grants/remove', requireCsrf, async (req, res) => {
    const id = field(req, 'id');
    await adminAction(
      req,
      res,
      async () => {
        if (!/^\d{1,12}$/.test(id)) throw new AdminInputError(`"${id.slice(0, 20)}" is not a grant id`);
        await adminFor(req, deps).removeGrant(Number(id));
        return `Grant ${id} removed.`;
      },
      '/admin/aws',
      (status, message) => show(req, res, status, message),
    );
  });

  return router;
}
