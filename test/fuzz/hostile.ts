/**
 * What the fuzz sends: malformed and hostile requests for every /api route of
 * api.md (random methods, junk and traversal path segments, junk queries,
 * wrong JSON, deep nesting, huge numbers, prototype-pollution keys, wrong
 * content types, oversize bodies, bad, forged and wrongly-claimed tokens),
 * each built so that it cannot legitimately change state.
 *
 * The rule that keeps the stack's data unchanged: a request whose token is
 * signed with the real key (so it may be accepted) and whose method may write
 * (anything but GET, HEAD, OPTIONS) names no existing resource in its path and
 * carries no body that a writing route's schema accepts. Requests with tokens
 * the services must refuse (bad signature, `alg: none`, tampered) are free to
 * name real orders and carry valid bodies: if one of them were accepted, the
 * state comparison and the "never 2xx" check catch it. `unsafeReason` checks
 * the rule on every generated request before anything is sent.
 */
import { createHmac, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import type { Role } from '@baedal/platform';
import {
  FaultsRequest,
  InboxQuery,
  ListOrdersQuery,
  ListOrderStatusQuery,
  LoginRequest,
  NearbyDeliveriesQuery,
  OrderFaultsRequest,
  PaymentsQuery,
  PlaceOrderRequest,
  RejectRequest,
} from '@baedal/platform/contracts/api';
import { demoStores, demoUsers } from '@baedal/platform/contracts/demo';
import { operations, pathParams } from '@baedal/platform/contracts/routes';
import { apps, entryPort } from '../../tools/stack/env-instance.ts';
import { localDemoSecrets } from '../../tools/stack/topology.ts';

// ------------------------------------------------------------------ routes

export type Service = 'order' | 'payment' | 'store' | 'delivery' | 'customer' | 'edge';
type BodyKind = 'place' | 'reject' | 'faults' | 'login' | 'none';
type QueryKind = 'orders' | 'inbox' | 'nearby' | 'orderStatus' | 'payments' | 'none';
type IdKind = 'order' | 'store' | 'delivery';

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT';
  /** Path with at most one `{id}`. */
  template: string;
  service: Service;
  /** Roles that may call it; null: no token needed. */
  roles: Role[] | null;
  idKind?: IdKind;
  body: BodyKind;
  query: QueryKind;
}

const bodyKinds = new Map<unknown, BodyKind>([
  [PlaceOrderRequest, 'place'],
  [RejectRequest, 'reject'],
  [FaultsRequest, 'faults'],
  [LoginRequest, 'login'],
]);
const queryKinds = new Map<unknown, QueryKind>([
  [ListOrdersQuery, 'orders'],
  [InboxQuery, 'inbox'],
  [NearbyDeliveriesQuery, 'nearby'],
  [ListOrderStatusQuery, 'orderStatus'],
  [PaymentsQuery, 'payments'],
]);
const idKinds: Record<string, IdKind> = { orderId: 'order', storeId: 'store', deliveryId: 'delivery' };

/** Every route of api.md: the documented operations of the route table. */
export const routes: RouteSpec[] = operations
  .filter((op) => op.documented)
  .map((op): RouteSpec => {
    const [param, ...more] = pathParams(op.path);
    if (more.length) throw new Error(`${op.path}: the fuzz handles at most one id per path`);
    return {
      method: op.method.toUpperCase() as RouteSpec['method'],
      template: op.path.replace(/\{[^}]+\}/, '{id}'),
      service: op.service,
      roles: op.roles.length ? [...op.roles] : null,
      ...(param ? { idKind: idKinds[param] ?? 'order' } : {}),
      // An EmptyRequest body or none: nothing a writing route accepts is sent.
      body: (op.body && bodyKinds.get(op.body)) ?? 'none',
      query: (op.query && queryKinds.get(op.query)) ?? 'none',
    };
  });

export const ports: Record<Service, number> = Object.fromEntries(
  apps.map((a) => [a.name, a.name === 'edge' ? entryPort : a.appPort]),
) as Record<Service, number>;

// ------------------------------------------------------------------ tokens

export interface TokenCase {
  name: string;
  /** The Authorization header (several values: the header is sent that many times). */
  header: string | string[];
  /** The role the services should accept it as; null when they must refuse it. */
  accepts: Role | null;
  /** Signed with the real key: treated as possibly accepted by the no-state-change rule. */
  realKey: boolean;
}

const jwtConfig = { issuer: 'baedal-local', audience: 'baedal' };
const secret = new TextEncoder().encode(localDemoSecrets.jwtSecret);
const b64url = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

async function sign(
  claims: Record<string, unknown>,
  opts: {
    key?: Uint8Array;
    alg?: string;
    header?: Record<string, unknown>;
    sub?: string;
    iss?: string;
    aud?: string;
    exp?: number | null;
    iat?: number;
    nbf?: number;
  } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: opts.alg ?? 'HS256', typ: 'JWT', ...opts.header });
  if (opts.sub !== undefined) jwt = jwt.setSubject(opts.sub);
  jwt = jwt.setIssuer(opts.iss ?? jwtConfig.issuer).setAudience(opts.aud ?? jwtConfig.audience);
  jwt = jwt.setIssuedAt(opts.iat ?? now);
  if (opts.exp !== null) jwt = jwt.setExpirationTime(opts.exp ?? now + 3600);
  if (opts.nbf !== undefined) jwt = jwt.setNotBefore(opts.nbf);
  return jwt.sign(opts.key ?? secret);
}

const user = (name: string) => {
  const u = demoUsers.find((d) => d.username === name);
  if (!u) throw new Error(`no demo user ${name}`);
  return u;
};
const claimsOf = (u: { username: string; role: Role; storeId?: string }) => ({
  username: u.username,
  role: u.role,
  ...(u.storeId ? { storeId: u.storeId } : {}),
});

/** Every token case: the demo users' own, forged ones with wrong claims, bad signatures, garbage. */
export async function tokenCases(loginTokens: Record<string, string>): Promise<TokenCase[]> {
  const now = Math.floor(Date.now() / 1000);
  const alice = user('alice');
  const owner1 = user('owner1');
  const bearer = (t: string) => `Bearer ${t}`;
  const cases: TokenCase[] = [];
  const ok = (name: string, token: string, role: Role) =>
    cases.push({ name, header: bearer(token), accepts: role, realKey: true });
  const refusedSigned = (name: string, header: string | string[]) =>
    cases.push({ name, header, accepts: null, realKey: true });
  const refused = (name: string, header: string | string[]) =>
    cases.push({ name, header, accepts: null, realKey: false });

  for (const u of demoUsers) ok(`login ${u.username}`, loginTokens[u.username]!, u.role);
  for (const role of ['customer', 'rider', 'admin'] as const) {
    ok(`phantom ${role}`, await sign({ username: `ghost-${role}`, role }, { sub: randomUUID() }), role);
  }
  ok(
    'phantom owner of a real store',
    await sign({ username: 'ghost-owner', role: 'owner', storeId: demoStores[0].id }, { sub: randomUUID() }),
    'owner',
  );
  ok(
    'owner1 with the storeId of another store',
    await sign({ ...claimsOf(owner1), storeId: demoStores[1].id }, { sub: owner1.id }),
    'owner',
  );
  ok(
    'alice with extra claims',
    await sign(
      // An own "__proto__" claim (as JSON.parse makes it), not a prototype.
      { ...claimsOf(alice), admin: true, scope: '*', ...JSON.parse('{"__proto__":{"role":"admin"}}') },
      { sub: alice.id },
    ),
    'customer',
  );

  // Signed with the real key, claims the services must refuse.
  refusedSigned('unknown role', bearer(await sign({ username: 'x', role: 'superuser' }, { sub: randomUUID() })));
  refusedSigned('role ADMIN', bearer(await sign({ username: 'x', role: 'ADMIN' }, { sub: randomUUID() })));
  refusedSigned('role as array', bearer(await sign({ username: 'x', role: ['admin'] }, { sub: randomUUID() })));
  refusedSigned('no role', bearer(await sign({ username: 'x' }, { sub: randomUUID() })));
  refusedSigned('missing sub', bearer(await sign(claimsOf(alice))));
  refusedSigned('sub not a uuid', bearer(await sign(claimsOf(alice), { sub: 'alice' })));
  refusedSigned(
    'storeId not a uuid',
    bearer(await sign({ ...claimsOf(owner1), storeId: '../store' }, { sub: owner1.id })),
  );
  refusedSigned('expired', bearer(await sign(claimsOf(alice), { sub: alice.id, iat: now - 7200, exp: now - 60 })));
  refusedSigned('no exp', bearer(await sign(claimsOf(alice), { sub: alice.id, exp: null })));
  // A valid exp does not save a token whose iat is in the future or more than a day old.
  refusedSigned('iat 10 years ahead', bearer(await sign(claimsOf(alice), { sub: alice.id, iat: now + 315_360_000 })));
  refusedSigned(
    'iat 2 days old, exp ahead',
    bearer(await sign(claimsOf(alice), { sub: alice.id, iat: now - 172_800, exp: now + 3600 })),
  );
  refusedSigned('nbf ahead', bearer(await sign(claimsOf(alice), { sub: alice.id, nbf: now + 3600 })));
  refusedSigned('wrong issuer', bearer(await sign(claimsOf(alice), { sub: alice.id, iss: 'evil' })));
  refusedSigned('wrong audience', bearer(await sign(claimsOf(alice), { sub: alice.id, aud: 'other' })));
  refusedSigned('HS512', bearer(await sign(claimsOf(alice), { sub: alice.id, alg: 'HS512' })));
  // jose will not sign this one itself: HMAC by hand, with the real key.
  const critHeader = b64url({ alg: 'HS256', typ: 'JWT', crit: ['x-evil'], 'x-evil': 1 });
  const critPayload = b64url({
    ...claimsOf(alice),
    sub: alice.id,
    iss: jwtConfig.issuer,
    aud: jwtConfig.audience,
    exp: now + 3600,
  });
  const critSig = createHmac('sha256', secret).update(`${critHeader}.${critPayload}`).digest('base64url');
  refusedSigned('unknown crit header', bearer(`${critHeader}.${critPayload}.${critSig}`));
  const aliceToken = loginTokens.alice!;
  refusedSigned('lowercase scheme', `bearer ${aliceToken}`);
  refusedSigned('two spaces', `Bearer  ${aliceToken}`);
  refusedSigned('no scheme', aliceToken);
  refusedSigned('trailing junk', `Bearer ${aliceToken} x`);
  refusedSigned('two tokens in one header', `Bearer ${aliceToken},Bearer ${loginTokens.admin!}`);
  refusedSigned('Token scheme', `Token ${aliceToken}`);
  // Node keeps the first of repeated Authorization headers.
  cases.push({
    name: 'duplicate header, valid first',
    header: [bearer(aliceToken), 'Bearer x'],
    accepts: 'customer',
    realKey: true,
  });
  refusedSigned('duplicate header, junk first', ['Bearer x', bearer(loginTokens.admin!)]);

  // Bad signatures: these may name real orders and carry valid bodies.
  const [h, p] = aliceToken.split('.');
  const adminPayload = { ...JSON.parse(Buffer.from(p!, 'base64url').toString()), role: 'admin' };
  refused('alg none', bearer(`${b64url({ alg: 'none', typ: 'JWT' })}.${p}.`));
  refused('alg none, no dot', bearer(`${b64url({ alg: 'none' })}.${p}`));
  refused('signature stripped', bearer(`${h}.${p}.`));
  refused('tampered payload (role admin)', bearer(`${h}.${b64url(adminPayload)}.${aliceToken.split('.')[2]}`));
  refused(
    'wrong key',
    bearer(await sign(claimsOf(alice), { sub: alice.id, key: new TextEncoder().encode('x'.repeat(44)) })),
  );
  refused(
    'alg confusion RS256 header, HMAC signature',
    bearer(`${b64url({ alg: 'RS256', typ: 'JWT' })}.${p}.${aliceToken.split('.')[2]}`),
  );
  refused('kid injection', bearer(`${b64url({ alg: 'HS256', kid: '../../../../dev/null' })}.${p}.AAAA`));
  refused('jku header', bearer(`${b64url({ alg: 'HS256', jku: 'http://127.0.0.1:1/jwks' })}.${p}.AAAA`));
  for (const junk of ['', 'x', 'a.b.c', '...', 'null', 'undefined', '$%7B7*7%7D', 'eyJ', `${h}.${p}`]) {
    refused(`junk ${JSON.stringify(junk).slice(0, 20)}`, `Bearer ${junk}`);
  }
  refused('huge token', bearer(`${h}.${'A'.repeat(12_000)}.${'B'.repeat(43)}`));
  refused('Basic', `Basic ${Buffer.from('alice:demo-pass').toString('base64')}`);
  refused('Bearer alone', 'Bearer');
  return cases;
}

// -------------------------------------------------------------- the request

export interface FuzzRequest {
  target: Service;
  port: number;
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body?: Buffer;
  /** Sent with Transfer-Encoding: chunked, in two pieces. */
  chunked: boolean;
  /** What was generated, for the report. */
  route: RouteSpec;
  token: TokenCase | null;
  /** The path is the route's own (no path mutation, the id is a uuid). */
  canonical: boolean;
  bodyNote: string;
}

export interface RealIds {
  order: string[];
  store: string[];
  delivery: string[];
  other: string[];
}

const MUTATING = (method: string) => !['GET', 'HEAD', 'OPTIONS'].includes(method);

/** Path segments no resource has. */
const junkSegments = [
  '..',
  '.',
  '%2e%2e',
  '%2E%2E%2F',
  '..%2F..%2F..%2Fetc%2Fpasswd',
  '..%5C..%5Cwindows',
  '%00',
  '%0d%0aSet-Cookie:x=1',
  'null',
  'undefined',
  '0',
  '-1',
  '1e309',
  'NaN',
  '__proto__',
  'constructor',
  'prototype',
  "'%20OR%20'1'='1",
  '1;DROP%20TABLE%20orders',
  '%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E',
  '$%7Bjndi:ldap:x%7D',
  '%7B%7B7*7%7D%7D',
  'a'.repeat(300),
  'a'.repeat(4000),
  '%F0%9F%8D%97',
  '%ED%A0%80',
  '%ZZ',
  '%',
  '~',
  '*',
  ';',
  ',',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '00000000000040008000000000000000',
  '{orderId}',
  ':orderId',
  '%7BorderId%7D',
  '<>"\'`|^{}',
];

/** The id segment: fresh uuids, junk, and (only when safe) real ids and their look-alikes. */
function idArb(real: RealIds, kind: IdKind): fc.Arbitrary<{ id: string; real: boolean; uuid: boolean }> {
  const anyReal = [...real.order, ...real.store, ...real.delivery, ...real.other];
  const pick = (list: string[]) =>
    list.length ? fc.constantFrom(...list) : fc.constant('00000000-0000-4000-8000-000000000000');
  return fc.oneof(
    { weight: 3, arbitrary: fc.uuid().map((id) => ({ id, real: false, uuid: true })) },
    { weight: 3, arbitrary: pick(real[kind]).map((id) => ({ id, real: true, uuid: true })) },
    { weight: 1, arbitrary: pick(anyReal).map((id) => ({ id, real: true, uuid: true })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(pick(real[kind]), fc.constantFrom('upper', 'space', 'suffix', 'braces', 'urn'))
        .map(([id, how]) => ({
          id:
            how === 'upper'
              ? id.toUpperCase()
              : how === 'space'
                ? `%20${id}%20`
                : how === 'suffix'
                  ? `${id}.json`
                  : how === 'braces'
                    ? `%7B${id}%7D`
                    : `urn:uuid:${id}`,
          real: true,
          uuid: false,
        })),
    },
    { weight: 3, arbitrary: fc.constantFrom(...junkSegments).map((id) => ({ id, real: false, uuid: false })) },
    {
      weight: 1,
      arbitrary: fc.string({ minLength: 1, maxLength: 40 }).map((s) => ({
        id: encodeURIComponent(s),
        real: false,
        uuid: false,
      })),
    },
  );
}

const pathMutations = [
  'trailing slash',
  'double slash',
  'upper case',
  'junk segment appended',
  'traversal prefix',
  'dot segment',
  'encoded slash',
  'matrix parameter',
  'backslash',
  'no leading /api',
] as const;

function mutatePath(path: string, how: (typeof pathMutations)[number], junk: string): string {
  switch (how) {
    case 'trailing slash':
      return `${path}/`;
    case 'double slash':
      return path.replace('/api/', '/api//');
    case 'upper case':
      return path.toUpperCase();
    case 'junk segment appended':
      return `${path}/${junk}`;
    case 'traversal prefix':
      return `/api/${junk}/..${path.slice(4)}`;
    case 'dot segment':
      return path.replace('/api/', '/api/./');
    case 'encoded slash':
      return path.replace('/api/', '/api%2F');
    case 'matrix parameter':
      return `${path};jsessionid=${junk}`;
    case 'backslash':
      return path.replace('/api/', '/api\\');
    case 'no leading /api':
      return path.slice(4) || '/';
  }
}

const queryKeys: Record<QueryKind, string[]> = {
  orders: ['limit', 'cursor'],
  inbox: ['status'],
  nearby: ['lat', 'lng', 'radiusKm'],
  orderStatus: ['limit'],
  payments: ['orderId'],
  none: [],
};
const hostileQueryKeys = [
  '__proto__',
  '__proto__[polluted]',
  'constructor[prototype][polluted]',
  'constructor',
  'toString',
  'hasOwnProperty',
  'limit[]',
  'a[b][c][d]',
  '',
  '%00',
  'status[$ne]',
  'orderId[]',
  'customerId',
  'price',
];
const junkValues = [
  '',
  '-1',
  '0',
  '1',
  '100',
  '101',
  '1e309',
  '-1e309',
  '1e-400',
  'NaN',
  'Infinity',
  '0x10',
  '1.5',
  '%201',
  '%D9%A1',
  '9007199254740993',
  '123456789012345678901234567890',
  'PAID',
  'paid',
  'CANCELLED',
  '37.4979',
  '127.0276',
  '91',
  '-181',
  '20.0000001',
  '%00',
  '%ZZ',
  'null',
  'true',
  '[]',
  '%7B%7D',
  '00000000-0000-4000-8000-000000000000',
  'a'.repeat(250),
  "'%20OR%201=1--",
];

function queryArb(kind: QueryKind): fc.Arbitrary<string> {
  const key = fc.constantFrom(...queryKeys[kind], ...hostileQueryKeys);
  const value = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...junkValues) },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map(encodeURIComponent) },
    { weight: 1, arbitrary: fc.double().map((d) => encodeURIComponent(String(d))) },
  );
  const pairs = fc
    .array(fc.tuple(key, value), { minLength: 1, maxLength: 8 })
    .map((ps) => ps.map(([k, v]) => `${k}=${v}`));
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant('') },
    { weight: 6, arbitrary: pairs.map((ps) => `?${ps.join('&')}`) },
    // The same parameter repeated (an array where one value is expected).
    {
      weight: 2,
      arbitrary: fc.tuple(key, value, fc.integer({ min: 2, max: 50 })).map(([k, v, n]) => `?${`${k}=${v}&`.repeat(n)}`),
    },
    { weight: 1, arbitrary: fc.constantFrom('?', '?&&&', '?=', '?=x', '?a', '?%', '?a=%', '?a=1#frag') },
    // Huge: under and over Node's 16 KiB header limit (over it, 431).
    {
      weight: 1,
      arbitrary: fc.integer({ min: 1_000, max: 20_000 }).map((n) => `?limit=1&pad=${'x'.repeat(n)}`),
    },
    { weight: 1, arbitrary: fc.integer({ min: 100, max: 1_500 }).map((n) => `?${'a=1&'.repeat(n)}`) },
  );
}

const contentTypes = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----fuzz',
  'application/xml',
  'application/cloudevents+json',
  'application/merge-patch+json',
  'application/problem+json',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'application/jsonx',
  'json',
  '*/*',
  ';;;',
  'application/json, text/plain',
  'application/octet-stream',
];

/** Raw JSON-ish texts that no JSON.stringify produces. */
const hostileTexts = [
  '{',
  '}',
  '[',
  '{"a":',
  '{"a":1,}',
  '[1,2,]',
  "{'a':1}",
  '{a:1}',
  'nul',
  'NaN',
  'Infinity',
  '-',
  '"unterminated',
  '{"a":"\\u00"}',
  '{"a":"\\ud800"}',
  '\u0000',
  '\uFEFF{}',
  '{} {}',
  '{"a":1}garbage',
  '// comment\n{}',
  '/* x */ {}',
  '1e400',
  '-1e400',
  '123456789012345678901234567890123456789',
  '0.' + '0'.repeat(400) + '1',
  '{"storeId":1e999}',
  '{"items":[{"quantity":1e400}]}',
  '{"delayMs":9007199254740993,"failureRate":1e-400}',
  '{"__proto__":{"polluted":"yes","role":"admin"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"items":[{"__proto__":{"quantity":1}}]}',
  '{"__proto__":[],"length":1}',
  '{"toString":"x","valueOf":1,"hasOwnProperty":null}',
  '{"a":' + '1'.repeat(5000) + '}',
  '"' + 'x'.repeat(1000) + '"',
  '{"' + 'k'.repeat(2000) + '":1}',
  '{"a":1,"a":2,"a":3}',
  'true',
  'false',
  'null',
  '0',
  '""',
  '[]',
  '{}',
  ' ',
  '\n\n',
];

const hostileKeys = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'status',
  'price',
  'unitPrice',
  'totalAmount',
  'customerId',
  'ownerId',
  'role',
  'id',
  '$where',
  '$gt',
  '',
  ' ',
];

/** Valid-looking bodies with exactly one defect each: none passes the route's schema. */
function nearValidArb(kind: BodyKind): fc.Arbitrary<{ text: string; note: string; validOnly?: boolean }> {
  const store = demoStores[0];
  const validPlace = () => ({
    storeId: store.id,
    items: [{ menuItemId: store.items[0].id, quantity: 1 }],
    deliveryAddress: { line: '1 Teheran-ro', lat: store.location.lat, lng: store.location.lng },
  });
  const json = (v: unknown) => JSON.stringify(v);
  const placeDefects: [string, () => string][] = [
    ['price set by the client', () => json({ ...validPlace(), totalAmount: 0 })],
    ['status set by the client', () => json({ ...validPlace(), status: 'COMPLETED' })],
    ['customerId set by the client', () => json({ ...validPlace(), customerId: randomUUID() })],
    ['unitPrice in an item', () => json({ ...validPlace(), items: [{ ...validPlace().items[0], unitPrice: 1 }] })],
    ['__proto__ key', () => json(validPlace()).replace('{', '{"__proto__":{"totalAmount":0},')],
    ['constructor key', () => json(validPlace()).replace('{', '{"constructor":{"prototype":{"admin":true}},')],
    ['no items', () => json({ ...validPlace(), items: [] })],
    ['21 items', () => json({ ...validPlace(), items: Array.from({ length: 21 }, () => validPlace().items[0]) })],
    ['quantity 0', () => json({ ...validPlace(), items: [{ menuItemId: store.items[0].id, quantity: 0 }] })],
    ['quantity 100', () => json({ ...validPlace(), items: [{ menuItemId: store.items[0].id, quantity: 100 }] })],
    ['quantity 1.5', () => json({ ...validPlace(), items: [{ menuItemId: store.items[0].id, quantity: 1.5 }] })],
    ['quantity "1"', () => json({ ...validPlace(), items: [{ menuItemId: store.items[0].id, quantity: '1' }] })],
    ['quantity 1e400', () => json(validPlace()).replace('"quantity":1', '"quantity":1e400')],
    ['quantity -0', () => json(validPlace()).replace('"quantity":1', '"quantity":-0')],
    ['storeId junk', () => json({ ...validPlace(), storeId: '../../etc' })],
    ['menuItemId junk', () => json({ ...validPlace(), items: [{ menuItemId: 'x', quantity: 1 }] })],
    ['lat 91', () => json({ ...validPlace(), deliveryAddress: { line: 'x', lat: 91, lng: 0 } })],
    ['lng string', () => json({ ...validPlace(), deliveryAddress: { line: 'x', lat: 0, lng: '0' } })],
    ['empty line', () => json({ ...validPlace(), deliveryAddress: { line: '   ', lat: 0, lng: 0 } })],
    ['line 201 chars', () => json({ ...validPlace(), deliveryAddress: { line: 'x'.repeat(201), lat: 0, lng: 0 } })],
    ['no deliveryAddress', () => json({ storeId: store.id, items: validPlace().items })],
    ['deliveryAddress null', () => json({ ...validPlace(), deliveryAddress: null })],
    ['items not an array', () => json({ ...validPlace(), items: { 0: validPlace().items[0] } })],
    ['as an array', () => json([validPlace()])],
  ];
  const rejectDefects: [string, () => string][] = [
    ['valid reason', () => json({ reason: 'fuzz' })],
    ['empty reason', () => json({ reason: ' ' })],
    ['reason 501 chars', () => json({ reason: 'x'.repeat(501) })],
    ['reason a number', () => json({ reason: 1 })],
    ['extra field', () => json({ reason: 'x', refund: false })],
    ['no reason', () => json({})],
  ];
  const faultDefects: [string, () => string][] = [
    ['delayMs -1', () => json({ delayMs: -1, failureRate: 0 })],
    ['delayMs 60001', () => json({ delayMs: 60_001, failureRate: 0 })],
    ['delayMs 1.5', () => json({ delayMs: 1.5, failureRate: 0 })],
    ['delayMs "0"', () => json({ delayMs: '0', failureRate: 0 })],
    ['failureRate 1.1', () => json({ delayMs: 0, failureRate: 1.1 })],
    ['failureRate -0.1', () => json({ delayMs: 0, failureRate: -0.1 })],
    ['failureRate NaN-ish', () => '{"delayMs":0,"failureRate":1e999}'],
    ['extra field', () => json({ delayMs: 0, failureRate: 0, crashAfterCommit: true })],
    ['missing failureRate', () => json({ delayMs: 0 })],
    ['__proto__', () => '{"delayMs":0,"failureRate":0,"__proto__":{"x":1}}'],
  ];
  const loginCases: [string, () => string][] = [
    ['demo credentials', () => json({ username: 'alice', password: 'demo-pass' })],
    // Not a demo user: failed logins count against the username (LoginLimiter), and
    // later suites on the same stack log in as admin.
    ['wrong password', () => json({ username: 'mallory', password: 'admin' })],
    ['empty', () => json({ username: '', password: '' })],
    ['long username', () => json({ username: 'a'.repeat(65), password: 'x' })],
    ['object username', () => json({ username: { $ne: null }, password: { $ne: null } })],
    ['extra role', () => json({ username: 'alice', password: 'demo-pass', role: 'admin' })],
    ['__proto__', () => '{"username":"alice","password":"demo-pass","__proto__":{"role":"admin"}}'],
    ['sql', () => json({ username: "admin' --", password: "' OR '1'='1" })],
  ];
  const table = { place: placeDefects, reject: rejectDefects, faults: faultDefects, login: loginCases, none: [] };
  const list = table[kind].length ? table[kind] : placeDefects;
  const defective = fc.constantFrom(...list).map(([note, make]) => ({ text: make(), note: `near-valid: ${note}` }));
  // Fully valid bodies, kept only with tokens the services must refuse (see requestArb).
  const valid = kind === 'place' ? json(validPlace()) : kind === 'faults' ? json({ delayMs: 0, failureRate: 0 }) : null;
  if (valid === null) return defective;
  return fc.oneof(
    { weight: 5, arbitrary: defective },
    { weight: 1, arbitrary: fc.constant({ text: valid, note: 'valid body', validOnly: true }) },
  );
}

/** What replaces a valid body when the token may be accepted: a client-set price. */
const DEFECTIVE_BODY = {
  text: '{"totalAmount":0}',
  note: 'near-valid: price set by the client (replacing a valid body)',
};

function deepText(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

function bodyArb(kind: BodyKind): fc.Arbitrary<{ body?: Buffer; note: string; validOnly?: boolean }> {
  const text = (t: string, note: string, validOnly = false) => ({ body: Buffer.from(t), note, validOnly });
  const randomJson = fc
    .dictionary(
      fc.oneof(fc.constantFrom(...hostileKeys), fc.string({ maxLength: 10 })),
      fc.oneof(
        fc.jsonValue({ maxDepth: 3 }),
        fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_VALUE, Number.MIN_VALUE, 1e21),
      ),
      { maxKeys: 8 },
    )
    .map((o) => JSON.stringify(o));
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant({ note: 'no body' }) },
    { weight: 6, arbitrary: nearValidArb(kind).map(({ text: t, note, validOnly }) => text(t, note, validOnly)) },
    { weight: 5, arbitrary: fc.constantFrom(...hostileTexts).map((t) => text(t, `hostile text ${t.slice(0, 30)}`)) },
    { weight: 3, arbitrary: randomJson.map((t) => text(t, 'random JSON')) },
    {
      weight: 1,
      arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => text(JSON.stringify(v) ?? 'null', 'random value')),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom(100, 1_000, 10_000, 30_000),
          fc.constantFrom('array', 'object') as fc.Arbitrary<'array' | 'object'>,
        )
        .map(([d, k]) => text(deepText(d, k), `nested ${d} deep (${k})`)),
    },
    {
      weight: 2,
      arbitrary: fc
        .integer({ min: 64 * 1024 - 16, max: 300_000 })
        .map((n) => text(`{"pad":"${'x'.repeat(n)}"}`, `oversize ${n + 10} bytes`)),
    },
    {
      weight: 1,
      arbitrary: fc
        .uint8Array({ minLength: 1, maxLength: 2_000 })
        .map((b) => ({ body: Buffer.from(b), note: 'binary' })),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((s) => text(s, 'random text')) },
  );
}

const headerJunk = fc.oneof(
  fc.constantFrom('', 'x', '../../', '%00', "'; DROP TABLE x; --", '{"a":1}', 'null', 'a'.repeat(4_000)),
  fc.stringMatching(/^[\x20-\x7e]{0,60}$/),
);

function extraHeadersArb(): fc.Arbitrary<Record<string, string | string[]>> {
  return fc
    .record(
      {
        'x-request-id': headerJunk,
        accept: fc.constantFrom('application/xml', 'text/html', '*/*', 'application/json;q=0', ''),
        'idempotency-key': headerJunk,
        'x-forwarded-for': fc.constantFrom('not-an-ip', '::ffff:zz', '999.999.999.999', '127.0.0.1, evil', ''),
        'x-forwarded-host': headerJunk,
        'x-forwarded-proto': fc.constantFrom('javascript', 'https', 'ftp', ''),
        'content-encoding': fc.constantFrom('gzip', 'br', 'identity', 'x'),
        'x-http-method-override': fc.constantFrom('DELETE', 'PUT', 'PATCH'),
        cookie: headerJunk,
        range: fc.constantFrom('bytes=0-1', 'bytes=-1', 'bytes=x'),
      },
      { requiredKeys: [] },
    )
    .map((h) => h as Record<string, string | string[]>);
}

const methods = [
  'GET',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'HEAD',
  'OPTIONS',
  'PROPFIND',
  'PURGE',
  'SEARCH',
  'QUERY',
  'MKCOL',
  'LOCK',
  'FROBNICATE',
  'get',
  'Post',
];

export interface Pools {
  real: RealIds;
  tokens: TokenCase[];
}

const FRESH_FALLBACK = '6d3c0c5e-0000-4000-8000-00000000f022';

/** One hostile request for one route, through the edge (most) or straight to a service port. */
export function requestArb(pools: Pools): fc.Arbitrary<FuzzRequest> {
  const { real, tokens } = pools;
  const realSet = new Set([...real.order, ...real.store, ...real.delivery, ...real.other].map((s) => s.toLowerCase()));
  return fc
    .constantFrom(...routes)
    .chain((route) =>
      fc.record({
        route: fc.constant(route),
        target: fc.oneof(
          { weight: 12, arbitrary: fc.constant<Service>('edge') },
          { weight: 3, arbitrary: fc.constant<Service>(route.service) },
          { weight: 1, arbitrary: fc.constantFrom<Service>('order', 'payment', 'store', 'delivery', 'customer') },
        ),
        method: fc.oneof(
          { weight: 6, arbitrary: fc.constant(route.method) },
          { weight: 4, arbitrary: fc.constantFrom(...methods) },
        ),
        id: idArb(real, route.idKind ?? 'order'),
        freshId: fc.uuid(),
        mutation: fc.oneof(
          { weight: 7, arbitrary: fc.constant(null) },
          { weight: 3, arbitrary: fc.constantFrom(...pathMutations) },
        ),
        junk: fc.constantFrom(...junkSegments),
        query: queryArb(route.query),
        token: fc.oneof(
          { weight: 1, arbitrary: fc.constant(null) },
          { weight: 6, arbitrary: fc.constantFrom(...tokens) },
        ),
        contentType: fc.oneof(
          { weight: 4, arbitrary: fc.constant('application/json') },
          { weight: 1, arbitrary: fc.constant(undefined) },
          { weight: 3, arbitrary: fc.constantFrom(...contentTypes) },
          { weight: 1, arbitrary: fc.constant<string[]>(['text/plain', 'application/json']) },
        ),
        body: bodyArb(route.body),
        chunked: fc.boolean(),
        extra: fc.oneof({ weight: 3, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: extraHeadersArb() }),
      }),
    )
    .map((g): FuzzRequest => {
      const { route, token } = g;
      const method = g.method;
      const mayBeAccepted = token !== null && token.realKey;
      // The rule: a possibly accepted token on a writing method names no existing resource.
      let id = g.id;
      if (mayBeAccepted && MUTATING(method.toUpperCase()) && id.real) {
        const fresh = realSet.has(g.freshId.toLowerCase()) ? FRESH_FALLBACK : g.freshId;
        id = { id: fresh, real: false, uuid: true };
      }
      let body = g.body;
      if (mayBeAccepted && MUTATING(method.toUpperCase()) && body.validOnly) {
        body = { body: Buffer.from(DEFECTIVE_BODY.text), note: DEFECTIVE_BODY.note };
      }
      let path = route.template.replace('{id}', id.id);
      if (g.mutation) path = mutatePath(path, g.mutation, g.junk);
      const headers: Record<string, string | string[]> = { ...g.extra };
      if (token) headers.authorization = token.header;
      if (body.body && g.contentType !== undefined) headers['content-type'] = g.contentType;
      // Framed explicitly: Node sends a GET's or HEAD's body unframed otherwise, which the
      // server rightly reads as the next request.
      if (body.body && g.chunked) headers['transfer-encoding'] = 'chunked';
      else if (body.body) headers['content-length'] = String(body.body.length);
      return {
        target: g.target,
        port: ports[g.target],
        method,
        path: `${path}${g.query}`,
        headers,
        ...(body.body ? { body: body.body } : {}),
        chunked: g.chunked,
        route,
        token,
        canonical: g.mutation === null && (!route.template.includes('{id}') || id.uuid),
        bodyNote: body.note,
      };
    });
}

const writingSchemas = [PlaceOrderRequest, FaultsRequest, OrderFaultsRequest];

/**
 * Why the request could legitimately change state (a bug in the generator),
 * or null when it cannot.
 */
export function unsafeReason(r: FuzzRequest, real: RealIds): string | null {
  const mayBeAccepted = r.token !== null && r.token.realKey;
  if (!mayBeAccepted || !MUTATING(r.method.toUpperCase())) return null;
  const path = decodeURIComponentSafe(r.path).toLowerCase();
  for (const id of [...real.order, ...real.store, ...real.delivery, ...real.other]) {
    if (path.includes(id.toLowerCase())) return `names the existing resource ${id}`;
  }
  if (r.body) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(r.body.toString('utf8'));
    } catch {
      return null;
    }
    for (const schema of writingSchemas) {
      if (schema.safeParse(parsed).success) return `has a valid ${r.route.template} body`;
    }
  }
  return null;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** One line describing the request, for the report. */
export function describeRequest(r: FuzzRequest): string {
  const path = r.path.length > 160 ? `${r.path.slice(0, 160)}…(${r.path.length} chars)` : r.path;
  const ct = r.headers['content-type'];
  const extra = Object.keys(r.headers).filter(
    (h) => !['authorization', 'content-type', 'transfer-encoding'].includes(h),
  );
  return [
    `${r.method} ${path} → ${r.target}:${r.port}`,
    `token: ${r.token?.name ?? 'none'}`,
    `content-type: ${JSON.stringify(ct)}`,
    `body: ${r.bodyNote}${r.body ? ` (${r.body.length} bytes${r.chunked ? ', chunked' : ''})` : ''}`,
    extra.length ? `headers: ${extra.join(',')}` : '',
  ]
    .filter(Boolean)
    .join(' | ');
}
