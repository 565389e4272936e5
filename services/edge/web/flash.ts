/**
 * Messages for the person at the screen: one flash line (role="alert" for
 * problems, role="status" otherwise, so screen readers announce both), and
 * `act`, which runs a button's action with the button disabled meanwhile.
 */
import { describe } from './api.ts';
import { $ } from './dom.ts';

let timer: ReturnType<typeof setTimeout> | undefined;

export function flash(message: string, kind: 'error' | 'ok' | 'info' = 'error'): void {
  const box = $('#flash');
  box.hidden = true; // re-inserted text is announced again, even when it repeats
  box.textContent = message;
  box.className = `flash ${kind}`;
  box.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  box.hidden = false;
  clearTimeout(timer);
  timer = setTimeout(() => (box.hidden = true), 8000);
}

export function hideFlash(): void {
  $('#flash').hidden = true;
}

export function showError(e: unknown): void {
  flash(describe(e));
}

export async function act(button: HTMLButtonElement | null, fn: () => Promise<unknown>): Promise<void> {
  if (button) button.disabled = true;
  try {
    await fn();
  } catch (e) {
    showError(e);
  } finally {
    if (button) button.disabled = false;
  }
}

/** The submit button of a form event (for `act`). */
export function submitterOf(ev: Event): HTMLButtonElement | null {
  const s = (ev as SubmitEvent).submitter;
  return s instanceof HTMLButtonElement ? s : null;
}
