/**
 * The gateway's own ledger, in its own database (GATEWAY_DB_NAME), never the
 * payment service's: what the card network did survives whatever happens to
 * the payment service's process or tables.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/mysql';

/** AUTHORIZED holds the money, CAPTURED takes it; VOIDED and REFUNDED give it all back. */
export const chargeStatuses = ['AUTHORIZED', 'CAPTURED', 'VOIDED', 'REFUNDED'] as const;
export type ChargeStatus = (typeof chargeStatuses)[number];
/** Statuses in which the customer's money is with the merchant (held or taken). */
export const liveChargeStatuses: readonly ChargeStatus[] = ['AUTHORIZED', 'CAPTURED'];

/** One charge per idempotency key (the payment service uses the order id). */
export const GatewayCharge = defineEntity({
  name: 'GatewayCharge',
  tableName: 'gateway_charge',
  properties: {
    id: p.uuid().primary(),
    idempotencyKey: p.string().length(64).unique(),
    amount: p.integer(),
    status: p.string().length(16).$type<ChargeStatus>(),
    createdAt: p.datetime(3),
    updatedAt: p.datetime(3),
  },
});
export type GatewayCharge = InferEntity<typeof GatewayCharge>;

export const requestOperations = ['charge', 'capture', 'void', 'refund'] as const;
export type RequestOperation = (typeof requestOperations)[number];
/**
 * replayed: the key's charge answered again; declined: refused by the
 * (simulated) network, nothing kept under the key; refused: the key was used
 * with another amount; unchanged: a capture, void or refund that found the
 * charge already so; invalid: not allowed in the charge's state (or no charge).
 * A charge created, or moved by a capture, void or refund, is its row in
 * gateway_charge, not a log entry.
 */
export const requestOutcomes = ['replayed', 'declined', 'refused', 'unchanged', 'invalid'] as const;
export type RequestOutcome = (typeof requestOutcomes)[number];

/** Append-only: one row per request that neither created a charge nor moved one. Never updated, never deleted. */
export const GatewayRequest = defineEntity({
  name: 'GatewayRequest',
  tableName: 'gateway_request',
  properties: {
    id: p.bigint().primary().autoincrement(),
    idempotencyKey: p.string().length(64),
    operation: p.string().length(16).$type<RequestOperation>(),
    outcome: p.string().length(16).$type<RequestOutcome>(),
    amount: p.integer().nullable(),
    at: p.datetime(3),
  },
});
export type GatewayRequest = InferEntity<typeof GatewayRequest>;
