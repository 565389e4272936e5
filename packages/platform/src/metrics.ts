/** Prometheus metrics: default process metrics plus one request histogram per service. */
import type { Middleware } from 'koa';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly eventsHandled: Counter<'topic' | 'type' | 'outcome'>;
  readonly eventsPublished: Counter<'topic'>;
  readonly eventsRedriven: Counter<'topic' | 'type'>;
  readonly eventsParked: Counter<'topic'>;
  readonly rowsPruned: Counter<'table'>;

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'http_server_duration_seconds',
      help: 'HTTP request duration by route',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.eventsHandled = new Counter({
      name: 'events_handled_total',
      help: 'Events received from pub/sub, by outcome (processed, duplicate, retry, drop)',
      labelNames: ['topic', 'type', 'outcome'],
      registers: [this.registry],
    });
    this.eventsPublished = new Counter({
      name: 'events_published_total',
      help: 'Events published by the outbox relay',
      labelNames: ['topic'],
      registers: [this.registry],
    });
    this.eventsRedriven = new Counter({
      name: 'events_redriven_total',
      help: 'Latest events of a quiet key published once more (outbox-redrive.ts)',
      labelNames: ['topic', 'type'],
      registers: [this.registry],
    });
    this.eventsParked = new Counter({
      name: 'outbox_parked_total',
      help: 'Outbox events given up after too many failed publishes (outbox-claims.ts); listed by the admin route',
      labelNames: ['topic'],
      registers: [this.registry],
    });
    this.rowsPruned = new Counter({
      name: 'retention_pruned_rows_total',
      help: 'Rows deleted by the retention job once older than the configured age (retention.ts)',
      labelNames: ['table'],
      registers: [this.registry],
    });
  }

  /** A service's own counter, in this registry (with the service label). */
  counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    return new Counter({ name, help, labelNames: [...labelNames], registers: [this.registry] });
  }

  middleware(): Middleware {
    return async (ctx, next) => {
      const end = this.httpDuration.startTimer();
      try {
        await next();
      } finally {
        // The matched route pattern keeps label cardinality bounded.
        const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
        end({ method: ctx.method, route, status: String(ctx.status) });
      }
    };
  }
}
