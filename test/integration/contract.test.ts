/**
 * api.md route by route: auth (RFC 8725 cases), roles, ownership, validation
 * (and that a refused request changes nothing), body limits, pagination.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { SignJWT, UnsecuredJWT } from 'jose';
import { localDemoSecrets } from '../../tools/stack/topology.ts';
import { call, eventually, login, type Reply } from './client.ts';
import { cookedOrder, gangnam, mapo, paymentsOf, placeOrder, putPaymentFaults, readyDelivery } from './flows.ts';

const expectProblem = (r: Reply, status: number) => {
  expect({ status: r.status, type: r.headers.get('content-type') }).toEqual({
    status,
    type: expect.stringContaining('application/problem+json'),
  });
  expect(r.body).toEqual(expect.objectContaining({ type: expect.any(String), title: expect.any(String), status }));
};

const validOrder = () => ({
  storeId: gangnam.id,
  items: [{ menuItemId: gangnam.items[0].id, quantity: 1 }],
  deliveryAddress: { line: '1 Teheran-ro', lat: 37.5, lng: 127.03 },
});

const protectedRoutes: [string, string][] = [
  ['POST', '/api/orders'],
  ['GET', '/api/orders'],
  ['GET', `/api/orders/${randomUUID()}`],
  ['POST', `/api/orders/${randomUUID()}/cancel`],
  ['POST', `/api/orders/${randomUUID()}/confirm`],
  ['GET', '/api/store/orders'],
  ['POST', `/api/store/orders/${randomUUID()}/accept`],
  ['GET', '/api/deliveries?lat=37.5&lng=127'],
  ['GET', '/api/deliveries/mine'],
  ['POST', `/api/deliveries/${randomUUID()}/pick`],
  ['GET', '/api/order-status'],
  ['GET', `/api/order-status/${randomUUID()}`],
  ['GET', '/api/notifications'],
  ['GET', '/api/payments'],
  ['PUT', '/api/admin/faults/payment'],
];

const key = new TextEncoder().encode(localDemoSecrets.jwtSecret);
const aliceId = '0b7c3c3e-0000-4000-8000-00000000a11c';
const sign = (claims: Record<string, unknown>, opts: { iss?: string; aud?: string; exp?: string | number } = {}) =>
  new SignJWT({ username: 'alice', role: 'customer', ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(aliceId)
    .setIssuer(opts.iss ?? 'baedal-local')
    .setAudience(opts.aud ?? 'baedal')
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? '10m')
    .sign(key);

describe('identity', () => {
  it('when the credentials are right, then login answers a bearer token and the user', async () => {
    const r = await call<{
      tokenType: string;
      expiresIn: number;
      user: { username: string; role: string; storeId?: string };
    }>('POST', '/api/auth/login', { body: { username: 'owner1', password: 'demo-pass' } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual(
      expect.objectContaining({
        accessToken: expect.any(String),
        tokenType: 'Bearer',
        expiresIn: expect.any(Number),
        user: expect.objectContaining({ username: 'owner1', role: 'owner', storeId: gangnam.id }),
      }),
    );
  });

  it('when the password is wrong, then 401', async () => {
    expectProblem(await call('POST', '/api/auth/login', { body: { username: 'alice', password: 'nope' } }), 401);
    expectProblem(await call('POST', '/api/auth/login', { body: { username: 'mallory', password: 'demo-pass' } }), 401);
  });

  it('when a protected route is called without a token, then 401', async () => {
    for (const [method, path] of protectedRoutes) {
      const r = await call(method, path, method === 'GET' ? {} : { body: {} });
      expect({ method, path, status: r.status }).toEqual({ method, path, status: 401 });
    }
  });

  it('when a token is malformed, unsigned, tampered, expired, or for another issuer or audience, then 401', async () => {
    const good = await sign({});
    const [h, p, s] = good.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), role: 'admin' })).toString('base64url')}.${s}`;
    const unsigned = new UnsecuredJWT({ username: 'alice', role: 'customer' })
      .setSubject(aliceId)
      .setIssuer('baedal-local')
      .setAudience('baedal')
      .setExpirationTime('10m')
      .encode();
    const bad = {
      malformed: 'not-a-jwt',
      unsigned,
      tampered,
      expired: await sign({}, { exp: Math.floor(Date.now() / 1000) - 60 }),
      otherIssuer: await sign({}, { iss: 'evil' }),
      otherAudience: await sign({}, { aud: 'elsewhere' }),
      otherKey: await new SignJWT({ username: 'alice', role: 'customer' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(aliceId)
        .setIssuer('baedal-local')
        .setAudience('baedal')
        .setExpirationTime('10m')
        .sign(new TextEncoder().encode('x'.repeat(48))),
    };
    expect((await call('GET', '/api/orders', { token: good })).status).toBe(200);
    for (const [name, token] of Object.entries(bad)) {
      const r = await call('GET', '/api/orders', { token });
      expect({ name, status: r.status }).toEqual({ name, status: 401 });
    }
  });

  it('when the role is wrong, then 403', async () => {
    const [alice, rider, owner] = await Promise.all([login('alice'), login('rider1'), login('owner1')]);
    const cases: [string, string, string][] = [
      [rider, 'POST', '/api/orders'],
      [alice, 'GET', '/api/store/orders'],
      [alice, 'GET', '/api/deliveries?lat=37.5&lng=127'],
      [owner, 'GET', '/api/order-status'],
      [rider, 'GET', '/api/notifications'],
      [alice, 'PUT', '/api/admin/faults/payment'],
    ];
    for (const [token, method, path] of cases) {
      const r = await call(method, path, { token, ...(method === 'GET' ? {} : { body: validOrder() }) });
      expect({ path, status: r.status }).toEqual({ path, status: 403 });
    }
  });
});

describe('catalog', () => {
  it('lists stores with a location and menus with prices, without a token', async () => {
    const stores = await call<{ id: string; name: string; location: { lat: number; lng: number }; open: boolean }[]>(
      'GET',
      '/api/stores',
    );
    expect(stores.status).toBe(200);
    expect(stores.body.length).toBeGreaterThanOrEqual(2);
    expect(stores.body).toContainEqual({ id: gangnam.id, name: gangnam.name, location: gangnam.location, open: true });
    const menu = await call<{ id: string; name: string; unitPrice: number }[]>('GET', `/api/stores/${mapo.id}/menu`);
    expect(menu.body).toEqual(expect.arrayContaining(mapo.items.map((i) => ({ ...i }))));
    expectProblem(await call('GET', `/api/stores/${randomUUID()}/menu`), 404);
  });
});

/**
 * The caller's newest order and the newest payment, by id: both lists are
 * newest first, so any new order or charge changes them. (Their lengths would
 * not: the lists are capped at 100, and a stack that has run a while is full.)
 */
async function newestOrderAndPayment(customer: string, admin: string) {
  const orders = await call<{ items: { id: string }[] }>('GET', '/api/orders?limit=1', { token: customer });
  const payments = await call<{ id: string }[]>('GET', '/api/payments', { token: admin });
  expect([orders.status, payments.status]).toEqual([200, 200]);
  return { order: orders.body.items[0]?.id ?? null, payment: payments.body[0]?.id ?? null };
}

describe('orders: validation changes nothing', () => {
  const bad: [string, unknown][] = [
    ['unknown field', { ...validOrder(), discount: 100 }],
    ['client-set price', { ...validOrder(), items: [{ ...validOrder().items[0], unitPrice: 1 }] }],
    ['client-set status', { ...validOrder(), status: 'COMPLETED' }],
    ['quantity 0', { ...validOrder(), items: [{ menuItemId: gangnam.items[0].id, quantity: 0 }] }],
    ['quantity 100', { ...validOrder(), items: [{ menuItemId: gangnam.items[0].id, quantity: 100 }] }],
    ['fractional quantity', { ...validOrder(), items: [{ menuItemId: gangnam.items[0].id, quantity: 1.5 }] }],
    ['no items', { ...validOrder(), items: [] }],
    [
      '21 items',
      { ...validOrder(), items: Array.from({ length: 21 }, () => ({ menuItemId: gangnam.items[0].id, quantity: 1 })) },
    ],
    ['item of another store', { ...validOrder(), items: [{ menuItemId: mapo.items[0].id, quantity: 1 }] }],
    ['unknown store', { ...validOrder(), storeId: randomUUID() }],
    ['store id not a uuid', { ...validOrder(), storeId: 'abc' }],
    ['latitude out of range', { ...validOrder(), deliveryAddress: { line: 'x', lat: 91, lng: 127 } }],
    ['no address', { storeId: gangnam.id, items: validOrder().items }],
    ['an array', [validOrder()]],
    ['a JSON string', JSON.stringify('order')],
  ];

  it('when the body breaks the schema, then 400 with the failing paths and no order, no charge', async () => {
    const [alice, admin] = await Promise.all([login('alice'), login('admin')]);
    const before = await newestOrderAndPayment(alice, admin);
    for (const [name, body] of bad) {
      const r = await call<{ errors?: unknown[] }>('POST', '/api/orders', { token: alice, body });
      expect({ name, status: r.status }).toEqual({ name, status: 400 });
      expect(r.body.errors?.length).toBeGreaterThan(0);
    }
    expectProblem(await call('POST', '/api/orders', { token: alice, body: '{"storeId": ' }), 400);
    expectProblem(
      await call('POST', '/api/orders', { token: alice, body: 'storeId=1', headers: { 'content-type': 'text/plain' } }),
      415,
    );
    const huge = { ...validOrder(), deliveryAddress: { line: 'x'.repeat(70 * 1024), lat: 37.5, lng: 127 } };
    expectProblem(await call('POST', '/api/orders', { token: alice, body: huge }), 413);
    const badKey = await call('POST', '/api/orders', {
      token: alice,
      body: validOrder(),
      headers: { 'Idempotency-Key': 'has spaces' },
    });
    expectProblem(badKey, 400);
    // Present but empty is not "no key" (the document says 1 to 128 characters).
    expectProblem(
      await call('POST', '/api/orders', { token: alice, body: validOrder(), headers: { 'Idempotency-Key': '' } }),
      400,
    );

    expect(await newestOrderAndPayment(alice, admin)).toEqual(before);
  });

  it('when an Idempotency-Key is reused with another body, then 409', async () => {
    const alice = await login('alice');
    const key = `reuse-${randomUUID()}`;
    await placeOrder(alice, gangnam, { 'Idempotency-Key': key });
    const other = { ...validOrder(), items: [{ menuItemId: gangnam.items[1].id, quantity: 2 }] };
    expectProblem(
      await call('POST', '/api/orders', { token: alice, body: other, headers: { 'Idempotency-Key': key } }),
      409,
    );
  });
});

describe('orders: reads', () => {
  it('pages newest first with a cursor', async () => {
    const alice = await login('alice');
    const a = await placeOrder(alice);
    const b = await placeOrder(alice);
    const first = await call<{ items: { id: string }[]; nextCursor: string | null }>('GET', '/api/orders?limit=1', {
      token: alice,
    });
    expect(first.body.items.map((o) => o.id)).toEqual([b.id]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await call<{ items: { id: string }[] }>(
      'GET',
      `/api/orders?limit=1&cursor=${encodeURIComponent(first.body.nextCursor!)}`,
      { token: alice },
    );
    expect(second.body.items.map((o) => o.id)).toEqual([a.id]);
    expectProblem(await call('GET', '/api/orders?limit=101', { token: alice }), 400);
    expectProblem(await call('GET', `/api/orders/${randomUUID()}`, { token: alice }), 404);
  });

  it('confirm before the food is picked up is refused with 409', async () => {
    const alice = await login('alice');
    const order = await placeOrder(alice);
    expectProblem(await call('POST', `/api/orders/${order.id}/confirm`, { token: alice }), 409);
  });

  it('the status view and notifications list the caller’s orders only', async () => {
    const [alice, bob] = await Promise.all([login('alice'), login('bob')]);
    const order = await placeOrder(alice);
    const list = await eventually(async () => {
      const r = await call<{ orderId: string; storeName: string; totalAmount: number }[]>('GET', '/api/order-status', {
        token: alice,
      });
      return r.body.some((v) => v.orderId === order.id) ? r.body : undefined;
    });
    expect(list[0]).toEqual(expect.objectContaining({ orderId: order.id, storeName: gangnam.name }));
    expectProblem(await call('GET', `/api/order-status/${order.id}`, { token: bob }), 404);
    expectProblem(await call('GET', `/api/order-status/${order.id}/stream`, { token: bob }), 404);
    const bobNotes = await call<{ orderId: string }[]>('GET', '/api/notifications', { token: bob });
    expect(bobNotes.body.some((n) => n.orderId === order.id)).toBe(false);
    const aliceNotes = await eventually(async () => {
      const r = await call<{ orderId: string; status: string; message: string }[]>('GET', '/api/notifications', {
        token: alice,
      });
      return r.body.find((n) => n.orderId === order.id);
    });
    expect(aliceNotes).toEqual(expect.objectContaining({ status: 'PAID', message: expect.any(String) }));
  });
});

describe('store inbox: own store only', () => {
  it('another owner neither sees nor moves the order', async () => {
    const [alice, owner1, owner2] = await Promise.all([login('alice'), login('owner1'), login('owner2')]);
    const order = await placeOrder(alice);
    await eventually(async () => {
      const r = await call<{ orderId: string }[]>('GET', '/api/store/orders?status=PAID', { token: owner1 });
      return r.body.find((o) => o.orderId === order.id);
    });
    const other = await call<{ orderId: string }[]>('GET', '/api/store/orders', { token: owner2 });
    expect(other.body.some((o) => o.orderId === order.id)).toBe(false);
    expectProblem(await call('POST', `/api/store/orders/${order.id}/accept`, { token: owner2 }), 404);
    expectProblem(await call('POST', `/api/store/orders/${order.id}/reject`, { token: owner1, body: {} }), 400);
    expectProblem(await call('GET', '/api/store/orders?status=LOST', { token: owner1 }), 400);
  });
});

describe('deliveries', () => {
  it('only the rider who picked a delivery may deliver it; mine lists it', async () => {
    const [alice, owner, rider1, rider2] = await Promise.all([
      login('alice'),
      login('owner1'),
      login('rider1'),
      login('rider2'),
    ]);
    const order = await cookedOrder({ customer: alice, owner, rider: rider1 });
    const delivery = await readyDelivery(rider2, order.id);
    expect(delivery).toEqual(
      expect.objectContaining({ orderId: order.id, storeId: gangnam.id, status: 'READY', pickup: gangnam.location }),
    );
    expect((await call('POST', `/api/deliveries/${delivery.id}/pick`, { token: rider1 })).status).toBe(200);
    expectProblem(await call('POST', `/api/deliveries/${delivery.id}/pick`, { token: rider2 }), 409);
    expectProblem(await call('POST', `/api/deliveries/${delivery.id}/deliver`, { token: rider2 }), 404);
    const mine = await call<{ id: string; status: string }[]>('GET', '/api/deliveries/mine', { token: rider1 });
    expect(mine.body).toContainEqual(expect.objectContaining({ id: delivery.id, status: 'PICKED_UP' }));
    expect((await call('POST', `/api/deliveries/${delivery.id}/deliver`, { token: rider1 })).status).toBe(200);
  });

  it('the radius is bounded and far deliveries are not listed', async () => {
    const rider = await login('rider1');
    expectProblem(await call('GET', '/api/deliveries?lat=37.5&lng=127&radiusKm=21', { token: rider }), 400);
    expectProblem(await call('GET', '/api/deliveries?lng=127', { token: rider }), 400);
    // Busan is ~325 km from the demo stores.
    const far = await call<unknown[]>('GET', '/api/deliveries?lat=35.1796&lng=129.0756&radiusKm=20', { token: rider });
    expect(far.body).toEqual([]);
  });
});

describe('payments and fault injection', () => {
  it('when the gateway fails, then the order answers 503 with Retry-After and nobody is charged', async () => {
    const [alice, admin] = await Promise.all([login('alice'), login('admin')]);
    // Newest first, at most 100: a payment made now would be listed, whatever the table holds.
    const paymentIds = async () =>
      (await call<{ id: string }[]>('GET', '/api/payments', { token: admin })).body.map((p) => p.id);
    const before = new Set(await paymentIds());
    const set = await putPaymentFaults(admin, { delayMs: 0, failureRate: 1 });
    expect(set.status).toBe(200);
    try {
      const r = await call('POST', '/api/orders', { token: alice, body: validOrder() });
      expectProblem(r, 503);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await putPaymentFaults(admin, { delayMs: 0, failureRate: 0 });
    }
    expect((await paymentIds()).filter((id) => !before.has(id))).toEqual([]);
    expectProblem(
      await call('PUT', '/api/admin/faults/payment', { token: admin, body: { delayMs: -1, failureRate: 2 } }),
      400,
    );
    // After the fault is lifted, payment works again.
    const ok = await placeOrder(alice);
    expect(await paymentsOf(alice, ok.id)).toHaveLength(1);
  });
});

describe('the entry point', () => {
  it('when a path no route serves is asked, then a 404 problem (in a cluster the edge answers it: the Ingress sends it every path no service owns)', async () => {
    for (const path of ['/nope', '/api/nope', '/index.php', '/.env']) expectProblem(await call('GET', path), 404);
  });

  // Locally the edge is the entry point itself and serves its probes; behind an Ingress
  // (BAEDAL_BEHIND_INGRESS=1, tools/cluster/test.sh; a BAEDAL_URL alone may name another
  // local stack) nothing of a pod's probes or metrics is public.
  (process.env.BAEDAL_BEHIND_INGRESS === '1' ? it : it.skip)(
    'when probes or metrics are asked through the Ingress, then a 404 problem',
    async () => {
      for (const path of ['/healthz', '/readyz', '/metrics']) expectProblem(await call('GET', path), 404);
    },
  );
});
