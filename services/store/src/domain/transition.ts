/**
 * Owner actions are decided by the order service (it owns the lifecycle); the
 * store asks it through the sidecar and turns its answer into ours.
 */
import { AppError, conflict, unavailable, type InvokeResult } from '@baedal/platform';
import type { OrderTransitionRequest } from '@baedal/platform/contracts/internal';
import { OrderTransitionResult } from '@baedal/platform/contracts/internal';
import type { OrderStatus } from '@baedal/platform/contracts/events';
import { isOrderStatus } from './status.ts';

export const ownerActions = {
  accept: 'ACCEPTED',
  reject: 'REJECTED',
  'start-cooking': 'COOKING',
  'finish-cooking': 'COOKED',
} as const satisfies Record<string, OrderTransitionRequest['to']>;
export type OwnerAction = keyof typeof ownerActions;

export const RETRY_AFTER_SECONDS = 5;

function detailOf(body: unknown, fallback: string): string {
  const detail = (body as { detail?: unknown } | null | undefined)?.detail;
  return typeof detail === 'string' && detail !== '' ? detail : fallback;
}

/**
 * The order service's answer: its new status on 200; its 404 and 409 problems
 * passed through with their detail; anything else means it is unavailable.
 */
export function transitionOutcome(result: Pick<InvokeResult, 'status' | 'body'>, requested: OrderStatus): OrderStatus {
  if (result.status >= 200 && result.status < 300) {
    const parsed = OrderTransitionResult.safeParse(result.body);
    return parsed.success && isOrderStatus(parsed.data.status) ? parsed.data.status : requested;
  }
  if (result.status === 404) {
    throw new AppError(404, 'not-found', 'Not found', detailOf(result.body, 'The order does not exist.'));
  }
  if (result.status === 409) {
    throw conflict(detailOf(result.body, 'The order is not in a state that allows this.'));
  }
  throw unavailable('The order service is unavailable; try again.', RETRY_AFTER_SECONDS);
}
