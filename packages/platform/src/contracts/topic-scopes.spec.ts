/**
 * The pub/sub scopes, three ways: the owners and consumers of the contracts
 * (events.ts topicRoutes), the values the pub/sub components carry, and what
 * the services' code publishes and subscribes to. Any of the three drifting
 * from the others fails here.
 */
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { sidecarApps, topics } from './events.ts';
import { consumedBy, publishedBy, pubsubScopeMetadata } from './topic-scopes.ts';
import { DEAD_LETTER_TOPIC } from '../subscriptions.ts';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

describe('pub/sub scopes', () => {
  it.each(['pubsub.yaml', 'pubsub-kafka.yaml'])(
    'when components/%s is loaded, then its allowedTopics, publishingScopes and subscriptionScopes are the contracts’',
    (file) => {
      const doc = parse(readFileSync(path.join(repoRoot, 'components', file), 'utf8')) as {
        spec: { metadata: { name: string; value: string }[] };
      };
      const meta = Object.fromEntries(doc.spec.metadata.map((m) => [m.name, m.value]));
      expect({
        allowedTopics: meta.allowedTopics,
        publishingScopes: meta.publishingScopes,
        subscriptionScopes: meta.subscriptionScopes,
      }).toEqual(pubsubScopeMetadata());
    },
  );

  it('when an app consumes anything, then it may publish its dead letters, and only the owner publishes a topic', () => {
    for (const app of sidecarApps) {
      const owned = publishedBy(app).filter((t) => t !== DEAD_LETTER_TOPIC);
      expect({ app, deadLetters: publishedBy(app).includes(DEAD_LETTER_TOPIC) }).toEqual({
        app,
        deadLetters: consumedBy(app).length > 0,
      });
      for (const other of sidecarApps.filter((a) => a !== app)) {
        for (const topic of owned) expect(publishedBy(other)).not.toContain(topic);
      }
    }
  });

  /** Every .ts file under services/<app>/src but the specs, as one text. */
  function sourceOf(app: string): string {
    const dir = path.join(repoRoot, 'services', app, 'src');
    return readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))
      .map((f) => readFileSync(path.join(dir, f), 'utf8'))
      .join('\n');
  }

  it.each(sidecarApps)(
    'when the %s service’s code is read, then it subscribes to what it consumes and publishes what it owns',
    (app) => {
      const code = sourceOf(app);
      const names = Object.keys(topics) as (keyof typeof topics)[];
      const subscribed = names.filter((t) => new RegExp(`subscription\\(\\s*topics\\.${t}\\b`).test(code));
      if (/deadLetterRoutes\(/.test(code)) subscribed.push(DEAD_LETTER_TOPIC as keyof typeof topics);
      // Any other use of a topic constant is an outbox entry or a publish.
      const published = names.filter((t) =>
        (code.match(new RegExp(`(?<!subscription\\(\\s*)topics\\.${t}\\b`, 'g')) ?? []).some(Boolean),
      );
      expect({ app, subscribed: subscribed.sort() }).toEqual({ app, subscribed: consumedBy(app).sort() });
      expect({ app, published: published.sort() }).toEqual({
        app,
        published: publishedBy(app)
          .filter((t) => t !== DEAD_LETTER_TOPIC)
          .sort(),
      });
    },
  );
});
