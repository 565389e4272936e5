/**
 * The end-to-end audit of the fault tests: read-only, after the faults are
 * healed. For a set of orders the tests placed (each with the end states it
 * may legally reach), it checks every place the order left a trace:
 * - order service (SQL): the order exists (nothing lost), its status is an
 *   intended end state, its history is a legal path of the lifecycle, and each
 *   lifecycle event was written to the outbox once (nothing duplicated);
 * - payment (SQL): the order's payment row; charged = approved − refunded is 0
 *   for CANCELLED/REJECTED and the order total otherwise;
 * - the payment gateway's own ledger (SQL, test/integration/gateway-ledger.ts):
 *   exactly one charge call reached it for the order (declined calls aside)
 *   and created the order's one charge; the money it holds (charged − voided
 *   − refunded) is what the order owes, captured when the order owes any;
 * - store (SQL): the inbox has the order, placed (its OrderPlaced handled),
 *   at the order's status (its primary key is the order id, so a row count
 *   proves presence, never "once"; the store's handling shows in no effect
 *   but that forward-only status);
 * - delivery (SQL): a delivery for an order that was cooked, none otherwise
 *   (presence: the order id is unique there), and its effects counted where
 *   they happen: each delivery fact (DeliveryPickedUp, DeliveryCompleted)
 *   published at most once, and once when the order took its step;
 * - consumers' inboxes (SQL, processed_event): the store, payment and delivery
 *   services each handled every order event they act on, the order service
 *   every delivery fact;
 * - customer view (the customer sidecar's state API, read only): its status
 *   and history are the order's, every event of the order was applied, one
 *   notification per status;
 * - sent notifications (the notifications binding's files under
 *   .stack/notifications, one file per send, notifier.ts): one notification
 *   per status of the history, each sent once. Sending is at-least-once: the
 *   customer records a finished send after it, so a crash between the two,
 *   or two deliveries of one event a crash left pending, send it again. A
 *   second send counts as such (resentAfterCrash) only when the status's event
 *   was written during a crash window the test declares (the customer, its
 *   sidecar or Redis down: up to the end of the redeliveries it causes); any
 *   other second send is a problem;
 * - dead letters (SQL): none for any event of these orders.
 * Orders are eventually consistent: `settle` re-runs the audit until it is
 * clean or the time is up, and returns the last one with the time it took.
 */
import fs from 'node:fs';
import path from 'node:path';
import { statusOfEvent } from '@baedal/platform/contracts/events';
import { appTokens, port, stackDir } from '../../tools/stack/env-instance.ts';
import { chargeCallsThatCounted, chargesCreated, gatewayTallies } from '../integration/gateway-ledger.ts';
import { illegalStep } from './saga.ts';
import { sleep, sql, sqlList, sqlTime } from './support.ts';

export interface Tracked {
  id: string;
  /** End states this order may legally be in once its saga was driven. */
  intended: readonly string[];
}

/** A time the customer could not record a finished send: its app or sidecar killed or stopped, Redis down. */
export interface CrashWindow {
  fromMs: number;
  toMs: number;
}

export interface AuditResult {
  orders: number;
  /** Notifications sent a second time because a crash window cut their first send off from its record. */
  resentAfterCrash: number;
  /** Problems by kind; each entry names the order and what is wrong. */
  problems: Record<string, string[]>;
  /** Final status → count. */
  byStatus: Record<string, number>;
  events: number;
  notificationFiles: number;
  deadLetters: number;
}

/** The customer sidecar's bulk state read (ports follow BAEDAL_PORT_OFFSET like the rest of the stack). */
const CUSTOMER_STATE_URL = `http://127.0.0.1:${port(3505)}/v1.0/state/statestore/bulk`;
const NOTIFICATIONS_DIR = path.join(stackDir, 'notifications');
/** Statuses after which a delivery exists. */
const COOKED_OR_LATER = new Set(['COOKED', 'PICKED_UP', 'DELIVERED', 'COMPLETED']);
/** The order status each delivery fact moves the order to. */
const STATUS_OF_DELIVERY_FACT: Record<string, string> = {
  DeliveryPickedUp: 'PICKED_UP',
  DeliveryCompleted: 'DELIVERED',
};

/** The services that keep an inbox of the events they handle, and which events of an order those are. */
export const inboxConsumers = [
  { name: 'store', db: 'baedal_store', handles: (type: string) => type in statusOfEvent },
  {
    name: 'payment',
    db: 'baedal_payment',
    handles: (type: string) => ['OrderPlaced', 'OrderCancelled', 'OrderRejected'].includes(type),
  },
  { name: 'delivery', db: 'baedal_delivery', handles: (type: string) => type === 'CookingFinished' },
  {
    name: 'order',
    db: 'baedal_order',
    handles: (type: string) => type === 'DeliveryPickedUp' || type === 'DeliveryCompleted',
  },
] as const;

/** When each of these events was handled by this consumer (absent: not handled). */
export async function handledAt(db: string, eventIds: readonly string[]): Promise<Map<string, number>> {
  const rows = await chunked(eventIds, 500, (part) =>
    sql(`select event_id, processed_at from ${db}.processed_event where event_id in ${sqlList(part)}`),
  );
  return new Map(rows.map((r) => [r[0]!, Date.parse(`${r[1]!.replace(' ', 'T')}Z`)]));
}

/**
 * One order's story for a failure report: its status, each event it wrote
 * (outboxes of the order and delivery services) with when it was published and
 * re-driven, and when each consumer's inbox took it; times in seconds since `t0`.
 */
export async function orderTimeline(orderId: string, t0: number): Promise<string[]> {
  // The mysql client prints NULL for a missing time.
  const at = (ms: string | number | undefined) =>
    Number.isFinite(Number(ms)) && ms !== '' && ms !== undefined ? `${((Number(ms) - t0) / 1000).toFixed(1)} s` : '-';
  const [order] = await sql(
    `select status, unix_timestamp(updated_at) * 1000 from baedal_order.orders where id = '${orderId}'`,
  );
  const lines = [`timeline of order ${orderId} (now ${order?.[0] ?? 'not saved'}, last change at ${at(order?.[1])}):`];
  const events = await sql(
    ['baedal_order', 'baedal_delivery']
      .map(
        (db) =>
          `select id, type, unix_timestamp(created_at) * 1000, unix_timestamp(published_at) * 1000,` +
          ` unix_timestamp(redrive_checked_at) * 1000 from ${db}.outbox where partition_key = '${orderId}'`,
      )
      .join(' union all ') + ' order by 3',
  );
  for (const [id, type, written, published, redriven] of events) {
    const takers: string[] = [];
    for (const consumer of inboxConsumers) {
      if (!consumer.handles(type!)) continue;
      const handled = (await handledAt(consumer.db, [id!])).get(id!);
      takers.push(`${consumer.name} ${handled === undefined ? 'never' : at(handled)}`);
    }
    lines.push(
      `  ${type} ${id}: written ${at(written)}, published ${at(published)}, re-drive checked ${at(redriven)};` +
        ` handled: ${takers.join(', ') || '-'}`,
    );
  }
  return lines;
}

interface View {
  status: string;
  history: { status: string }[];
  appliedEventIds: string[];
  notifications: { id: string; status: string }[];
}

async function chunked<T>(ids: readonly string[], size: number, f: (part: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += size) out.push(...(await f(ids.slice(i, i + size))));
  return out;
}

/** The customer's views of these orders, read through the customer's sidecar (bulk state GET). */
async function views(ids: readonly string[]): Promise<Map<string, View>> {
  const rows = await chunked(ids, 200, async (part) => {
    const res = await fetch(CUSTOMER_STATE_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'dapr-api-token': appTokens('customer').daprApiToken },
      body: JSON.stringify({ keys: part.map((id) => `order-view:${id}`), parallelism: 10 }),
    });
    if (res.status !== 200) throw new Error(`customer state bulk read: ${res.status}`);
    return (await res.json()) as { key: string; data?: View; error?: string }[];
  });
  const out = new Map<string, View>();
  for (const r of rows) if (r.data) out.set(r.key.slice('order-view:'.length), r.data);
  return out;
}

export interface SentNotification {
  /** The notification's id: the same in every send of one notification. */
  id: string;
  status: string;
  sentAt: string;
}

/** Sends of notifications (binding files, one per send) of these orders, written since `sinceMs`, by order. */
export function notificationFiles(ids: ReadonlySet<string>, sinceMs: number): Map<string, SentNotification[]> {
  const out = new Map<string, SentNotification[]>();
  for (const name of fs.readdirSync(NOTIFICATIONS_DIR)) {
    const file = path.join(NOTIFICATIONS_DIR, name);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      continue; // being rewritten
    }
    if (stat.mtimeMs < sinceMs - 5_000) continue;
    let n: { id?: string; orderId?: string; status?: string; sentAt?: string };
    try {
      n = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof n;
    } catch {
      continue; // half-written right now; the next audit reads it
    }
    if (!n.id || !n.orderId || !n.status || !ids.has(n.orderId)) continue;
    out.set(n.orderId, [...(out.get(n.orderId) ?? []), { id: n.id, status: n.status, sentAt: n.sentAt ?? '' }]);
  }
  return out;
}

const dupes = (xs: readonly string[]) => [...new Set(xs.filter((x, i) => xs.indexOf(x) !== i))];
const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().join() === [...b].sort().join();

/** An event written this long before a crash window opened may still have been on its way when it opened. */
const SEND_SLACK_MS = 5_000;
/**
 * After a crash window closes, the sidecar takes the app for healthy again only
 * after its next good health probes (every 2 s); the events it fetched until
 * then wait for the reclaim (processingTimeout, components/pubsub.yaml) and may
 * then meet a second delivery of themselves (the order's event log read when
 * the order ends), each sending before the other recorded its send.
 */
const RECOVERY_MS = 10_000;

/**
 * One pass of the audit. `sinceMs`: when the test began (dead letters and
 * notification files after it); `crashes`: when a second send is allowed.
 */
export async function audit(
  tracked: readonly Tracked[],
  sinceMs: number,
  crashes: readonly CrashWindow[] = [],
): Promise<AuditResult> {
  let resentAfterCrash = 0;
  const problems: Record<string, string[]> = {};
  const flag = (kind: string, what: string) => (problems[kind] ??= []).push(what);
  const ids = tracked.map((t) => t.id);
  const q = (query: (part: string) => string) => chunked(ids, 500, (part) => sql(query(sqlList(part))));

  const orders = new Map(
    (await q((l) => `select id, status, total_amount, history from baedal_order.orders where id in ${l}`)).map((r) => [
      r[0]!,
      { status: r[1]!, total: Number(r[2]), history: JSON.parse(r[3]!) as { status: string }[] },
    ]),
  );
  const payments = new Map<string, { status: string; amount: number }[]>();
  for (const r of await q(
    (l) => `select order_id, status, amount from baedal_payment.payment where order_id in ${l}`,
  )) {
    payments.set(r[0]!, [...(payments.get(r[0]!) ?? []), { status: r[1]!, amount: Number(r[2]) }]);
  }
  const atGateway = await gatewayTallies(ids);
  const outbox = new Map<string, { id: string; type: string; createdMs: number }[]>();
  for (const r of await q(
    (l) =>
      `select partition_key, id, type, unix_timestamp(created_at) * 1000 from baedal_order.outbox
        where topic = 'orders' and partition_key in ${l}`,
  )) {
    outbox.set(r[0]!, [...(outbox.get(r[0]!) ?? []), { id: r[1]!, type: r[2]!, createdMs: Number(r[3]) }]);
  }
  const inbox = new Map<string, string[]>();
  // A row still waiting for its OrderPlaced (placed = 0) counts as behind whatever its status.
  for (const r of await q(
    (l) => `select order_id, if(placed, status, 'NOT_PLACED') from baedal_store.inbox_order where order_id in ${l}`,
  )) {
    inbox.set(r[0]!, [...(inbox.get(r[0]!) ?? []), r[1]!]);
  }
  const deliveries = new Map<string, number>();
  for (const r of await q(
    (l) => `select order_id, count(*) from baedal_delivery.delivery where order_id in ${l} group by order_id`,
  )) {
    deliveries.set(r[0]!, Number(r[1]));
  }
  const deliveryFacts = await q(
    (l) =>
      `select partition_key, id, type from baedal_delivery.outbox where topic = 'deliveries' and partition_key in ${l}`,
  );
  const everyEvent = [
    ...[...outbox].flatMap(([orderId, events]) => events.map((e) => ({ orderId, ...e }))),
    ...deliveryFacts.map((r) => ({ orderId: r[0]!, id: r[1]!, type: r[2]! })),
  ];
  for (const consumer of inboxConsumers) {
    const theirs = everyEvent.filter((e) => consumer.handles(e.type));
    const handled = await handledAt(
      consumer.db,
      theirs.map((e) => e.id),
    );
    for (const e of theirs) {
      if (!handled.has(e.id))
        flag('consumer missed an event', `${consumer.name} ${e.type} ${e.id} (order ${e.orderId})`);
    }
  }
  const eventIds = new Set(everyEvent.map((e) => e.id));
  const dead = (
    await sql(`select event_id, type from baedal_order.dead_letter where received_at >= ${sqlTime(sinceMs - 5_000)}`)
  ).filter((r) => eventIds.has(r[0]!));
  for (const [eventId, type] of dead) flag('dead-lettered', `${type} ${eventId}`);

  const viewOf = await views(ids);
  const files = notificationFiles(new Set(ids), sinceMs);
  const byStatus: Record<string, number> = {};

  for (const t of tracked) {
    const o = orders.get(t.id);
    if (!o) {
      flag('lost', t.id);
      continue;
    }
    byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
    const statuses = o.history.map((h) => h.status);
    if (!t.intended.includes(o.status)) flag('not at an intended end', `${t.id} ${o.status} (intended ${t.intended})`);
    const illegal = illegalStep(statuses);
    if (illegal || statuses.at(-1) !== o.status) flag('illegal history', `${t.id} ${statuses.join('→')}`);

    const events = outbox.get(t.id) ?? [];
    const types = events.map((e) => e.type);
    if (dupes(types).length) flag('event published twice', `${t.id} ${dupes(types).join(',')}`);
    if (events.length !== statuses.length) flag('events ≠ history', `${t.id} ${types.join(',')} vs ${statuses}`);

    const pay = payments.get(t.id) ?? [];
    const charged = pay.reduce((sum, p) => sum + (p.status === 'APPROVED' ? p.amount : 0), 0);
    const owed = o.status === 'CANCELLED' || o.status === 'REJECTED' ? 0 : o.total;
    if (pay.length === 0) flag('no payment row', t.id);
    else if (charged !== owed || pay[0]!.amount !== o.total) {
      flag('charged ≠ owed', `${t.id} ${o.status}: charged ${charged}, owed ${owed}`);
    }
    // Counted where the money is: the gateway's log of charge calls, and its ledger.
    const g = atGateway.get(t.id)!;
    if (chargesCreated(g) !== 1 || chargeCallsThatCounted(g) !== 1) {
      flag('not one gateway charge', `${t.id} charge calls ${JSON.stringify(g.calls)}`);
    } else if (g.net !== owed) {
      flag('gateway net ≠ owed', `${t.id} ${o.status}: gateway holds ${g.net} (${g.status}), owed ${owed}`);
    } else if (owed > 0 && g.status !== 'CAPTURED') {
      flag('not captured at the gateway', `${t.id} ${o.status}: charge ${g.status}`);
    }

    const inboxRow = (inbox.get(t.id) ?? [])[0];
    if (inboxRow === undefined) flag('store inbox missing', t.id);
    else if (inboxRow !== o.status) flag('store inbox behind', `${t.id} inbox ${inboxRow} order ${o.status}`);

    const hasDelivery = (deliveries.get(t.id) ?? 0) > 0;
    const cooked = statuses.some((s) => COOKED_OR_LATER.has(s));
    if (hasDelivery !== cooked) flag('delivery ≠ cooked', `${t.id} delivery ${hasDelivery} (${o.status})`);
    const facts = deliveryFacts.filter((r) => r[0] === t.id).map((r) => r[2]!);
    // At most once each, and once when the order took that step. (A customer may confirm at
    // PICKED_UP while the rider reports the delivery: the order skips DELIVERED, the fact is still sent.)
    for (const [fact, status] of Object.entries(STATUS_OF_DELIVERY_FACT)) {
      const n = facts.filter((f) => f === fact).length;
      if (n > 1 || (n === 0 && statuses.includes(status))) {
        flag('delivery fact ≠ once per step', `${t.id} ${fact} ×${n}`);
      }
    }

    const v = viewOf.get(t.id);
    if (!v) flag('view missing', t.id);
    else {
      const vh = v.history.map((h) => h.status);
      if (dupes(vh).length) flag('view history duplicates', `${t.id} ${vh}`);
      if (v.status !== o.status || !sameSet(vh, statuses)) {
        flag('view ≠ order', `${t.id} view ${v.status} ${vh} vs ${o.status} ${statuses}`);
      }
      const missing = events.filter((e) => !v.appliedEventIds.includes(e.id));
      if (missing.length) flag('view missed events', `${t.id} ${missing.map((e) => e.type)}`);
      if (dupes(v.appliedEventIds).length) flag('view applied an event twice', t.id);
      const ns = v.notifications.map((n) => n.status);
      if (dupes(ns).length || !sameSet(ns, statuses)) flag('listed notifications ≠ 1 per status', `${t.id} ${ns}`);
    }

    const sends = files.get(t.id) ?? [];
    // Counted per send (a file each): one notification sent twice is two files of one id.
    // A second send is allowed only for the event of a status that was on its way during a crash window.
    for (const id of dupes(sends.map((n) => n.id))) {
      const status = sends.find((n) => n.id === id)?.status;
      const event = events.find((e) => statusOfEvent[e.type as keyof typeof statusOfEvent] === status);
      const cutOff =
        event !== undefined &&
        crashes.some((c) => event.createdMs >= c.fromMs - SEND_SLACK_MS && event.createdMs <= c.toMs + RECOVERY_MS);
      if (cutOff) resentAfterCrash++;
      else flag('notification sent twice', `${t.id} ${status} (${id})`);
    }
    const sentStatuses = [...new Map(sends.map((n) => [n.id, n.status])).values()];
    if (dupes(sentStatuses).length) flag('two notifications of one status', `${t.id} ${dupes(sentStatuses)}`);
    if (!sameSet([...new Set(sentStatuses)], statuses)) {
      flag('notification not sent', `${t.id} sent ${sentStatuses} vs ${statuses}`);
    }
  }

  return {
    orders: tracked.length,
    resentAfterCrash,
    problems,
    byStatus,
    events: eventIds.size,
    notificationFiles: [...files.values()].reduce((n, s) => n + s.length, 0),
    deadLetters: dead.length,
  };
}

/** Kinds of problem that waiting cannot fix (the rest may be events still on their way). */
const FINAL = [
  'lost',
  'illegal history',
  'event published twice',
  'not one gateway charge',
  'dead-lettered',
  'notification sent twice',
  'delivery fact ≠ once per step',
];

/** Audits until clean or `timeoutMs` passed; returns the last audit and how long it took. */
export async function settle(
  tracked: readonly Tracked[],
  sinceMs: number,
  timeoutMs: number,
  crashes: readonly CrashWindow[] = [],
) {
  const started = Date.now();
  for (;;) {
    const result = await audit(tracked, sinceMs, crashes);
    const kinds = Object.keys(result.problems);
    const elapsedMs = Date.now() - started;
    if (kinds.length === 0 || elapsedMs > timeoutMs || kinds.every((k) => FINAL.includes(k))) {
      return { result, elapsedMs };
    }
    await sleep(1000);
  }
}

/** A short text of the problems: count per kind and the first few examples. */
export function describeProblems(problems: Record<string, string[]>, examples = 3): string[] {
  return Object.entries(problems).map(
    ([kind, list]) => `${kind}: ${list.length} (e.g. ${list.slice(0, examples).join(' | ')})`,
  );
}

/**
 * Charges taken for idempotency keys that never became orders: each must end
 * voided (REFUNDED, and given back at the gateway) or never have been made.
 * Waits for the capture sweeper (and the pending resolver, reconciliation).
 */
export async function orphanCharges(customerKeys: readonly string[], timeoutMs: number) {
  const started = Date.now();
  for (;;) {
    const rows = await chunked(customerKeys, 500, (part) =>
      sql(`select r.order_id, coalesce(p.status, 'none'), (select count(*) from baedal_order.orders o where o.id = r.order_id)
             from baedal_order.order_request r left join baedal_payment.payment p on p.order_id = r.order_id
            where r.idempotency_key in ${sqlList(part)}`),
    );
    const orphans = rows.filter((r) => r[2] === '0');
    const atGateway = await gatewayTallies(orphans.map((r) => r[0]!));
    // Still charged in the payments table, or still holding money at the gateway.
    const charged = orphans.filter((r) => r[1] === 'APPROVED' || atGateway.get(r[0]!)!.net > 0);
    if (charged.length === 0 || Date.now() - started > timeoutMs) {
      return {
        reserved: rows.length,
        orphans: orphans.length,
        orphanCharges: orphans.filter((r) => chargesCreated(atGateway.get(r[0]!)!) > 0).length,
        stillCharged: charged.map((r) => r[0]!),
        elapsedMs: Date.now() - started,
      };
    }
    await sleep(1000);
  }
}
