/**
 * The app mounted on port 0 with a stub EntityManager: auth, validation and
 * the pick/deliver decisions (which answer follows from how many rows the
 * conditional UPDATE changed). The real database is exercised by the smoke and
 * integration tests.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createLogger, DaprSidecar, issueToken, Metrics, type Role } from '@baedal/platform';
import type { MikroORM } from '@mikro-orm/mysql';
import { buildApp } from './app.ts';
import type { Config } from './config.ts';
import type { Delivery } from './entities/delivery.ts';

const auth = {
  secret: 'unit-test-jwt-secret-of-at-least-32-chars',
  jwksUrl: undefined,
  issuer: 'baedal-test',
  audience: 'baedal',
};
const config: Config = {
  service: 'delivery',
  port: 0,
  logLevel: 'silent',
  dapr: {
    host: '127.0.0.1',
    httpPort: 1,
    apiToken: undefined,
    appApiToken: 'unit-test-app-api-token',
    pubsub: 'pubsub',
  },
  db: {
    host: '127.0.0.1',
    port: 1,
    dbName: 'x',
    user: 'x',
    password: 'x',
    poolMax: 1,
    outboxRedriveAfterSeconds: 0,
    outboxMaxAttempts: 20,
    retentionDays: 0,
  },
  auth,
  demoData: false,
  faultInjection: false,
};

function delivery(over: Partial<Delivery> = {}): Delivery {
  const now = new Date('2026-11-26T00:00:00.000Z');
  return {
    id: randomUUID(),
    orderId: randomUUID(),
    storeId: randomUUID(),
    customerId: randomUUID(),
    pickupLat: 37.4979,
    pickupLng: 127.0276,
    dropoffLat: 37.5663,
    dropoffLng: 126.9779,
    status: 'READY',
    riderId: null,
    createdAt: now,
    updatedAt: now,
    pickedUpAt: null,
    deliveredAt: null,
    ...over,
  } as Delivery;
}

/** What the stub database holds and records for one test. */
const db = {
  rows: [] as Delivery[],
  updated: 0,
  lastWhere: undefined as unknown,
  created: [] as { type: string }[],
};

interface StubEm {
  name: string;
  fork: () => StubEm;
  transactional: <T>(fn: (e: StubEm) => Promise<T>) => Promise<T>;
}

const em = {
  name: 'default',
  fork: (): StubEm => em,
  transactional: async <T>(fn: (e: StubEm) => Promise<T>): Promise<T> => fn(em),
  find: async (_entity: unknown, where: unknown) => {
    db.lastWhere = where;
    return db.rows;
  },
  nativeUpdate: async () => db.updated,
  count: async () => db.rows.length,
  findOne: async () => db.rows[0] ?? null,
  findOneOrFail: async () => {
    if (!db.rows[0]) throw new Error('not found');
    return db.rows[0];
  },
  create: (_entity: unknown, data: { type: string }) => {
    db.created.push(data);
    return data;
  },
};

let server: Server;
let base: string;

beforeAll(async () => {
  const app = buildApp({
    config,
    orm: { em } as unknown as MikroORM,
    dapr: new DaprSidecar(config.dapr),
    logger: createLogger('delivery', 'silent'),
    metrics: new Metrics('delivery'),
  });
  server = app.listen(0);
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

beforeEach(() => {
  db.rows = [];
  db.updated = 0;
  db.lastWhere = undefined;
  db.created = [];
});

const token = (role: Role, id: string = randomUUID()) => issueToken(auth, { id, username: role, role });

async function call(method: string, path: string, role?: Role, id?: string, extra: Record<string, string> = {}) {
  const headers: Record<string, string> = role ? { authorization: `Bearer ${await token(role, id)}` } : {};
  Object.assign(headers, extra);
  const res = await fetch(base + path, { method, headers });
  return { status: res.status, body: (await res.json()) as unknown };
}

describe('auth', () => {
  it('when no token is sent, then every route answers 401', async () => {
    for (const [m, p] of [
      ['GET', '/api/deliveries?lat=1&lng=1'],
      ['GET', '/api/deliveries/mine'],
      ['POST', `/api/deliveries/${randomUUID()}/pick`],
      ['POST', `/api/deliveries/${randomUUID()}/deliver`],
    ] as const) {
      expect((await call(m, p)).status).toBe(401);
    }
  });

  it('when the caller is not a rider, then every route answers 403', async () => {
    for (const role of ['customer', 'owner', 'admin'] as const) {
      expect((await call('GET', '/api/deliveries?lat=1&lng=1', role)).status).toBe(403);
      expect((await call('GET', '/api/deliveries/mine', role)).status).toBe(403);
      expect((await call('POST', `/api/deliveries/${randomUUID()}/pick`, role)).status).toBe(403);
      expect((await call('POST', `/api/deliveries/${randomUUID()}/deliver`, role)).status).toBe(403);
    }
  });
});

describe('GET /api/deliveries', () => {
  it.each([
    ['lng=127', 'lat missing'],
    ['lat=37.5', 'lng missing'],
    ['lat=91&lng=127', 'lat out of range'],
    ['lat=37.5&lng=-180.5', 'lng out of range'],
    ['lat=abc&lng=127', 'lat not a number'],
    ['lat=&lng=127', 'lat empty'],
    ['lat=1&lat=2&lng=127', 'lat repeated'],
    ['lat=37.5&lng=127&radiusKm=0', 'radius zero'],
    ['lat=37.5&lng=127&radiusKm=20.01', 'radius over 20'],
    ['lat=37.5&lng=127&limit=5', 'unknown parameter'],
  ])('when the query is %s (%s), then 400', async (qs) => {
    const r = await call('GET', `/api/deliveries?${qs}`, 'rider');
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ status: 400, type: '/problems/validation' });
  });

  it('when candidates come back from the box, then only those within the radius are listed, nearest first', async () => {
    const near = delivery({ dropoffLat: 37.5663, dropoffLng: 126.9779 }); // City Hall
    const nearer = delivery({ dropoffLat: 37.5701, dropoffLng: 126.9801 });
    const outside = delivery({ dropoffLat: 37.5663, dropoffLng: 127.02 }); // in the box corner, > 3 km
    db.rows = [near, outside, nearer];
    const r = await call('GET', '/api/deliveries?lat=37.57&lng=126.98', 'rider');
    expect(r.status).toBe(200);
    const list = r.body as { id: string; distanceKm: number }[];
    expect(list.map((d) => d.id)).toEqual([nearer.id, near.id]);
    expect(list[0]).toEqual({
      id: nearer.id,
      orderId: nearer.orderId,
      storeId: nearer.storeId,
      pickup: { lat: 37.4979, lng: 127.0276 },
      dropoff: { lat: 37.5701, lng: 126.9801 },
      distanceKm: 0.01,
      status: 'READY',
    });
    expect(list[1]?.distanceKm).toBe(0.45);
  });

  it('when listing, then the SQL prefilter asks for READY rows inside the bounding box', async () => {
    await call('GET', '/api/deliveries?lat=37.57&lng=126.98', 'rider');
    const where = db.lastWhere as {
      status: string;
      dropoffLat: { $gte: number; $lte: number };
      $or: { dropoffLng: { $gte: number; $lte: number } }[];
    };
    expect(where.status).toBe('READY');
    expect(where.dropoffLat.$gte).toBeCloseTo(37.57 - 0.02698, 4);
    expect(where.dropoffLat.$lte).toBeCloseTo(37.57 + 0.02698, 4);
    expect(where.$or).toHaveLength(1);
  });
});

describe('POST /api/deliveries/{id}/pick', () => {
  it('when the conditional update wins, then 200 PICKED_UP and one DeliveryPickedUp enqueued', async () => {
    const riderId = randomUUID();
    const d = delivery();
    db.rows = [{ ...d, status: 'PICKED_UP', riderId, pickedUpAt: new Date() } as Delivery];
    db.updated = 1;
    const r = await call('POST', `/api/deliveries/${d.id}/pick`, 'rider', riderId);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: d.id, orderId: d.orderId, status: 'PICKED_UP', riderId });
    expect(db.created).toEqual([
      expect.objectContaining({ topic: 'deliveries', type: 'DeliveryPickedUp', partitionKey: d.orderId }),
    ]);
  });

  it('when the delivery exists but is no longer READY, then 409 and nothing is enqueued', async () => {
    db.rows = [delivery({ status: 'PICKED_UP', riderId: randomUUID() })];
    const r = await call('POST', `/api/deliveries/${db.rows[0]?.id}/pick`, 'rider');
    expect(r.status).toBe(409);
    expect(db.created).toEqual([]);
  });

  it('when the delivery does not exist or the id is not a uuid, then 404', async () => {
    expect((await call('POST', `/api/deliveries/${randomUUID()}/pick`, 'rider')).status).toBe(404);
    expect((await call('POST', '/api/deliveries/not-a-uuid/pick', 'rider')).status).toBe(404);
  });
});

describe('POST /api/deliveries/{id}/deliver', () => {
  it('when the picking rider delivers, then 200 DELIVERED and DeliveryCompleted is enqueued', async () => {
    const riderId = randomUUID();
    const d = delivery({ status: 'DELIVERED', riderId, pickedUpAt: new Date(), deliveredAt: new Date() });
    db.rows = [d];
    db.updated = 1;
    const r = await call('POST', `/api/deliveries/${d.id}/deliver`, 'rider', riderId);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'DELIVERED', riderId });
    expect(db.created).toEqual([expect.objectContaining({ type: 'DeliveryCompleted', partitionKey: d.orderId })]);
  });

  it('when another rider tries, then 404 (never leak that it exists)', async () => {
    db.rows = [delivery({ status: 'PICKED_UP', riderId: randomUUID() })];
    expect((await call('POST', `/api/deliveries/${db.rows[0]?.id}/deliver`, 'rider')).status).toBe(404);
  });

  it('when the same rider delivers twice, then 409', async () => {
    const riderId = randomUUID();
    db.rows = [delivery({ status: 'DELIVERED', riderId })];
    expect((await call('POST', `/api/deliveries/${db.rows[0]?.id}/deliver`, 'rider', riderId)).status).toBe(409);
  });

  it('when the delivery does not exist, then 404', async () => {
    expect((await call('POST', `/api/deliveries/${randomUUID()}/deliver`, 'rider')).status).toBe(404);
  });
});

describe('GET /dapr/subscribe', () => {
  it('when the sidecar asks, then the orders topic is subscribed', async () => {
    const r = await call('GET', '/dapr/subscribe', undefined, undefined, {
      'dapr-api-token': 'unit-test-app-api-token',
    });
    expect(r.body).toEqual([
      { pubsubname: 'pubsub', topic: 'orders', route: '/events/orders', deadLetterTopic: 'deadletters' },
    ]);
  });

  it('when anyone but the sidecar asks, then 401 problem', async () => {
    const r = await call('GET', '/dapr/subscribe');
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ type: '/problems/sidecar-only', status: 401 });
  });
});
