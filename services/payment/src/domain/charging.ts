/**
 * Charge once per order, where the money is. The payment row is claimed
 * (PENDING, unique order id) and committed before the gateway is called, so
 * of several overlapping calls for one order (a Dapr retry after the per-attempt
 * timeout, a client's retry) exactly one reaches the gateway. The others wait
 * a bounded time for it and answer its outcome, or a retryable "charge
 * pending" problem. The gateway's idempotency key (the order id) covers what
 * the claim cannot: a claimant that died after the gateway charged is resolved
 * by asking the gateway by key (pending-resolver.ts), never by charging again.
 */
import { AppError, conflict, unavailable, type Logger } from '@baedal/platform';
import { CHARGE_PENDING_PROBLEM, type ChargeRequest } from '@baedal/platform/contracts/internal';
import { isDuplicateKey } from '@baedal/platform/db';
import { LockMode, type MikroORM } from '@mikro-orm/mysql';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { GatewayDeclinedError, GatewayKeyReusedError, type PaymentGateway } from '../gateway/gateway.ts';
import { Payment } from '../entities/payment.ts';

/**
 * How long a call that finds the order's charge PENDING waits for it: well
 * below Dapr's 2 s per-attempt timeout (components/resiliency.yaml), so its
 * answer is still heard on a loaded machine.
 */
const PENDING_WAIT_MS = 1000;
const PENDING_POLL_MS = 50;
const PENDING_RETRY_AFTER_SECONDS = 1;
const GATEWAY_RETRY_AFTER_SECONDS = 5;

/** Fault injection: hold a charge between the gateway's answer and the row update (a crash window). */
export interface ChargeFaults {
  pauseAfterChargeMs: number;
}

/**
 * 409, not 503: Dapr's retry policy retries 5xx, and a retry would only wait
 * again; nor should the circuit breaker count a charge in progress as a failure.
 * The order service maps it to its 503 + Retry-After for the customer.
 */
const chargePending = () =>
  new AppError(409, CHARGE_PENDING_PROBLEM, 'Charge in progress', 'This order is being charged right now; ask again.', {
    headers: { 'Retry-After': String(PENDING_RETRY_AFTER_SECONDS) },
  });

export class Charging {
  private readonly deps: { orm: MikroORM; gateway: PaymentGateway; logger: Logger; faults: ChargeFaults };

  constructor(deps: Charging['deps']) {
    this.deps = deps;
  }

  /** The order's APPROVED payment, charged now (`created`) or earlier. */
  async charge(req: ChargeRequest): Promise<{ payment: Payment; created: boolean }> {
    const deadline = Date.now() + PENDING_WAIT_MS;
    let found: Payment | null = null;
    for (;;) {
      // After the first look, a waiter only reads the row (no insert that is bound to fail).
      const { payment, claimed } = found ? { payment: found, claimed: false } : await this.claimOrFind(req);
      found = null;
      if (claimed) return { payment: await this.chargeClaimed(payment), created: true };
      if (payment.amount !== req.amount || payment.customerId !== req.customerId) {
        throw conflict('This order was already charged with a different amount.');
      }
      if (payment.status === 'APPROVED') return { payment, created: false };
      if (payment.status === 'REFUNDED') throw conflict('This charge was voided or refunded; start a new order.');
      if (payment.status === 'DECLINED') {
        // Nothing was charged: a new attempt may claim the order again (one of several wins).
        const reclaimed = await this.reclaim(payment);
        if (reclaimed) return { payment: await this.chargeClaimed(reclaimed), created: true };
        continue;
      }
      // PENDING: another call is charging this order. Wait for it, never call the gateway.
      if (Date.now() >= deadline) throw chargePending();
      await sleep(PENDING_POLL_MS);
      found = await this.deps.orm.em.fork().findOne(Payment, { orderId: req.orderId });
    }
  }

  /** Inserts the PENDING claim (committed at once), or reads the order's existing payment. */
  private async claimOrFind(req: ChargeRequest): Promise<{ payment: Payment; claimed: boolean }> {
    const now = new Date();
    const payment: Payment = {
      id: randomUUID(),
      orderId: req.orderId,
      customerId: req.customerId,
      amount: req.amount,
      status: 'PENDING',
      capturedAt: null,
      createdAt: now,
      updatedAt: now,
    };
    try {
      // One INSERT in autocommit: the claim is durable before the gateway is called.
      await this.deps.orm.em.fork().insert(Payment, payment);
      return { payment, claimed: true };
    } catch (e) {
      if (!isDuplicateKey(e)) throw e;
    }
    return { payment: await this.deps.orm.em.fork().findOneOrFail(Payment, { orderId: req.orderId }), claimed: false };
  }

  /** DECLINED → PENDING for a new attempt; its createdAt restarts (captureBy counts from it). */
  private async reclaim(payment: Payment): Promise<Payment | null> {
    const now = new Date();
    const moved = await this.deps.orm.em
      .fork()
      .nativeUpdate(
        Payment,
        { id: payment.id, status: 'DECLINED' },
        { status: 'PENDING', createdAt: now, updatedAt: now },
      );
    return moved === 1 ? { ...payment, status: 'PENDING', createdAt: now, updatedAt: now } : null;
  }

  /** This call holds the claim: charge at the gateway (key: the order id), then record the outcome. */
  private async chargeClaimed(payment: Payment): Promise<Payment> {
    const { orm, gateway, logger, faults } = this.deps;
    try {
      await gateway.charge(payment.orderId, payment.amount);
    } catch (e) {
      if (e instanceof GatewayDeclinedError) {
        await this.settle(payment, 'DECLINED');
        throw unavailable('The payment gateway did not answer; try again.', GATEWAY_RETRY_AFTER_SECONDS);
      }
      if (e instanceof GatewayKeyReusedError) {
        await this.settle(payment, 'DECLINED');
        throw conflict('This order was already charged with a different amount.');
      }
      // Unknown outcome (the gateway's store failed mid-call): stay PENDING; the resolver asks the gateway.
      logger.warn({ orderId: payment.orderId, err: e }, 'gateway charge failed with an unknown outcome');
      throw unavailable('The payment gateway did not answer; try again.', GATEWAY_RETRY_AFTER_SECONDS);
    }
    if (faults.pauseAfterChargeMs > 0) {
      logger.warn(
        { orderId: payment.orderId },
        'fault injection: pausing between the gateway charge and the row update',
      );
      await sleep(faults.pauseAfterChargeMs);
    }
    if (await this.settle(payment, 'APPROVED')) return { ...payment, status: 'APPROVED' };
    // The pending resolver decided while this call was charging (only after its grace period).
    return orm.em.fork().transactional(async (em) => {
      const now = await em.findOneOrFail(Payment, { id: payment.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (now.status === 'APPROVED') return now;
      if (now.status === 'DECLINED') {
        // Declared abandoned, yet charged: give the money back while holding the row (no reclaim meanwhile).
        await gateway.release(payment.orderId);
        logger.warn({ orderId: payment.orderId }, 'released a charge made after its payment was declared abandoned');
      }
      throw unavailable('The payment gateway did not answer in time; try again.', GATEWAY_RETRY_AFTER_SECONDS);
    });
  }

  /** This claim's PENDING → `to`; false when the row had left it (createdAt tells a later reclaim apart). */
  private async settle(payment: Payment, to: 'APPROVED' | 'DECLINED'): Promise<boolean> {
    const moved = await this.deps.orm.em
      .fork()
      .nativeUpdate(
        Payment,
        { id: payment.id, status: 'PENDING', createdAt: payment.createdAt },
        { status: to, updatedAt: new Date() },
      );
    return moved === 1;
  }
}
