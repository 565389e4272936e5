/**
 * Read-only views of the payment gateway stand-in's own ledger (its database,
 * GATEWAY_DB_NAME): a charge call that created a charge is the charge's row,
 * every other charge call that reached the gateway is an entry of its
 * append-only request log, and the charges table says where the money is.
 * Tests count charges here, where they happen, not in the payment service's
 * table (whose unique order id makes "one row per order" true whatever the
 * gateway did).
 */
import { gatewayDatabase as gatewayDb } from '../../tools/stack/topology.ts';
import { sql, sqlList } from '../faults/support.ts';

export interface GatewayTally {
  /**
   * Charge calls the gateway answered, by outcome: `created` from the charges table (its
   * unique key allows one), the others (replayed, declined, refused) from the request log.
   */
  calls: Record<string, number>;
  /** Money with the merchant: amount of the key's charge if AUTHORIZED or CAPTURED, else 0. */
  net: number;
  /** The charge's status at the gateway, or 'none'. */
  status: string;
}

const empty = (): GatewayTally => ({ calls: {}, net: 0, status: 'none' });

/** Per idempotency key (order id): what the gateway's log and ledger hold. */
export async function gatewayTallies(keys: readonly string[]): Promise<Map<string, GatewayTally>> {
  const out = new Map<string, GatewayTally>(keys.map((k) => [k, empty()]));
  for (let i = 0; i < keys.length; i += 500) {
    const part = sqlList(keys.slice(i, i + 500));
    for (const [key, outcome, n] of await sql(
      `select idempotency_key, outcome, count(*) from ${gatewayDb}.gateway_request
        where operation = 'charge' and idempotency_key in ${part} group by idempotency_key, outcome`,
    )) {
      out.get(key!)!.calls[outcome!] = Number(n);
    }
    for (const [key, amount, status] of await sql(
      `select idempotency_key, amount, status from ${gatewayDb}.gateway_charge where idempotency_key in ${part}`,
    )) {
      const t = out.get(key!)!;
      t.calls.created = 1;
      t.status = status!;
      t.net = status === 'AUTHORIZED' || status === 'CAPTURED' ? Number(amount) : 0;
    }
  }
  return out;
}

/** Charges the gateway created under the key: 0 or 1. */
export const chargesCreated = (t: GatewayTally): number => t.calls.created ?? 0;

/** Charge calls that reached the gateway and were not declined (created + replayed + refused). */
export const chargeCallsThatCounted = (t: GatewayTally): number =>
  Object.entries(t.calls).reduce((n, [outcome, c]) => n + (outcome === 'declined' ? 0 : c), 0);
