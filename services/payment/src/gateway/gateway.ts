/**
 * The card gateway stand-in: it behaves like a payment provider, with its own
 * ledger in its own database (ledger.ts). Every charge carries an idempotency
 * key: the same key answers the same charge, another amount under a used key
 * is refused. Captures, voids and refunds act on the ledger and are idempotent.
 * A request that creates a charge or moves one is its row (one statement, no
 * transaction to hold); an append-only log keeps every other request it
 * answered (a replay, a refusal, a decline, a move that changed nothing), so
 * the charges and the log together count every call that reached "the money".
 *
 * In-process, not a separate program: a provider is reached over the network,
 * but what matters here is that its state is not the payment service's. Its
 * own database (and MikroORM instance, and migrations) gives that: a crash of
 * the payment process loses nothing the gateway committed, and the payment
 * service can only learn the gateway's state by asking it (find by key). A
 * separate process would add a deployment and a port to the stack and the
 * chart and test nothing more.
 *
 * Fault injection (api.md: PUT /api/admin/faults/payment) makes its charge
 * call slow or failing, per process, to exercise timeouts and the breaker.
 */
import type { MikroORM } from '@mikro-orm/mysql';
import { randomUUID } from 'node:crypto';
import { isDuplicateKey } from '@baedal/platform/db';
import {
  GatewayCharge,
  GatewayRequest,
  liveChargeStatuses,
  type ChargeStatus,
  type RequestOperation,
  type RequestOutcome,
} from './ledger.ts';

export interface GatewayFaults {
  delayMs: number;
  failureRate: number;
}

/** The network refused the charge; nothing is kept under its key, so a later try may succeed. */
export class GatewayDeclinedError extends Error {}
/** The key was already used for a charge of another amount. */
export class GatewayKeyReusedError extends Error {}

export interface ChargeView {
  id: string;
  idempotencyKey: string;
  amount: number;
  status: ChargeStatus;
  createdAt: Date;
}

const view = (c: GatewayCharge): ChargeView => ({
  id: c.id,
  idempotencyKey: c.idempotencyKey,
  amount: c.amount,
  status: c.status,
  createdAt: c.createdAt,
});

export class PaymentGateway {
  private faults: GatewayFaults = { delayMs: 0, failureRate: 0 };
  private readonly orm: MikroORM;
  private readonly random: () => number;

  constructor(orm: MikroORM, random: () => number = Math.random) {
    this.orm = orm;
    this.random = random;
  }

  setFaults(f: GatewayFaults): void {
    this.faults = { ...f };
  }

  getFaults(): GatewayFaults {
    return { ...this.faults };
  }

  /** Authorizes `amount` under `key`; the same key and amount again answer the same charge. */
  async charge(key: string, amount: number): Promise<ChargeView> {
    if (this.faults.delayMs > 0) await new Promise((r) => setTimeout(r, this.faults.delayMs));
    if (this.faults.failureRate > 0 && this.random() < this.faults.failureRate) {
      await this.log(key, 'charge', 'declined', amount);
      throw new GatewayDeclinedError('simulated gateway failure');
    }
    const now = new Date();
    const charge: GatewayCharge = {
      id: randomUUID(),
      idempotencyKey: key,
      amount,
      status: 'AUTHORIZED',
      createdAt: now,
      updatedAt: now,
    };
    try {
      // The row is the record of the call that created it (see the top of this file).
      await this.orm.em.fork().insert(GatewayCharge, charge);
      return view(charge);
    } catch (e) {
      if (!isDuplicateKey(e)) throw e;
    }
    const existing = await this.orm.em.fork().findOneOrFail(GatewayCharge, { idempotencyKey: key });
    if (existing.amount !== amount) {
      await this.log(key, 'charge', 'refused', amount);
      throw new GatewayKeyReusedError(`key ${key} was charged ${existing.amount}, not ${amount}`);
    }
    await this.log(key, 'charge', 'replayed', amount);
    return view(existing);
  }

  /** The charge made under `key`, if any (how a client learns the outcome of a call it lost). */
  async find(key: string): Promise<ChargeView | null> {
    const c = await this.orm.em.fork().findOne(GatewayCharge, { idempotencyKey: key });
    return c ? view(c) : null;
  }

  /** AUTHORIZED → CAPTURED. */
  capture(key: string): Promise<ChargeStatus | null> {
    return this.move(key, 'capture', 'AUTHORIZED', 'CAPTURED');
  }

  /** AUTHORIZED → VOIDED: the hold is released, nothing was taken. */
  void(key: string): Promise<ChargeStatus | null> {
    return this.move(key, 'void', 'AUTHORIZED', 'VOIDED');
  }

  /** CAPTURED → REFUNDED: the money goes back. */
  refund(key: string): Promise<ChargeStatus | null> {
    return this.move(key, 'refund', 'CAPTURED', 'REFUNDED');
  }

  /**
   * Gives the customer's money back whatever the charge's state: voids an
   * authorization, refunds a capture. Returns the final status (null: no charge).
   */
  async release(key: string): Promise<ChargeStatus | null> {
    for (;;) {
      const c = await this.find(key);
      if (!c) return null;
      if (c.status === 'AUTHORIZED') {
        const s = await this.void(key);
        if (s === 'VOIDED') return s;
      } else if (c.status === 'CAPTURED') {
        const s = await this.refund(key);
        if (s === 'REFUNDED') return s;
      } else {
        return c.status;
      }
      // Captured or voided between the read and the move: look again.
    }
  }

  /** Live charges (money held or taken) created in [from, to), in id order after `afterId`. */
  async liveCharges(from: Date, to: Date, afterId: string, limit: number): Promise<ChargeView[]> {
    // Plain rows, not entities: a reconciliation pass reads every live charge of the
    // week, and entities (each tracked with a snapshot of its data) held tens of MB
    // of the payment service's memory for 9,000 charges (docs/performance.md, item 24).
    return this.orm.em
      .fork()
      .createQueryBuilder(GatewayCharge)
      .select(['id', 'idempotencyKey', 'amount', 'status', 'createdAt'])
      .where({ status: { $in: [...liveChargeStatuses] }, createdAt: { $gte: from, $lt: to }, id: { $gt: afterId } })
      .orderBy({ id: 'asc' })
      .limit(limit)
      .execute('all');
  }

  /**
   * One conditional update; returns the charge's status after it. A move that
   * changed nothing is logged (the charge's row shows only the moves that did).
   */
  private async move(
    key: string,
    operation: RequestOperation,
    from: ChargeStatus,
    to: ChargeStatus,
  ): Promise<ChargeStatus | null> {
    const em = this.orm.em.fork();
    const moved = await em.nativeUpdate(
      GatewayCharge,
      { idempotencyKey: key, status: from },
      { status: to, updatedAt: new Date() },
    );
    if (moved) return to;
    const after = (await em.findOne(GatewayCharge, { idempotencyKey: key }))?.status ?? null;
    await this.log(key, operation, after === to ? 'unchanged' : 'invalid', null);
    return after;
  }

  private async log(key: string, operation: RequestOperation, outcome: RequestOutcome, amount: number | null) {
    await this.orm.em
      .fork()
      .insert(GatewayRequest, { idempotencyKey: key, operation, outcome, amount, at: new Date() });
  }
}
