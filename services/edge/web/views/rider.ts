/** The rider: deliveries ready near a point, picking one, and marking it delivered. */
import type { DeliveryResponse, NearbyDeliveryResponse } from '@baedal/platform/contracts/api';
import { api } from '../api.ts';
import { $, badge, field, h, shortId } from '../dom.ts';
import { act, submitterOf } from '../flash.ts';

const where = (d: { pickup: { lat: number; lng: number }; dropoff: { lat: number; lng: number } }) =>
  `${d.pickup.lat.toFixed(3)},${d.pickup.lng.toFixed(3)} → ${d.dropoff.lat.toFixed(3)},${d.dropoff.lng.toFixed(3)}`;

export async function loadDeliveries(): Promise<void> {
  const f = $<HTMLFormElement>('#rider-form');
  const q = new URLSearchParams({
    lat: field(f, 'lat').value,
    lng: field(f, 'lng').value,
    radiusKm: field(f, 'radiusKm').value || '3',
  });
  const [nearby, mine] = await Promise.all([
    api<NearbyDeliveryResponse[]>('GET', `/api/deliveries?${q}`),
    api<DeliveryResponse[]>('GET', '/api/deliveries/mine'),
  ]);
  const command = (label: string, path: string, order: string) =>
    h(
      'button',
      {
        type: 'button',
        'aria-label': `${label} order ${shortId(order)}`,
        onclick: (ev) =>
          void act(ev.currentTarget as HTMLButtonElement, async () => {
            await api('POST', path);
            await loadDeliveries();
          }),
      },
      label,
    );
  $('#nearby').replaceChildren(
    ...(nearby.length
      ? nearby.map((d) =>
          h(
            'li',
            { 'data-order': d.orderId },
            h(
              'span',
              { class: 'grow' },
              h('code', {}, shortId(d.orderId)),
              ` ${d.distanceKm.toFixed(1)} km`,
              h('div', { class: 'muted small' }, where(d)),
            ),
            command('Pick', `/api/deliveries/${d.id}/pick`, d.orderId),
          ),
        )
      : [h('li', { class: 'muted' }, 'Nothing ready nearby.')]),
  );
  $('#mine').replaceChildren(
    ...mine.map((d) =>
      h(
        'li',
        { 'data-order': d.orderId },
        h('span', { class: 'grow' }, h('code', {}, shortId(d.orderId)), h('div', { class: 'muted small' }, where(d))),
        badge(d.status),
        d.status === 'PICKED_UP' ? command('Delivered', `/api/deliveries/${d.id}/deliver`, d.orderId) : null,
      ),
    ),
  );
}

export function mountRider(): void {
  $('#rider-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void act(submitterOf(ev), loadDeliveries);
  });
}
