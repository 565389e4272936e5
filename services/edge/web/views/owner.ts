/** The store owner: the store's inbox, with the next step of each order as a button. */
import type { InboxOrderResponse } from '@baedal/platform/contracts/api';
import type { OrderStatus } from '@baedal/platform/contracts/lifecycle';
import { api } from '../api.ts';
import { $, badge, h, shortId, time, won } from '../dom.ts';
import { act, showError } from '../flash.ts';

/** The owner's commands by the status they apply to (api.md: /api/store/orders/{id}/<action>). */
const nextSteps: Partial<Record<OrderStatus, readonly (readonly [label: string, action: string])[]>> = {
  PAID: [
    ['Accept', 'accept'],
    ['Reject', 'reject'],
  ],
  ACCEPTED: [['Start cooking', 'start-cooking']],
  COOKING: [['Finish cooking', 'finish-cooking']],
};

export async function loadInbox(): Promise<void> {
  const status = $<HTMLSelectElement>('#inbox-status').value;
  const orders = await api<InboxOrderResponse[]>('GET', `/api/store/orders${status ? `?status=${status}` : ''}`);
  const rows = orders.map((o) =>
    h(
      'tr',
      { 'data-order': o.orderId },
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
          (nextSteps[o.status] ?? []).map(([label, action]) =>
            h(
              'button',
              {
                type: 'button',
                class: action === 'reject' ? 'danger' : '',
                'aria-label': `${label} order ${shortId(o.orderId)}`,
                onclick: (ev) => void act(ev.currentTarget as HTMLButtonElement, () => step(o.orderId, action)),
              },
              label,
            ),
          ),
        ),
      ),
    ),
  );
  $('#inbox').replaceChildren(
    ...(rows.length ? rows : [h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No orders.'))]),
  );
}

async function step(orderId: string, action: string): Promise<void> {
  let body: { reason: string } | undefined;
  if (action === 'reject') {
    const reason = window.prompt('Why reject this order?', 'Sold out');
    if (!reason) return;
    body = { reason };
  }
  await api('POST', `/api/store/orders/${orderId}/${action}`, body);
  await loadInbox();
}

export function mountOwner(): void {
  $('#inbox-status').addEventListener('change', () => loadInbox().catch(showError));
}
