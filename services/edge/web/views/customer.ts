/** The customer: pick a store and items, pay, follow the order live, cancel or confirm it. */
import type {
  MenuItemResponse,
  NotificationResponse,
  OrderResponse,
  OrderStatusResponse,
  StoreResponse,
} from '@baedal/platform/contracts/api';
import { allowedTransitions, happyPath, isFinal } from '@baedal/platform/contracts/lifecycle';
import { api } from '../api.ts';
import { $, badge, field, h, shortId, statusLabel, time, won } from '../dom.ts';
import { act, flash, showError, submitterOf } from '../flash.ts';
import { streamView } from '../live.ts';

const cart: {
  store: StoreResponse | null;
  menu: MenuItemResponse[];
  qty: Map<string, number>;
  idempotencyKey: string | null;
} = { store: null, menu: [], qty: new Map(), idempotencyKey: null };
let following: AbortController | null = null;
let lastView: OrderStatusResponse | null = null;

export function stopFollowing(): void {
  following?.abort();
  following = null;
}

async function loadStores(): Promise<void> {
  const stores = await api<StoreResponse[]>('GET', '/api/stores');
  $('#stores').replaceChildren(
    ...stores.map((s) =>
      h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            class: 'row-button',
            'aria-pressed': cart.store?.id === s.id ? 'true' : 'false',
            onclick: () => void act(null, () => openStore(s)),
          },
          h('strong', {}, s.name),
          s.open ? badge('OPEN') : badge('CLOSED'),
        ),
      ),
    ),
  );
}

async function openStore(store: StoreResponse): Promise<void> {
  cart.menu = await api<MenuItemResponse[]>('GET', `/api/stores/${store.id}/menu`);
  cart.store = store;
  cart.qty.clear();
  cart.idempotencyKey = null;
  $('#menu-title').textContent = store.name;
  const form = $<HTMLFormElement>('#order-form');
  // A drop-off near the store, so riders searching around it find the delivery.
  field(form, 'lat').value = (store.location.lat + 0.004).toFixed(4);
  field(form, 'lng').value = (store.location.lng + 0.003).toFixed(4);
  form.hidden = false;
  renderMenu();
  await loadStores();
}

function renderMenu(): void {
  $('#menu').replaceChildren(
    ...cart.menu.map((item) => {
      const q = cart.qty.get(item.id) ?? 0;
      const change = (d: number) => () => {
        cart.qty.set(item.id, Math.max(0, Math.min(99, q + d)));
        cart.idempotencyKey = null; // a different cart is a different order
        renderMenu();
        $<HTMLButtonElement>(`[data-item="${item.id}"][data-step="${d}"]`).focus();
      };
      return h(
        'li',
        {},
        h('span', { class: 'grow' }, item.name, h('span', { class: 'muted' }, ` ${won(item.unitPrice)}`)),
        h(
          'button',
          {
            class: 'step',
            type: 'button',
            'data-item': item.id,
            'data-step': -1,
            onclick: change(-1),
            disabled: q === 0,
            'aria-label': `One ${item.name} less`,
          },
          '−',
        ),
        h('span', { class: 'qty', 'aria-label': `${q} ${item.name}` }, String(q)),
        h(
          'button',
          {
            class: 'step',
            type: 'button',
            'data-item': item.id,
            'data-step': 1,
            onclick: change(1),
            'aria-label': `One ${item.name} more`,
          },
          '+',
        ),
      );
    }),
  );
  const total = cart.menu.reduce((sum, i) => sum + i.unitPrice * (cart.qty.get(i.id) ?? 0), 0);
  $('#cart-total').textContent = won(total);
  $<HTMLButtonElement>('#place-order').disabled = total === 0;
}

function follow(orderId: string): void {
  stopFollowing();
  const ctrl = new AbortController();
  following = ctrl;
  $('#tracker').replaceChildren(h('p', { class: 'muted' }, `Waiting for order ${shortId(orderId)}…`));
  streamView(orderId, ctrl.signal, renderView).catch((e: unknown) => {
    if (!ctrl.signal.aborted) showError(e);
  });
}

function renderView(view: OrderStatusResponse): void {
  const changed = lastView?.orderId !== view.orderId || lastView.status !== view.status;
  lastView = view;
  const at = new Map(view.history.map((e) => [e.status, e.at]));
  const exit = isFinal(view.status) && view.status !== 'COMPLETED';
  const reached = happyPath.indexOf(view.status);
  const exitAt = at.get(view.status) ?? view.updatedAt;
  const parts = [
    h(
      'div',
      { class: 'row between' },
      h('strong', {}, `${view.storeName} · ${won(view.totalAmount)}`),
      h('span', { class: 'muted small' }, `#${shortId(view.orderId)}`),
    ),
    h(
      'ol',
      { class: 'steps', 'aria-label': 'Order progress' },
      happyPath.map((s, i) => {
        const when = at.get(s);
        return h(
          'li',
          { class: when || i <= reached ? 'done' : '', ...(s === view.status ? { 'aria-current': 'step' } : {}) },
          h('span', {}, statusLabel(s)),
          when ? h('time', { datetime: when }, time(when)) : null,
        );
      }),
    ),
    exit ? h('p', { class: 'exit' }, badge(view.status), ` at ${time(exitAt)}`) : null,
    view.riderId ? h('p', { class: 'muted small' }, `Rider ${shortId(view.riderId)}`) : null,
  ];
  $('#tracker').replaceChildren(...parts.filter((p): p is HTMLElement => p !== null));
  // One sentence per change for screen readers (the status region is aria-live).
  if (changed) $('#order-announcer').textContent = `Order ${shortId(view.orderId)}: ${statusLabel(view.status)}.`;
  $('#cancel-order').hidden = !allowedTransitions[view.status].includes('CANCELLED');
  $('#confirm-order').hidden = !allowedTransitions[view.status].includes('COMPLETED');
  loadLists().catch(showError);
}

async function loadLists(): Promise<void> {
  const [orders, notes] = await Promise.all([
    api<OrderStatusResponse[]>('GET', '/api/order-status'),
    api<NotificationResponse[]>('GET', '/api/notifications'),
  ]);
  $('#my-orders').replaceChildren(
    ...orders
      .slice(0, 8)
      .map((o) =>
        h(
          'li',
          {},
          h(
            'button',
            { type: 'button', class: 'row-button', onclick: () => follow(o.orderId) },
            h('span', { class: 'grow' }, `${o.storeName} · ${won(o.totalAmount)}`),
            badge(o.status),
          ),
        ),
      ),
  );
  $('#notifications').replaceChildren(
    ...notes
      .slice(-8)
      .reverse()
      .map((n) =>
        h(
          'li',
          {},
          h('span', { class: 'grow' }, n.message),
          h('time', { class: 'muted small', datetime: n.sentAt }, time(n.sentAt)),
        ),
      ),
  );
}

export function mountCustomer(): void {
  const form = $<HTMLFormElement>('#order-form');
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const store = cart.store;
    if (!store) return;
    const items = [...cart.qty].filter(([, q]) => q > 0).map(([menuItemId, quantity]) => ({ menuItemId, quantity }));
    // The same key on a retry of the same cart: the server charges once.
    const idempotencyKey = (cart.idempotencyKey ??= crypto.randomUUID());
    void act(submitterOf(ev), async () => {
      const order = await api<OrderResponse>(
        'POST',
        '/api/orders',
        {
          storeId: store.id,
          items,
          deliveryAddress: {
            line: field(form, 'line').value,
            lat: Number(field(form, 'lat').value),
            lng: Number(field(form, 'lng').value),
          },
        },
        { 'Idempotency-Key': idempotencyKey },
      );
      cart.qty.clear();
      cart.idempotencyKey = null;
      renderMenu();
      flash(`Order ${shortId(order.id)} paid: ${won(order.totalAmount)}.`, 'ok');
      follow(order.id);
    });
  });
  const onOrder = (action: 'cancel' | 'confirm') => (ev: Event) =>
    void act(ev.currentTarget as HTMLButtonElement, async () => {
      if (lastView) await api('POST', `/api/orders/${lastView.orderId}/${action}`);
    });
  $('#cancel-order').addEventListener('click', onOrder('cancel'));
  $('#confirm-order').addEventListener('click', onOrder('confirm'));
}

export function enterCustomer(): void {
  loadStores().catch(showError);
  loadLists().catch(showError);
}
