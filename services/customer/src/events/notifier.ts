/**
 * Sends a notification through the `notifications` output binding (locally
 * bindings.localstorage: one file per send). Sending is at-least-once, the
 * listing (the state store) exactly-once. Each send writes its own file,
 * `<notification id>.<send id>.json`, so a second send of one notification
 * stays visible beside the first (a file named after the notification alone
 * would be overwritten, and a duplicate message would leave no trace): the
 * fault tests count the sends per notification id.
 */
import { randomUUID } from 'node:crypto';
import type { DaprSidecar } from '@baedal/platform';
import type { Notification } from '../domain/notification.ts';

export interface Notifier {
  send(customerId: string, notification: Notification): Promise<void>;
}

export class BindingNotifier implements Notifier {
  private readonly dapr: DaprSidecar;
  private readonly binding: string;

  constructor(dapr: DaprSidecar, binding: string) {
    this.dapr = dapr;
    this.binding = binding;
  }

  async send(customerId: string, notification: Notification): Promise<void> {
    await this.dapr.invokeBinding(
      this.binding,
      'create',
      { ...notification, customerId },
      { fileName: `${notification.id}.${randomUUID()}.json` },
    );
  }
}
