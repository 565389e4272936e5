/**
 * The order lifecycle: the one state machine of the system. Every status
 * change of an order goes through `transition`, in the order service, under a
 * row lock; everyone else follows its events.
 */
import type { OrderStatus } from '@baedal/platform/contracts/events';
import { allowedTransitions, exitStatuses, isFinal } from '@baedal/platform/contracts/lifecycle';

export { allowedTransitions, eventTypeOfStatus, statusRank } from '@baedal/platform/contracts/lifecycle';

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
  return isFinal(status);
}

/** A payment is refunded exactly when an order ends in one of these. */
export function refundsPayment(status: OrderStatus): boolean {
  return exitStatuses.includes(status);
}
