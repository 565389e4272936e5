import { describe, expect, it } from '@jest/globals';
import { orderStatuses, type OrderStatus } from '@baedal/platform/contracts/events';
import fc from 'fast-check';
import {
  allowedTransitions,
  canTransition,
  IllegalTransitionError,
  isTerminal,
  refundsPayment,
  statusRank,
  transition,
  type LifecycleState,
} from './lifecycle.ts';

const placed = (): LifecycleState => ({ status: 'PAID', history: [{ status: 'PAID', at: new Date(0).toISOString() }] });

/** Tries every command in turn, as a real API would, keeping only the legal ones. */
function run(commands: OrderStatus[]) {
  let state = placed();
  const approved = 1000;
  let refunded = 0;
  const refused: OrderStatus[] = [];
  for (const to of commands) {
    try {
      const next = transition(state, to, new Date(state.history.length * 1000));
      if (refundsPayment(next.status)) refunded += approved; // compensation, once: terminal states end it
      state = next;
    } catch (e) {
      expect(e).toBeInstanceOf(IllegalTransitionError);
      refused.push(to);
    }
  }
  return { state, approved, refunded, refused };
}

describe('order lifecycle', () => {
  it('when the happy path is followed, then every step is allowed and recorded', () => {
    const path: OrderStatus[] = ['ACCEPTED', 'COOKING', 'COOKED', 'PICKED_UP', 'DELIVERED', 'COMPLETED'];
    const { state, refused } = run(path);
    expect(refused).toEqual([]);
    expect(state.status).toBe('COMPLETED');
    expect(state.history.map((h) => h.status)).toEqual(['PAID', ...path]);
  });

  it('when cooking has started, then a cancel is refused', () => {
    const { state, refused } = run(['ACCEPTED', 'COOKING', 'CANCELLED']);
    expect(state.status).toBe('COOKING');
    expect(refused).toEqual(['CANCELLED']);
  });

  it('when an order is paid or accepted, then it can be cancelled', () => {
    expect(canTransition('PAID', 'CANCELLED')).toBe(true);
    expect(canTransition('ACCEPTED', 'CANCELLED')).toBe(true);
    expect(canTransition('PAID', 'REJECTED')).toBe(true);
    expect(canTransition('ACCEPTED', 'REJECTED')).toBe(false);
  });

  it('when the food is picked up or delivered, then the customer may confirm', () => {
    expect(canTransition('PICKED_UP', 'COMPLETED')).toBe(true);
    expect(canTransition('DELIVERED', 'COMPLETED')).toBe(true);
    expect(canTransition('COOKED', 'COMPLETED')).toBe(false);
  });

  it('terminal states have no way out', () => {
    for (const s of ['COMPLETED', 'CANCELLED', 'REJECTED'] as const) expect(isTerminal(s)).toBe(true);
  });

  const command = fc.constantFrom(...orderStatuses);

  it('property: no sequence of commands ever makes an illegal transition or moves backwards', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 30 }), (commands) => {
        const { state } = run(commands);
        for (let i = 1; i < state.history.length; i++) {
          const from = state.history[i - 1]!.status;
          const to = state.history[i]!.status;
          expect(allowedTransitions[from]).toContain(to);
          expect(statusRank[to]).toBeGreaterThan(statusRank[from]);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('property: approved − refunded is 0 for cancelled/rejected orders and the total otherwise', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 30 }), (commands) => {
        const { state, approved, refunded } = run(commands);
        const charged = approved - refunded;
        expect(charged).toBe(refundsPayment(state.status) ? 0 : approved);
      }),
      { numRuns: 2000 },
    );
  });
});
