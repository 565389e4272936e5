/**
 * Reconciliation of the gateway's ledger with the payments table, the way a
 * merchant checks the provider's settlement report against its books: every
 * live charge at the gateway (money held or taken) must belong to an APPROVED
 * payment. One that does not (its payment DECLINED or REFUNDED, or no payment
 * at all) is money no order owes: it is voided or refunded at the gateway,
 * counted in payment_reconcile_repairs_total and logged once per repair.
 * A PENDING payment is left to the pending resolver; an APPROVED one whose
 * order never came is the capture sweeper's. Charges younger than `minAgeMs`
 * are skipped, since their callers may still be recording them.
 */
import type { Logger, Metrics } from '@baedal/platform';
import { repeat } from '@baedal/platform/repeat';
import { LockMode, type MikroORM } from '@mikro-orm/mysql';
import { Payment } from '../entities/payment.ts';
import type { ChargeView, PaymentGateway } from '../gateway/gateway.ts';

const BATCH = 200;
/** How far back each pass looks (a provider's report covers a window too). */
const LOOKBACK_MS = 7 * 24 * 3600 * 1000;

export class Reconciler {
  private loop: { stop(): void } | undefined;
  private readonly deps: {
    orm: MikroORM;
    gateway: PaymentGateway;
    logger: Logger;
    intervalSeconds: number;
    minAgeMs: number;
  };
  private readonly repairs;

  constructor(deps: Reconciler['deps'] & { metrics: Metrics }) {
    this.deps = deps;
    this.repairs = deps.metrics.counter(
      'payment_reconcile_repairs_total',
      'Gateway charges no order owes, given back by reconciliation, by what the payment was (declined, refunded, missing)',
      ['payment'],
    );
  }

  start(): void {
    this.loop = repeat(
      this.deps.intervalSeconds * 1000,
      () => this.reconcile(),
      (e) => this.deps.logger.warn({ err: e }, 'reconciliation failed'),
    );
  }

  stop(): void {
    this.loop?.stop();
  }

  /** One pass over the gateway's live charges; returns how many it gave back. */
  async reconcile(): Promise<number> {
    const now = Date.now();
    const from = new Date(now - LOOKBACK_MS);
    const to = new Date(now - this.deps.minAgeMs);
    let repaired = 0;
    for (let after = ''; ;) {
      const charges = await this.deps.gateway.liveCharges(from, to, after, BATCH);
      if (charges.length === 0) return repaired;
      // Plain rows, as the charges are (gateway.ts liveCharges says why).
      const payments = await this.deps.orm.em
        .fork()
        .createQueryBuilder(Payment)
        .select(['orderId', 'status'])
        .where({ orderId: { $in: charges.map((c) => c.idempotencyKey) } })
        .execute('all');
      const byOrder = new Map(payments.map((p) => [p.orderId, p]));
      for (const charge of charges) {
        const status = byOrder.get(charge.idempotencyKey)?.status;
        if (status !== 'APPROVED' && status !== 'PENDING' && (await this.giveBack(charge))) repaired++;
      }
      after = charges[charges.length - 1]?.id ?? after;
    }
  }

  /**
   * Gives the charge back while holding its payment row, checked again under
   * the lock, so a concurrent reclaim and charge of the same order cannot be
   * undone by mistake.
   */
  private async giveBack(charge: ChargeView): Promise<boolean> {
    const { orm, gateway, logger } = this.deps;
    const orderId = charge.idempotencyKey;
    return orm.em.fork().transactional(async (em) => {
      const payment = await em.findOne(Payment, { orderId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (payment?.status === 'APPROVED' || payment?.status === 'PENDING') return false;
      const after = await gateway.release(orderId);
      const was = payment ? payment.status.toLowerCase() : 'missing';
      this.repairs.inc({ payment: was });
      logger.warn(
        { orderId, amount: charge.amount, chargeStatus: charge.status, payment: was, now: after },
        'reconciliation gave back a gateway charge no order owes',
      );
      return true;
    });
  }
}
