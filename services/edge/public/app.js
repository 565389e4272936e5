/* global document, window, sessionStorage, crypto, FormData, URLSearchParams, TextDecoderStream, AbortController,
   setTimeout, clearTimeout, setInterval, clearInterval */
// baedal web UI: plain JS against the /api of this origin. Views by role:
// customer (order and follow it live), owner (store inbox), rider, admin.

const $ = (sel) => document.querySelector(sel);
const won = (n) => `₩${new Intl.NumberFormat('ko-KR').format(n)}`;
const shortId = (id) => id.slice(0, 8);
const time = (iso) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const STEPS = ['PAID', 'ACCEPTED', 'COOKING', 'COOKED', 'PICKED_UP', 'DELIVERED', 'COMPLETED'];
const TERMINAL = ['COMPLETED', 'CANCELLED', 'REJECTED'];
const DEMO_USERS = ['alice', 'bob', 'owner1', 'owner2', 'rider1', 'rider2', 'admin'];

/** Builds an element; children are nodes or text (never parsed as HTML). */
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (v !== false && v !== undefined) node.setAttribute(k, v === true ? '' : v);
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}
const badge = (status) => h('span', { class: `badge s-${status.toLowerCase()}` }, status.replace('_', ' '));

// ---- session and API ----

const session = {
  load() {
    const s = JSON.parse(sessionStorage.getItem('baedal') ?? 'null');
    return s && s.expiresAt > Date.now() ? s : null;
  },
  save(s) {
    sessionStorage.setItem('baedal', JSON.stringify(s));
  },
  clear() {
    sessionStorage.removeItem('baedal');
  },
};
let current = session.load();

class ApiError extends Error {
  constructor(status, problem, retryAfter) {
    super(problem?.detail ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }
}

async function api(method, path, body, headers = {}) {
  const res = await fetch(path, {
    method,
    headers: {
      Accept: 'application/json',
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(current ? { Authorization: `Bearer ${current.token}` } : {}),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { detail: text };
  }
  if (res.status === 401 && current) logout('Your session has ended; log in again.');
  if (!res.ok) throw new ApiError(res.status, data, res.headers.get('Retry-After'));
  return data;
}

function flash(message, kind = 'error') {
  const box = $('#flash');
  box.textContent = message;
  box.className = `flash ${kind}`;
  box.hidden = false;
  clearTimeout(flash.timer);
  flash.timer = setTimeout(() => (box.hidden = true), 6000);
}

function showError(e) {
  if (!(e instanceof ApiError)) return flash(e.message ?? String(e));
  const p = e.problem ?? {};
  const fields = (p.errors ?? []).map((f) => `${f.path}: ${f.message}`).join('; ');
  const wait = e.retryAfter ? ` Try again in ${e.retryAfter} s.` : '';
  flash(`${p.title ?? `HTTP ${e.status}`}: ${p.detail ?? ''}${fields ? ` (${fields})` : ''}${wait}`);
}

/** Runs an action from a button, disabling it meanwhile and reporting problems. */
async function act(button, fn) {
  if (button) button.disabled = true;
  try {
    await fn();
  } catch (e) {
    showError(e);
  } finally {
    if (button) button.disabled = false;
  }
}

// ---- login ----

async function login(username, password) {
  const r = await api('POST', '/api/auth/login', { username, password });
  current = { token: r.accessToken, user: r.user, expiresAt: Date.now() + r.expiresIn * 1000 };
  session.save(current);
  render();
}

function logout(message) {
  $('#flash').hidden = true;
  current = null;
  session.clear();
  stopFollowing();
  render();
  if (message) flash(message, 'info');
}

$('#login-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  act(ev.submitter, () => login(f.get('username'), f.get('password')));
});
$('#demo-users').append(
  ...DEMO_USERS.map((u) =>
    h('button', { class: 'chip', type: 'button', onclick: () => act(null, () => login(u, 'demo-pass')) }, u),
  ),
);
$('#logout').addEventListener('click', () => logout());

// ---- customer: stores, menu, order ----

const cart = { store: null, menu: [], qty: new Map(), idempotencyKey: null };

async function loadStores() {
  const stores = await api('GET', '/api/stores');
  $('#stores').replaceChildren(
    ...stores.map((s) =>
      h(
        'li',
        {
          class: cart.store?.id === s.id ? 'selected clickable' : 'clickable',
          onclick: () => act(null, () => openStore(s)),
        },
        h('strong', {}, s.name),
        s.open ? badge('OPEN') : badge('CLOSED'),
      ),
    ),
  );
}

async function openStore(store) {
  cart.menu = await api('GET', `/api/stores/${store.id}/menu`);
  cart.store = store;
  cart.qty.clear();
  cart.idempotencyKey = null;
  $('#menu-title').textContent = store.name;
  const form = $('#order-form');
  // A drop-off near the store, so riders searching around it find the delivery.
  form.lat.value = (store.location.lat + 0.004).toFixed(4);
  form.lng.value = (store.location.lng + 0.003).toFixed(4);
  form.hidden = false;
  renderMenu();
  loadStores().catch(showError);
}

function renderMenu() {
  $('#menu').replaceChildren(
    ...cart.menu.map((item) => {
      const q = cart.qty.get(item.id) ?? 0;
      const change = (d) => () => {
        cart.qty.set(item.id, Math.max(0, Math.min(99, q + d)));
        cart.idempotencyKey = null; // a different cart is a different order
        renderMenu();
      };
      return h(
        'li',
        {},
        h('span', { class: 'grow' }, item.name, h('span', { class: 'muted' }, ` ${won(item.unitPrice)}`)),
        h(
          'button',
          { class: 'step', type: 'button', onclick: change(-1), disabled: q === 0, 'aria-label': 'less' },
          '−',
        ),
        h('span', { class: 'qty' }, String(q)),
        h('button', { class: 'step', type: 'button', onclick: change(1), 'aria-label': 'more' }, '+'),
      );
    }),
  );
  const total = cart.menu.reduce((sum, i) => sum + i.unitPrice * (cart.qty.get(i.id) ?? 0), 0);
  $('#cart-total').textContent = won(total);
  $('#place-order').disabled = total === 0;
}

$('#order-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const f = ev.target;
  const items = [...cart.qty].filter(([, q]) => q > 0).map(([menuItemId, quantity]) => ({ menuItemId, quantity }));
  // The same key on a retry of the same cart: the server charges once.
  cart.idempotencyKey ??= crypto.randomUUID();
  act(ev.submitter, async () => {
    const order = await api(
      'POST',
      '/api/orders',
      {
        storeId: cart.store.id,
        items,
        deliveryAddress: { line: f.line.value, lat: Number(f.lat.value), lng: Number(f.lng.value) },
      },
      { 'Idempotency-Key': cart.idempotencyKey },
    );
    cart.qty.clear();
    cart.idempotencyKey = null;
    renderMenu();
    flash(`Order ${shortId(order.id)} paid: ${won(order.totalAmount)}.`, 'ok');
    follow(order.id);
  });
});

// ---- customer: follow an order live (SSE over fetch, so the token can be sent) ----

let following = null;

function stopFollowing() {
  following?.abort();
  following = null;
}

function follow(orderId) {
  stopFollowing();
  const ctrl = new AbortController();
  following = ctrl;
  $('#tracker').replaceChildren(h('p', { class: 'muted' }, `Waiting for order ${shortId(orderId)}…`));
  streamView(orderId, ctrl.signal, renderView).catch((e) => {
    if (!ctrl.signal.aborted) showError(e);
  });
}

/** Reads text/event-stream with a ReadableStream reader; reconnects until the order is final. */
async function streamView(orderId, signal, onView) {
  let last = null;
  for (let attempt = 0; !signal.aborted; attempt++) {
    try {
      const res = await fetch(`/api/order-status/${orderId}/stream`, {
        headers: { Accept: 'text/event-stream', Authorization: `Bearer ${current.token}` },
        signal,
      });
      if (res.status === 404 && attempt < 20) {
        await sleep(500); // the read model may not have seen the order yet
        continue;
      }
      if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null), res.headers.get('Retry-After'));
      attempt = 0;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        const events = buffer.split(/\r?\n\r?\n/);
        buffer = events.pop();
        for (const raw of events) {
          const data = raw
            .split(/\r?\n/)
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).replace(/^ /, ''))
            .join('\n');
          if (data) onView((last = JSON.parse(data)));
        }
      }
    } catch (e) {
      if (signal.aborted) return;
      if (e instanceof ApiError && e.status !== 503) throw e;
    }
    if (last && TERMINAL.includes(last.status)) return;
    await sleep(2000);
  }
}

let lastView = null;
function renderView(view) {
  lastView = view;
  const at = new Map(view.history.map((e) => [e.status, e.at]));
  const exit = TERMINAL.includes(view.status) && view.status !== 'COMPLETED';
  const reached = STEPS.indexOf(view.status);
  const parts = [
    h(
      'div',
      { class: 'row between' },
      h('strong', {}, `${view.storeName} · ${won(view.totalAmount)}`),
      h('span', { class: 'muted small' }, `#${shortId(view.orderId)}`),
    ),
    h(
      'ol',
      { class: 'steps' },
      STEPS.map((s, i) =>
        h(
          'li',
          { class: at.has(s) || i <= reached ? 'done' : '' },
          h('span', {}, s.replace('_', ' ').toLowerCase()),
          at.has(s) ? h('time', {}, time(at.get(s))) : null,
        ),
      ),
    ),
    exit ? h('p', { class: 'exit' }, badge(view.status), ` at ${time(at.get(view.status) ?? view.updatedAt)}`) : null,
    view.riderId ? h('p', { class: 'muted small' }, `Rider ${shortId(view.riderId)}`) : null,
  ];
  $('#tracker').replaceChildren(...parts.filter(Boolean));
  $('#cancel-order').hidden = !['PAID', 'ACCEPTED'].includes(view.status);
  $('#confirm-order').hidden = !['PICKED_UP', 'DELIVERED'].includes(view.status);
  loadCustomerLists().catch(showError);
}

$('#cancel-order').addEventListener('click', (ev) =>
  act(ev.target, () => api('POST', `/api/orders/${lastView.orderId}/cancel`)),
);
$('#confirm-order').addEventListener('click', (ev) =>
  act(ev.target, () => api('POST', `/api/orders/${lastView.orderId}/confirm`)),
);

async function loadCustomerLists() {
  const [orders, notes] = await Promise.all([api('GET', '/api/order-status'), api('GET', '/api/notifications')]);
  $('#my-orders').replaceChildren(
    ...orders
      .slice(0, 8)
      .map((o) =>
        h(
          'li',
          { class: 'clickable', onclick: () => follow(o.orderId) },
          h('span', { class: 'grow' }, `${o.storeName} · ${won(o.totalAmount)}`),
          badge(o.status),
        ),
      ),
  );
  $('#notifications').replaceChildren(
    ...notes
      .slice(-8)
      .reverse()
      .map((n) =>
        h('li', {}, h('span', { class: 'grow' }, n.message), h('time', { class: 'muted small' }, time(n.sentAt))),
      ),
  );
}

// ---- owner: store inbox ----

const NEXT = {
  PAID: [
    ['Accept', 'accept'],
    ['Reject', 'reject'],
  ],
  ACCEPTED: [['Start cooking', 'start-cooking']],
  COOKING: [['Finish cooking', 'finish-cooking']],
};

async function loadInbox() {
  const status = $('#inbox-status').value;
  const orders = await api('GET', `/api/store/orders${status ? `?status=${status}` : ''}`);
  $('#inbox').replaceChildren(
    ...orders.map((o) =>
      h(
        'tr',
        {},
        h('td', {}, h('code', {}, shortId(o.orderId)), h('div', { class: 'muted small' }, time(o.createdAt))),
        h('td', {}, o.items.map((i) => `${i.quantity}× ${i.name}`).join(', ')),
        h('td', {}, won(o.totalAmount)),
        h('td', {}, badge(o.status)),
        h(
          'td',
          {},
          h(
            'div',
            { class: 'actions' },
            (NEXT[o.status] ?? []).map(([label, action]) =>
              h(
                'button',
                {
                  class: action === 'reject' ? 'danger' : '',
                  onclick: (ev) => act(ev.target, () => transition(o.orderId, action)),
                },
                label,
              ),
            ),
          ),
        ),
      ),
    ),
  );
  if (orders.length === 0) $('#inbox').append(h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No orders.')));
}

async function transition(orderId, action) {
  let body;
  if (action === 'reject') {
    const reason = window.prompt('Why reject this order?', 'Sold out');
    if (!reason) return;
    body = { reason };
  }
  await api('POST', `/api/store/orders/${orderId}/${action}`, body);
  await loadInbox();
}
$('#inbox-status').addEventListener('change', () => loadInbox().catch(showError));

// ---- rider ----

async function loadDeliveries() {
  const f = $('#rider-form');
  const q = new URLSearchParams({ lat: f.lat.value, lng: f.lng.value, radiusKm: f.radiusKm.value || '3' });
  const [nearby, mine] = await Promise.all([api('GET', `/api/deliveries?${q}`), api('GET', '/api/deliveries/mine')]);
  const where = (d) =>
    `${d.pickup.lat.toFixed(3)},${d.pickup.lng.toFixed(3)} → ${d.dropoff.lat.toFixed(3)},${d.dropoff.lng.toFixed(3)}`;
  $('#nearby').replaceChildren(
    ...nearby.map((d) =>
      h(
        'li',
        {},
        h(
          'span',
          { class: 'grow' },
          h('code', {}, shortId(d.orderId)),
          ` ${d.distanceKm?.toFixed(1) ?? '?'} km`,
          h('div', { class: 'muted small' }, where(d)),
        ),
        h(
          'button',
          {
            onclick: (ev) =>
              act(ev.target, async () => (await api('POST', `/api/deliveries/${d.id}/pick`), loadDeliveries())),
          },
          'Pick',
        ),
      ),
    ),
  );
  if (nearby.length === 0) $('#nearby').append(h('li', { class: 'muted' }, 'Nothing ready nearby.'));
  $('#mine').replaceChildren(
    ...mine.map((d) =>
      h(
        'li',
        {},
        h('span', { class: 'grow' }, h('code', {}, shortId(d.orderId)), h('div', { class: 'muted small' }, where(d))),
        badge(d.status),
        d.status === 'PICKED_UP'
          ? h(
              'button',
              {
                onclick: (ev) =>
                  act(ev.target, async () => (await api('POST', `/api/deliveries/${d.id}/deliver`), loadDeliveries())),
              },
              'Delivered',
            )
          : null,
      ),
    ),
  );
}
$('#rider-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  act(ev.submitter, loadDeliveries);
});

// ---- admin ----

async function loadPayments() {
  const payments = await api('GET', '/api/payments');
  $('#payments').replaceChildren(
    ...payments.map((p) =>
      h(
        'li',
        {},
        h('span', { class: 'grow' }, h('code', {}, shortId(p.orderId)), ` ${won(p.amount)}`),
        badge(p.status),
      ),
    ),
  );
}
$('#faults-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const f = ev.target;
  act(ev.submitter, async () => {
    const r = await api('PUT', '/api/admin/faults/payment', {
      delayMs: Number(f.delayMs.value),
      failureRate: Number(f.failureRate.value),
    });
    flash(`Payment gateway: delay ${r.delayMs} ms, failure rate ${r.failureRate}.`, 'ok');
  });
});

// ---- views ----

let poller = null;
function poll(fn, ms) {
  clearInterval(poller);
  fn().catch(showError);
  poller = setInterval(() => fn().catch(() => undefined), ms);
}

function render() {
  const role = current?.user.role;
  $('#login-view').hidden = !!current;
  for (const r of ['customer', 'owner', 'rider', 'admin']) $(`#${r}-view`).hidden = role !== r;
  $('#logout').hidden = !current;
  $('#who').textContent = current ? `${current.user.username} · ${role}` : '';
  clearInterval(poller);
  if (role === 'customer') {
    loadStores().catch(showError);
    loadCustomerLists().catch(showError);
  } else if (role === 'owner') poll(loadInbox, 5000);
  else if (role === 'rider') poll(loadDeliveries, 5000);
  else if (role === 'admin') loadPayments().catch(showError);
}

render();
