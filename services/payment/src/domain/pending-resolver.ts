/**
 * Resolves PENDING payments whose charging call died (a crash between the
 * gateway's answer and the row update, or before the gateway was reached).
 * It never charges: it asks the gateway by key (the order id). A charge found
 * makes the payment APPROVED, and from there the capture sweeper captures it
 * (its order exists) or voids it (it does not). No charge after the grace
 * period makes it DECLINED: nothing was taken, and a retry may claim it again.
 * A charge the gateway makes after that (a call slower than the grace period)
 * is given back by its caller or, if that caller died too, by reconciliation.
 */
import type { Logger, Metrics } from '@baedal/platform';
import { repeat } from '@baedal/platform/repeat';
import type { MikroORM } from '@mikro-orm/mysql';
import { Payment } from '../entities/payment.ts';
import type { PaymentGateway } from '../gateway/gateway.ts';

/** A younger PENDING row is most likely still being charged by a live call: leave it to that call. */
const MIN_AGE_MS = 3000;

export class PendingResolver {
  private loop: { stop(): void } | undefined;
  private readonly deps: {
    orm: MikroORM;
    gateway: PaymentGateway;
    logger: Logger;
    graceSeconds: number;
  };
  private readonly resolved;

  constructor(deps: PendingResolver['deps'] & { metrics: Metrics }) {
    this.deps = deps;
    this.resolved = deps.metrics.counter(
      'payment_pending_resolved_total',
      'PENDING payments resolved by asking the gateway, by outcome (approved, declined)',
      ['outcome'],
    );
  }

  start(): void {
    this.loop = repeat(
      2000,
      () => this.sweep(),
      (e) => this.deps.logger.warn({ err: e }, 'pending resolution failed'),
    );
  }

  stop(): void {
    this.loop?.stop();
  }

  /** One pass; returns how many payments it resolved. */
  async sweep(): Promise<number> {
    const { orm, gateway, logger } = this.deps;
    const now = Date.now();
    const pending = await orm.em
      .fork()
      .find(Payment, { status: 'PENDING', createdAt: { $lt: new Date(now - MIN_AGE_MS) } }, { limit: 50 });
    let resolved = 0;
    for (const p of pending) {
      const charge = await gateway.find(p.orderId);
      const claim = { id: p.id, status: 'PENDING' as const, createdAt: p.createdAt };
      if (charge) {
        if (charge.amount !== p.amount) {
          logger.error(
            { orderId: p.orderId, charged: charge.amount, amount: p.amount },
            'gateway charge of another amount',
          );
          continue;
        }
        if ((await orm.em.fork().nativeUpdate(Payment, claim, { status: 'APPROVED', updatedAt: new Date() })) === 1) {
          resolved++;
          this.resolved.inc({ outcome: 'approved' });
          logger.warn({ orderId: p.orderId }, 'pending payment resolved: the gateway had charged it');
        }
      } else if (p.createdAt.getTime() < now - this.deps.graceSeconds * 1000) {
        if ((await orm.em.fork().nativeUpdate(Payment, claim, { status: 'DECLINED', updatedAt: new Date() })) === 1) {
          resolved++;
          this.resolved.inc({ outcome: 'declined' });
          logger.warn({ orderId: p.orderId }, 'pending payment abandoned: the gateway never charged it');
        }
      }
    }
    return resolved;
  }
}
