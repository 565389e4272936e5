/**
 * One event, one retry chain: the sidecar's inbound retries of a failing
 * handler (components/resiliency.yaml, policy eventRetry with the timeout
 * pubsubDelivery per attempt) must be over before the Redis component claims
 * the unacknowledged message again (processingTimeout in components/pubsub.yaml).
 * Otherwise a second delivery starts its own chain beside the first one and a
 * poison event reaches the dead letters twice. The window is figured the way
 * daprd 1.18 runs the policy (dapr/kit retry over cenkalti/backoff): its
 * Resiliency type keeps only policy, duration, maxInterval, maxRetries and
 * matching (other keys are dropped without a word), so an exponential policy
 * starts at 500 ms (`duration` is only for constant policies), multiplies by
 * 1.5 up to `maxInterval`, and spreads each wait by ±50 %.
 * Kafka has no counterpart: a partition waits for its retries and nothing
 * reclaims the message meanwhile (components/pubsub-kafka.yaml).
 */
import { describe, expect, it } from '@jest/globals';
import { componentSetting, durationMs, readComponent } from '../../../test/kit/components.ts';
import { UNREACHABLE_HOLD_MS } from './subscriptions.ts';

interface RetryPolicy {
  policy: string;
  duration?: string;
  maxInterval?: string;
  maxRetries: number;
}

/** The retry keys daprd 1.18 reads (pkg/apis/resiliency/v1alpha1 Retry). */
const readByDaprd = ['policy', 'duration', 'maxInterval', 'maxRetries', 'matching'];

/** The longest time from the first delivery to the last attempt's end: every attempt hanging until its timeout, every wait at its longest. */
function worstRetryWindowMs(retry: RetryPolicy, attemptTimeoutMs: number): number {
  const attempts = retry.maxRetries + 1;
  let waits = 0;
  if (retry.policy === 'constant') {
    waits = retry.maxRetries * durationMs(retry.duration ?? '5s');
  } else {
    const max = durationMs(retry.maxInterval ?? '60s');
    let interval = 500;
    for (let i = 0; i < retry.maxRetries; i++) {
      waits += Math.min(interval, max) * 1.5;
      interval *= 1.5;
    }
  }
  return attempts * attemptTimeoutMs + waits;
}

interface Resiliency {
  spec: {
    policies: { timeouts: Record<string, string>; retries: Record<string, RetryPolicy> };
    targets: { components: { pubsub: { inbound: { timeout: string; retry: string } } } };
  };
}

function inboundWindowMs(): number {
  const r = (readComponent('resiliency.yaml') as Resiliency).spec;
  const inbound = r.targets.components.pubsub.inbound;
  const retry = r.policies.retries[inbound.retry];
  const timeout = r.policies.timeouts[inbound.timeout];
  if (!retry || !timeout)
    throw new Error('resiliency.yaml: the inbound pub/sub policy names a missing retry or timeout');
  // A key daprd drops would make this figure wrong (and the policy not what it says).
  expect(Object.keys(retry).filter((k) => !readByDaprd.includes(k))).toEqual([]);
  return worstRetryWindowMs(retry, durationMs(timeout));
}

describe('inbound retry window and redelivery', () => {
  it("when a handler keeps failing, then the sidecar's retries end before Redis claims the message again", () => {
    const processingTimeout = componentSetting('pubsub.yaml', 'processingTimeout');
    expect(processingTimeout).toBeDefined();
    const window = inboundWindowMs();
    expect({ windowMs: window, below: window < durationMs(processingTimeout as string) }).toEqual({
      windowMs: window,
      below: true,
    });
  });

  it('when a dependency is unreachable, then a failed attempt is held for less than the attempt timeout (the window above assumes the whole timeout)', () => {
    const r = (readComponent('resiliency.yaml') as Resiliency).spec;
    const timeout = r.policies.timeouts[r.targets.components.pubsub.inbound.timeout] as string;
    expect(UNREACHABLE_HOLD_MS).toBeLessThan(durationMs(timeout));
  });

  it('the Kafka component has no reclaim timer that could start a second chain', () => {
    expect(componentSetting('pubsub-kafka.yaml', 'processingTimeout')).toBeUndefined();
  });

  it('figures the window as daprd does', () => {
    expect(durationMs('1m30s')).toBe(90_000);
    // Exponential starts at 500 ms whatever `duration` says.
    const window = worstRetryWindowMs(
      { policy: 'exponential', duration: '200ms', maxInterval: '4s', maxRetries: 2 },
      1000,
    );
    expect(window).toBeCloseTo(3 * 1000 + 1.5 * (500 + 750));
  });
});
