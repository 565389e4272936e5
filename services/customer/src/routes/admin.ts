/** Fault injection for the fault tests (admin, and only when FAULT_INJECTION is on). */
import Router from '@koa/router';
import { notFound, parseWith, requireRole, type TokenVerifier } from '@baedal/platform';
import { CustomerFaultsRequest } from '@baedal/platform/contracts/api';
import type { LoseNextEvent } from '@baedal/platform/lose-next-event';

export function adminRoutes(deps: { loseNextEvent: LoseNextEvent; verifier: TokenVerifier; faultInjection: boolean }) {
  const router = new Router();
  router.put('/api/admin/faults/customer', requireRole(deps.verifier, 'admin'), (ctx) => {
    if (!deps.faultInjection) throw notFound('Fault injection');
    const body = parseWith(CustomerFaultsRequest, ctx.request.body, 'body');
    deps.loseNextEvent.arm(body.loseNextEvent);
    ctx.body = body;
  });
  return router;
}
