/**
 * The order service's record of one order's lifecycle events
 * (GET order:/internal/orders/{id}/events, through the sidecars), read when an
 * order ends so the view can take in any event it never got. Each event is
 * checked with the same schema the subscription uses.
 */
import type { DaprSidecar, Logger } from '@baedal/platform';
import { OrderEvent } from '@baedal/platform/contracts/events';
import { OrderEventLog } from '@baedal/platform/contracts/internal';

export interface OrderEventSource {
  /** Every event of the order, oldest first; throws when the order service cannot say. */
  events(orderId: string): Promise<OrderEvent[]>;
}

const TIMEOUT_MS = 3000;

export class DaprOrderEventLog implements OrderEventSource {
  private readonly dapr: DaprSidecar;
  private readonly logger: Logger;

  constructor(dapr: DaprSidecar, logger: Logger) {
    this.dapr = dapr;
    this.logger = logger;
  }

  async events(orderId: string): Promise<OrderEvent[]> {
    const res = await this.dapr.invoke('order', `internal/orders/${orderId}/events`, { timeoutMs: TIMEOUT_MS });
    if (res.status !== 200) throw new Error(`order event log of ${orderId}: ${res.status}`);
    const log = OrderEventLog.parse(res.body);
    const events: OrderEvent[] = [];
    for (const raw of log.events) {
      const parsed = OrderEvent.safeParse(raw);
      if (parsed.success) events.push(parsed.data);
      else
        this.logger.error(
          { orderId, issues: parsed.error.issues.slice(0, 3) },
          'order event log: event does not match its schema',
        );
    }
    return events;
  }
}
