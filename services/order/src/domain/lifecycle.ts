/**
 * The order lifecycle: the one state machine of the system. Every status
 * change of an order goes through `transition`, in the order service, under a
 * row lock; everyone else follows its events.
 */
import type { OrderEvent, OrderStatus } from '@baedal/platform/contracts/events';

export const allowedTransitions: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  PAID: ['ACCEPTED', 'REJECTED', 'CANCELLED'],
  ACCEPTED: ['COOKING', 'CANCELLED'],
  COOKING: ['COOKED'],
  COOKED: ['PICKED_UP'],
  // api.md: the customer may confirm once the food is picked up or delivered.
  PICKED_UP: ['DELIVERED', 'COMPLETED'],
  DELIVERED: ['COMPLETED'],
  COMPLETED: [],
  CANCELLED: [],
  REJECTED: [],
};

/** Position in the happy path; exits rank last so a view never leaves them. */
export const statusRank: Readonly<Record<OrderStatus, number>> = {
  PAID: 0,
  ACCEPTED: 1,
  COOKING: 2,
  COOKED: 3,
  PICKED_UP: 4,
  DELIVERED: 5,
  COMPLETED: 6,
  CANCELLED: 7,
  REJECTED: 7,
};

export interface HistoryEntry {
  status: OrderStatus;
  at: string;
}

export interface LifecycleState {
  status: OrderStatus;
  history: HistoryEntry[];
}

export class IllegalTransitionError extends Error {
  readonly from: OrderStatus;
  readonly to: OrderStatus;

  constructor(from: OrderStatus, to: OrderStatus) {
    super(`An order in ${from} cannot move to ${to}.`);
    this.from = from;
    this.to = to;
  }
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return allowedTransitions[from].includes(to);
}

/** The next state, or IllegalTransitionError. Pure: the caller persists it. */
export function transition(state: LifecycleState, to: OrderStatus, at: Date): LifecycleState {
  if (!canTransition(state.status, to)) throw new IllegalTransitionError(state.status, to);
  return { status: to, history: [...state.history, { status: to, at: at.toISOString() }] };
}

export function isTerminal(status: OrderStatus): boolean {
  return allowedTransitions[status].length === 0;
}

/** A payment is refunded exactly when an order ends in one of these. */
export function refundsPayment(status: OrderStatus): boolean {
  return status === 'CANCELLED' || status === 'REJECTED';
}

/** The integration event announcing that an order reached `status`. */
export const eventTypeOfStatus: Readonly<Record<OrderStatus, OrderEvent['type']>> = {
  PAID: 'OrderPlaced',
  ACCEPTED: 'OrderAccepted',
  REJECTED: 'OrderRejected',
  COOKING: 'CookingStarted',
  COOKED: 'CookingFinished',
  PICKED_UP: 'OrderPickedUp',
  DELIVERED: 'OrderDelivered',
  COMPLETED: 'OrderCompleted',
  CANCELLED: 'OrderCancelled',
};
