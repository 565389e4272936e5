/**
 * The pub/sub scopes that follow from the topics' owners and consumers
 * (events.ts topicRoutes), in the form Dapr's pub/sub metadata takes them:
 *
 * - `allowedTopics`: the only topics any app may use;
 * - `publishingScopes`: each app publishes only the topics it owns, and the
 *   dead-letter topic when it consumes anything (its sidecar publishes an event
 *   its app dropped there, and publishing scopes apply to that too);
 * - `subscriptionScopes`: each app subscribes only to what it consumes; the
 *   collector also to the dead letters.
 *
 * Every app is listed, with an empty list where it may do nothing: an app Dapr
 * finds no entry for may use every allowed topic.
 *
 * components/pubsub.yaml and components/pubsub-kafka.yaml carry these values
 * (YAML cannot import them); topic-scopes.spec.ts fails when they differ.
 */
import { DEAD_LETTER_TOPIC } from '../subscriptions.ts';
import { deadLetterCollector, sidecarApps, topicRoutes, type SidecarApp } from './events.ts';

type Topic = keyof typeof topicRoutes;
const routed = Object.entries(topicRoutes) as [Topic, (typeof topicRoutes)[Topic]][];

export function publishedBy(app: SidecarApp): string[] {
  const owned = routed.filter(([, r]) => r.owner === app).map(([t]) => t as string);
  return consumedBy(app).length > 0 ? [...owned, DEAD_LETTER_TOPIC] : owned;
}

export function consumedBy(app: SidecarApp): string[] {
  const topics = routed.filter(([, r]) => r.consumers.includes(app)).map(([t]) => t as string);
  return app === deadLetterCollector ? [...topics, DEAD_LETTER_TOPIC] : topics;
}

const scopes = (of: (app: SidecarApp) => string[]) => sidecarApps.map((app) => `${app}=${of(app).join(',')}`).join(';');

/** The three metadata values of the pub/sub components. */
export function pubsubScopeMetadata(): { allowedTopics: string; publishingScopes: string; subscriptionScopes: string } {
  return {
    allowedTopics: [...routed.map(([t]) => t as string), DEAD_LETTER_TOPIC].join(','),
    publishingScopes: scopes(publishedBy),
    subscriptionScopes: scopes(consumedBy),
  };
}
