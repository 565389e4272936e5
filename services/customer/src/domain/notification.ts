/**
 * The customer's KakaoTalk-style messages: one friendly sentence per status,
 * and a notification id derived from the event that caused it, so a resend of
 * the same notification has the same id (and overwrites the same file).
 */
import { createHash } from 'node:crypto';
import type { OrderStatus } from '@baedal/platform/contracts/events';

export interface Notification {
  id: string;
  orderId: string;
  status: OrderStatus;
  message: string;
  sentAt: string;
}

export const messages: Record<OrderStatus, string> = {
  PAID: 'Thanks! Your payment went through and your order is on its way to the store.',
  ACCEPTED: 'Good news: the store accepted your order.',
  COOKING: 'The kitchen has started cooking your food.',
  COOKED: 'Your food is ready and waiting for a rider.',
  PICKED_UP: 'A rider picked up your food and is on the way to you.',
  DELIVERED: 'Your food has arrived. Enjoy your meal, and tap "delivery confirmed" when you have it.',
  COMPLETED: 'Thanks for confirming the delivery. Your order is complete.',
  CANCELLED: 'Your order was cancelled. Your payment will be refunded.',
  REJECTED: 'Sorry, the store could not take your order. Your payment will be refunded.',
};

/** A name-based UUID (version 8 layout, SHA-256) of the event id: same event, same notification id. */
export function notificationId(eventId: string): string {
  const b = createHash('sha256').update(`notification:${eventId}`).digest().subarray(0, 16);
  b.writeUInt8((b.readUInt8(6) & 0x0f) | 0x80, 6);
  b.writeUInt8((b.readUInt8(8) & 0x3f) | 0x80, 8);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
