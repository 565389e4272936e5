/**
 * The broker behind the `pubsub` component of a stack instance: Redis Streams
 * (the default) or Kafka. The choice is made at `up --broker <name>` and
 * remembered in the state folder, so a plain `up` (or a restart of one sidecar)
 * keeps it; switching takes `down` first (processes.ts enforces that).
 */

import fs from 'node:fs';

import type { StackPaths } from './paths.ts';
import { StackError } from './proc.ts';

export const brokers = ['redis', 'kafka'] as const;
export type Broker = (typeof brokers)[number];

export function isBroker(name: string): name is Broker {
  return (brokers as readonly string[]).includes(name);
}

export function parseBroker(name: string): Broker {
  if (!isBroker(name)) throw new StackError(`unknown broker '${name}' (known: ${brokers.join(', ')})`);
  return name;
}

/** The pub/sub component file in components/ for each broker (both name the component `pubsub`). */
export const pubsubFiles: Readonly<Record<Broker, string>> = {
  redis: 'pubsub.yaml',
  kafka: 'pubsub-kafka.yaml',
};

export type BrokerRecord = ReturnType<typeof brokerRecord>;

/** The broker of one instance, as remembered in its state folder. */
export function brokerRecord(paths: StackPaths) {
  const { brokerFile, ensureStateDirs } = paths;

  /** The broker remembered in the state folder, or null before the first `up`. */
  function recordedBroker(): Broker | null {
    let text: string;
    try {
      text = fs.readFileSync(brokerFile, 'utf8').trim();
    } catch {
      return null;
    }
    if (!isBroker(text)) throw new StackError(`${brokerFile} names an unknown broker '${text}'`);
    return text;
  }

  /** The broker of this stack instance: the remembered one, Redis before the first `up`. */
  function stackBroker(): Broker {
    return recordedBroker() ?? 'redis';
  }

  function recordBroker(broker: Broker): void {
    if (recordedBroker() === broker) return;
    ensureStateDirs();
    const tmp = `${brokerFile}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, `${broker}\n`);
    fs.renameSync(tmp, brokerFile);
  }

  return { recordedBroker, stackBroker, recordBroker };
}
