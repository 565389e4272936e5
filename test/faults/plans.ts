/**
 * Random walks of one order for the fault tests: what the customer, the owner
 * and the rider do after placing it, and the end states the walk may reach.
 * A seeded generator picks walks and faults, so a run prints the seed that
 * chose them (timing still differs from run to run: faults hit real processes).
 */
import type { Cast, SagaDriver } from './saga.ts';

export interface Plan {
  name: string;
  intended: readonly string[];
  run: (d: SagaDriver, c: Cast, orderId: string) => Promise<void>;
}

const complete: Plan = { name: 'complete', intended: ['COMPLETED'], run: (d, c, id) => d.complete(c, id) };

export const plans: Readonly<Record<string, Plan>> = {
  complete,
  /** Confirmed at PICKED_UP while the rider reports the delivery at the same moment. */
  completeEarly: { name: 'completeEarly', intended: ['COMPLETED'], run: (d, c, id) => d.completeEarly(c, id) },
  cancelPaid: { name: 'cancelPaid', intended: ['CANCELLED'], run: (d, c, id) => d.cancel(c, id) },
  cancelAccepted: {
    name: 'cancelAccepted',
    intended: ['CANCELLED'],
    run: async (d, c, id) => {
      await d.owner(c, id, 'accept', 'ACCEPTED');
      await d.cancel(c, id);
    },
  },
  reject: { name: 'reject', intended: ['REJECTED'], run: (d, c, id) => d.owner(c, id, 'reject', 'REJECTED') },
  /** Accepted, then cancel and start-cooking at once; whoever won, the walk goes on to its end. */
  race: {
    name: 'race',
    intended: ['CANCELLED', 'COMPLETED'],
    run: async (d, c, id) => {
      await d.owner(c, id, 'accept', 'ACCEPTED');
      if ((await d.raceCancelCook(c, id)) === 'COOKING') {
        await d.owner(c, id, 'finish-cooking', 'COOKED');
        await d.ride(c, id);
        await d.confirm(c, id);
      }
    },
  },
};

/** mulberry32: a small seeded generator of numbers in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks a key of `weights` with probability proportional to its weight. */
export function weighted<K extends string>(random: () => number, weights: Readonly<Record<K, number>>): K {
  const entries = Object.entries(weights) as [K, number][];
  let x = random() * entries.reduce((s, [, w]) => s + w, 0);
  for (const [k, w] of entries) {
    x -= w;
    if (x < 0) return k;
  }
  return entries.at(-1)![0];
}

export const between = (random: () => number, lo: number, hi: number) => lo + random() * (hi - lo);
