import { describe, expect, it } from '@jest/globals';
import { AppError } from '@baedal/platform';
import { ownerActions, transitionOutcome } from './transition.ts';

const orderId = '3f0c2b1a-5d6e-4f70-8a9b-0c1d2e3f4a5b';

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

describe('ownerActions', () => {
  it('maps each owner route to the status it asks for', () => {
    expect(ownerActions).toEqual({
      accept: 'ACCEPTED',
      reject: 'REJECTED',
      'start-cooking': 'COOKING',
      'finish-cooking': 'COOKED',
    });
  });
});

describe('transitionOutcome', () => {
  it('when the order service answers 200, then its status is the new status', () => {
    const body = { orderId, status: 'ACCEPTED', updatedAt: '2026-11-26T10:00:00.000Z' };
    expect(transitionOutcome({ status: 200, body }, 'ACCEPTED')).toBe('ACCEPTED');
  });

  it('when a 200 has no usable status, then the requested status is assumed', () => {
    expect(transitionOutcome({ status: 200, body: 'ok' }, 'COOKING')).toBe('COOKING');
    expect(transitionOutcome({ status: 200, body: { orderId, status: 'weird', updatedAt: 'x' } }, 'COOKED')).toBe(
      'COOKED',
    );
  });

  it('when the order service answers 404, then 404 with its detail', () => {
    const e = errorOf(() =>
      transitionOutcome({ status: 404, body: { status: 404, detail: 'No such order.' } }, 'ACCEPTED'),
    );
    expect(e.status).toBe(404);
    expect(e.message).toBe('No such order.');
  });

  it('when the order service answers 409, then 409 with its detail', () => {
    const detail = 'The order was cancelled.';
    const e = errorOf(() => transitionOutcome({ status: 409, body: { status: 409, detail } }, 'COOKING'));
    expect(e.status).toBe(409);
    expect(e.message).toBe(detail);
  });

  it('when a 409 has no problem body, then a generic detail is used', () => {
    const e = errorOf(() => transitionOutcome({ status: 409, body: '' }, 'COOKING'));
    expect(e.status).toBe(409);
    expect(e.message.length).toBeGreaterThan(0);
  });

  it('when the sidecar or the order service fails, then 503 with Retry-After', () => {
    for (const status of [500, 502, 503, 504, 400]) {
      const e = errorOf(() => transitionOutcome({ status, body: { errorCode: 'ERR_DIRECT_INVOKE' } }, 'ACCEPTED'));
      expect(e.status).toBe(503);
      expect(e.headers['Retry-After']).toBe('5');
    }
  });
});
