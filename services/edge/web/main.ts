/**
 * The web app's entry: one view per role (customer, store owner, rider,
 * admin) behind a login, against the /api of this origin. The edge bundles
 * this file with esbuild when it starts (services/edge/src/routes/ui.ts).
 */
import { whenSessionEnds } from './api.ts';
import { $ } from './dom.ts';
import { flash, hideFlash, showError } from './flash.ts';
import { session } from './session.ts';
import { mountAdmin, loadPayments } from './views/admin.ts';
import { enterCustomer, mountCustomer, stopFollowing } from './views/customer.ts';
import { mountLogin } from './views/login.ts';
import { loadInbox, mountOwner } from './views/owner.ts';
import { loadDeliveries, mountRider } from './views/rider.ts';

const roles = ['customer', 'owner', 'rider', 'admin'] as const;
let poller: ReturnType<typeof setInterval> | undefined;

/** Runs `load` now and every `ms` (the owner's inbox and the rider's list refresh themselves). */
function poll(load: () => Promise<void>, ms: number): void {
  load().catch(showError);
  poller = setInterval(() => load().catch(() => undefined), ms);
}

function render(): void {
  const current = session.current;
  const role = current?.user.role;
  $('#login-view').hidden = !!current;
  for (const r of roles) $(`#${r}-view`).hidden = role !== r;
  $('#logout').hidden = !current;
  $('#who').textContent = current ? `${current.user.username} · ${role}` : '';
  clearInterval(poller);
  if (role === 'customer') enterCustomer();
  else if (role === 'owner') poll(loadInbox, 3000);
  else if (role === 'rider') poll(loadDeliveries, 3000);
  else if (role === 'admin') loadPayments().catch(showError);
  // Move focus to the new view's heading so keyboard and screen-reader users land in it.
  document.querySelector<HTMLElement>('main section:not([hidden]) h1, main section:not([hidden]) h2')?.focus();
}

function logout(message?: string): void {
  hideFlash();
  session.end();
  stopFollowing();
  render();
  if (message) flash(message, 'info');
}

whenSessionEnds(() => logout('Your session has ended; log in again.'));
$('#logout').addEventListener('click', () => logout());
mountLogin(render);
mountCustomer();
mountOwner();
mountRider();
mountAdmin();
// A token that expires while the page is open sends the user back to the login.
setInterval(() => {
  const s = session.current;
  if (s && s.expiresAt <= Date.now()) logout('Your session has ended; log in again.');
}, 5000);
render();
