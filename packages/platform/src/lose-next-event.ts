/**
 * Fault injection for the fault tests (only when FAULT_INJECTION is on): the
 * next event of the armed type is acknowledged without being handled, which is
 * what a delivery lost between broker and handler looks like to the service.
 * test/faults/lost-event.test.ts uses it to show that the customer view takes
 * a lost event from the order service's event log, and that a lost
 * OrderCancelled reaches the payment service when the order re-drives it.
 */
import type { OrderEvent } from './contracts/events.ts';
import type { Logger } from './logger.ts';

export class LoseNextEvent {
  private armed: OrderEvent['type'] | null = null;

  arm(type: OrderEvent['type'] | null): void {
    this.armed = type;
  }

  /** True (once) for the armed type: the caller then answers success without handling the event. */
  takes(event: OrderEvent, logger: Logger): boolean {
    if (this.armed !== event.type) return false;
    this.armed = null;
    logger.warn(
      { eventId: event.id, orderId: event.orderId, type: event.type },
      'fault injection: event acknowledged without handling',
    );
    return true;
  }
}
