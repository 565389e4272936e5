/** The admin: the payment gateway's fault switch (only where fault injection is on) and all payments. */
import type { FaultsResponse, PaymentResponse } from '@baedal/platform/contracts/api';
import { api } from '../api.ts';
import { $, badge, field, h, shortId, won } from '../dom.ts';
import { act, flash, submitterOf } from '../flash.ts';

export async function loadPayments(): Promise<void> {
  const payments = await api<PaymentResponse[]>('GET', '/api/payments');
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

export function mountAdmin(): void {
  const form = $<HTMLFormElement>('#faults-form');
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void act(submitterOf(ev), async () => {
      const r = await api<FaultsResponse>('PUT', '/api/admin/faults/payment', {
        delayMs: Number(field(form, 'delayMs').value),
        failureRate: Number(field(form, 'failureRate').value),
      });
      flash(`Payment gateway: delay ${r.delayMs} ms, failure rate ${r.failureRate}.`, 'ok');
    });
  });
}
