/** Log in: the form, and one button per local demo user when the edge runs with demo data. */
import type { LoginResponse } from '@baedal/platform/contracts/api';
import { api } from '../api.ts';
import { $, field, h } from '../dom.ts';
import { act, submitterOf } from '../flash.ts';
import { session } from '../session.ts';

/** Replaced by the edge's bundler: the demo usernames when DEMO_DATA is on, else empty. */
declare const __DEMO_USERS__: readonly string[];
/** The local demo password (packages/platform/src/contracts/demo.ts), replaced by the bundler. */
declare const __DEMO_PASSWORD__: string;

export function mountLogin(onLogin: () => void): void {
  const login = async (username: string, password: string) => {
    session.start(await api<LoginResponse>('POST', '/api/auth/login', { username, password }));
    onLogin();
  };
  const form = $<HTMLFormElement>('#login-form');
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void act(submitterOf(ev), () => login(field(form, 'username').value, field(form, 'password').value));
  });
  $('#demo-hint').hidden = __DEMO_USERS__.length === 0;
  $('#demo-users').append(
    ...__DEMO_USERS__.map((u) =>
      h(
        'button',
        {
          class: 'chip',
          type: 'button',
          'aria-label': `Log in as ${u}`,
          onclick: (ev) => void act(ev.currentTarget as HTMLButtonElement, () => login(u, __DEMO_PASSWORD__)),
        },
        u,
      ),
    ),
  );
}
