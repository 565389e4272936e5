/**
 * Sends a notification through the `notifications` output binding (locally
 * bindings.localstorage: one file per notification). The file is named after
 * the notification id, so a resend overwrites the same file: sending is
 * at-least-once, the listing (the state store) exactly-once.
 */
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
      { fileName: `${notification.id}.json` },
    );
  }
}
