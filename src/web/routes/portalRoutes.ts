import { Router } from 'express';
import { requireSignedIn } from '../signedInUser';
import { csrfTokenOf } from '../csrf';
import { parseRoleArn } from '../../aws/arn';
import type { AwsPartition } from '../../aws/partitions';
import type { Store } from '../../store/store';

/** The portal: the AWS roles the signed-in user's groups grant, each a link that signs them in. */
export function portalRoutes(deps: { store: Store }): Router {
  const router = Router();
  router.get('/', requireSignedIn, async (req, res) => {
    const user = req.user!;
    const grants = await deps.store.listRoleGrantsForUser(user.id);
    const partitions = new Set<AwsPartition>();
    const roles = grants.map((grant) => {
      const arn = parseRoleArn(grant.roleArn);
      partitions.add(arn.partition);
      return {
        accountId: arn.accountId,
        roleName: arn.path === '/' ? arn.roleName : `${arn.path}${arn.roleName}`,
        label: grant.label,
        href: `/aws/sso?role=${encodeURIComponent(grant.roleArn)}`,
      };
    });
    res.render('portal', {
      user,
      csrfToken: csrfTokenOf(req),
      roles,
      partitions: [...partitions].map((partition) => ({
        partition,
        allRolesHref: partitions.size > 1 ? `/aws/sso?partition=${partition}` : '/aws/sso',
      })),
    });
  });
  return router;
}
