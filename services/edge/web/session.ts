/** The signed-in user, kept in sessionStorage (one tab, gone with it). */
import type { LoginResponse } from '@baedal/platform/contracts/api';

export interface Session {
  token: string;
  user: LoginResponse['user'];
  /** Epoch ms when the token expires. */
  expiresAt: number;
}

const key = 'baedal';

function load(): Session | null {
  try {
    const s = JSON.parse(sessionStorage.getItem(key) ?? 'null') as Session | null;
    return s && s.expiresAt > Date.now() ? s : null;
  } catch {
    return null;
  }
}

let current: Session | null = load();

export const session = {
  get current(): Session | null {
    return current;
  },
  start(login: LoginResponse): Session {
    current = { token: login.accessToken, user: login.user, expiresAt: Date.now() + login.expiresIn * 1000 };
    sessionStorage.setItem(key, JSON.stringify(current));
    return current;
  },
  end(): void {
    current = null;
    sessionStorage.removeItem(key);
  },
};
