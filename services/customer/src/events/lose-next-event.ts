/**
 * Fault injection for the fault tests (only when FAULT_INJECTION is on): the
 * next event of the armed type is acknowledged without being handled, which is
 * what a delivery lost between broker and handler looks like to this service.
 * test/faults/lost-event.test.ts uses it to show that an ended order's view
 * takes the lost event from the order service's event log.
 */
import type { Logger } from '@baedal/platform';
import type { OrderEvent } from '@baedal/platform/contracts/events';

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
