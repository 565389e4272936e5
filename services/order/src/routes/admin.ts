/** Fault injection for the fault tests (admin, and only when FAULT_INJECTION is on). */
import Router from '@koa/router';
import { notFound, parseWith, requireRole, type TokenVerifier } from '@baedal/platform';
import { OrderFaultsRequest } from '@baedal/platform/contracts/api';
import type { OrderCommands } from '../domain/order-commands.ts';

export function adminRoutes(deps: { commands: OrderCommands; verifier: TokenVerifier; faultInjection: boolean }) {
  const router = new Router();
  router.put('/api/admin/faults/order', requireRole(deps.verifier, 'admin'), (ctx) => {
    if (!deps.faultInjection) throw notFound('Fault injection');
    const body = parseWith(OrderFaultsRequest, ctx.request.body, 'body');
    deps.commands.crashAfterNextCommit = body.crashAfterCommit;
    ctx.body = body;
  });
  return router;
}
