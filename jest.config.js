// The main projects: unit tests (fast, beside the code, fakes allowed),
// integration tests (against the real local stack: daprd, MariaDB, Redis) and
// fault tests (the same stack while its processes are stopped, killed or slowed);
// the others below each need a stack of a kind (Kafka, observed) or a browser.
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2024' }, module: { type: 'es6' } }];
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  testEnvironment: 'node',
  // The local Kubernetes cluster's state (npm run cluster) holds the images'
  // file systems, each with the workspaces' package.json: not modules of ours.
  modulePathIgnorePatterns: ['<rootDir>/\\.cluster/'],
};

export default {
  // Integration tests drive whole sagas against the real stack; per-project
  // testTimeout is not honoured by jest, so it is set here for both.
  testTimeout: 120_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      // deploy/: the Prometheus rules, checked by promtool; test/kit: the helpers the bench, the
      // load tests and the stack tests share; loadtests/: the local runner's k6 shapes;
      // tools/ and bench/: the stack tools' and the bench's own logic.
      testMatch: [
        '<rootDir>/{packages,services}/*/src/**/*.spec.ts',
        '<rootDir>/deploy/**/*.spec.ts',
        '<rootDir>/test/kit/**/*.spec.ts',
        '<rootDir>/loadtests/**/*.spec.ts',
        '<rootDir>/tools/**/*.spec.ts',
        '<rootDir>/bench/**/*.spec.ts',
      ],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
    },
    // The integration tests that talk to the entry point only, run unchanged through
    // a Kubernetes cluster's Ingress (tools/cluster/test.sh sets BAEDAL_URL, and
    // BAEDAL_SQL_COMMAND for the gateway ledger in the cluster's MariaDB). Left out,
    // because they reach past the entry point into the local stack itself:
    // charge-once, inbox-arrival-order, trust (apps' and sidecars' own loopback
    // ports), walking-skeleton (their ports and /metrics), listeners (.stack/pids
    // and the stack's sockets), outbox-relays (relays of its own on the local
    // MariaDB), db-tls (a MariaDB of its own, no stack), sse-limits (the customer
    // app's /metrics, tokens signed with the local JWT secret).
    {
      ...common,
      displayName: 'cluster',
      testMatch: ['contract', 'login-limit', 'order-flow', 'races', 'sse'].map(
        (f) => `<rootDir>/test/integration/${f}.test.ts`,
      ),
    },
    // The web app in Chromium against the real local stack (npm run test:browser).
    { ...common, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.test.ts'] },
    // Hostile requests against the real local stack (npm run test:fuzz).
    { ...common, displayName: 'fuzz', testMatch: ['<rootDir>/test/fuzz/**/*.test.ts'] },
    // Fault tests (npm run test:faults): stop, kill and slow real processes of the local stack.
    {
      ...common,
      displayName: 'faults',
      testMatch: ['<rootDir>/test/faults/**/*.test.ts'],
    },
    // The 1,000-saga chaos run of the fault suite on its own (npm run test:chaos).
    { ...common, displayName: 'chaos', testMatch: ['<rootDir>/test/faults/chaos.test.ts'] },
    // One order, one trace: the saga in Zipkin (its API and its UI), on a stack brought up with --observe (npm run test:observe).
    { ...common, displayName: 'observe', testMatch: ['<rootDir>/test/observe/**/*.test.ts'] },
    // Kafka broker restarts mid-flow, on a stack brought up with --broker kafka (npm run test:kafka).
    { ...common, displayName: 'kafka', testMatch: ['<rootDir>/test/kafka/**/*.test.ts'] },
  ],
};
