/** DOM helpers: elements are built, never parsed from HTML, so no text can inject markup. */
import type { OrderStatus } from '@baedal/platform/contracts/lifecycle';

type Child = Node | string | null | undefined | false | readonly Child[];
type Attrs = Record<string, string | number | boolean | undefined | ((ev: Event) => void)>;

export function $<T extends HTMLElement = HTMLElement>(selector: string): T {
  const node = document.querySelector<T>(selector);
  if (!node) throw new Error(`the page has no ${selector}`);
  return node;
}

/** Builds an element; `on*` attributes become listeners, children are nodes or text. */
export function h(tag: string, attrs: Attrs = {}, ...children: Child[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (v !== false && v !== undefined) node.setAttribute(k, v === true ? '' : String(v));
  }
  const flat = (c: Child): (Node | string)[] =>
    Array.isArray(c) ? c.flatMap(flat) : c === null || c === undefined || c === false ? [] : [c as Node | string];
  node.append(...children.flatMap(flat));
  return node;
}

export const statusLabel = (status: string): string => status.replace('_', ' ').toLowerCase();
export const badge = (status: OrderStatus | string): HTMLElement =>
  h('span', { class: `badge s-${status.toLowerCase()}` }, statusLabel(status));
/** Korean won; the view has no amount until it has seen the order placed. */
export const won = (n: number | null): string => (n === null ? '₩…' : `₩${new Intl.NumberFormat('ko-KR').format(n)}`);
export const shortId = (id: string): string => id.slice(0, 8);
export const time = (iso: string): string =>
  new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The value of a named control of a form. */
export function field(form: HTMLFormElement, name: string): HTMLInputElement {
  const el = form.elements.namedItem(name);
  if (!(el instanceof HTMLInputElement)) throw new Error(`the form has no input ${name}`);
  return el;
}
