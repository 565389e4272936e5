/**
 * Voids charges whose order was never saved. A charge is captured when the
 * order's OrderPlaced arrives; one still uncaptured after the capture timeout
 * is checked with the order service (through the sidecar): an existing order
 * captures it, a missing one voids it (refund). If the order service cannot
 * answer, nothing happens and the next pass asks again. Either way the
 * gateway is told in the same transaction (events/refunds.ts says why).
 */
import type { DaprSidecar, Logger } from '@baedal/platform';
import { repeat } from '@baedal/platform/repeat';
import type { MikroORM } from '@mikro-orm/mysql';
import { Payment } from '../entities/payment.ts';
import { capture, refund } from '../events/refunds.ts';
import type { PaymentGateway } from '../gateway/gateway.ts';

export class CaptureSweeper {
  private loop: { stop(): void } | undefined;
  private readonly deps: {
    orm: MikroORM;
    dapr: DaprSidecar;
    gateway: PaymentGateway;
    logger: Logger;
    timeoutSeconds: number;
  };

  constructor(deps: CaptureSweeper['deps']) {
    this.deps = deps;
  }

  start(): void {
    this.loop = repeat(
      Math.min(10_000, (this.deps.timeoutSeconds * 1000) / 3),
      () => this.sweep(),
      (e) => this.deps.logger.warn({ err: e }, 'capture sweep failed'),
    );
  }

  stop(): void {
    this.loop?.stop();
  }

  /** One pass; returns how many charges it voided. */
  async sweep(): Promise<number> {
    const { orm, dapr, gateway, logger } = this.deps;
    const cutoff = new Date(Date.now() - this.deps.timeoutSeconds * 1000);
    const stale = await orm.em
      .fork()
      .find(Payment, { status: 'APPROVED', capturedAt: null, createdAt: { $lt: cutoff } }, { limit: 50 });
    let voided = 0;
    for (const payment of stale) {
      let status: number;
      try {
        status = (await dapr.invoke('order', `internal/orders/${payment.orderId}`, { timeoutMs: 3000 })).status;
      } catch {
        return voided; // the order service is unreachable: decide nothing now
      }
      await orm.em.fork().transactional(async (em) => {
        if (status === 200) {
          const captured = await em.nativeUpdate(
            Payment,
            { id: payment.id, status: 'APPROVED', capturedAt: null },
            { capturedAt: new Date() },
          );
          if (captured === 1) await capture(gateway, logger, payment.orderId);
        } else if (status === 404 && (await refund(em, gateway, payment))) {
          voided++;
          logger.warn(
            { orderId: payment.orderId, amount: payment.amount },
            'voided a charge whose order was never saved',
          );
        }
      });
    }
    return voided;
  }
}
