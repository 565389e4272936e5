import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '@baedal/platform';
import { loginEnabled, readConfig } from './config.ts';

const env = {
  SERVICE_NAME: 'edge',
  APP_PORT: '8080',
  JWT_SECRET: 'unit-test-jwt-secret-of-at-least-32-chars',
  JWT_ISSUER: 'baedal-test',
  JWT_AUDIENCE: 'baedal',
  UPSTREAM_ORDER: 'http://127.0.0.1:3101',
  UPSTREAM_PAYMENT: 'http://127.0.0.1:3102/',
  UPSTREAM_STORE: 'http://127.0.0.1:3103',
  UPSTREAM_DELIVERY: 'http://127.0.0.1:3104',
  UPSTREAM_CUSTOMER: 'http://customer.baedal.svc:3105',
};

describe('readConfig', () => {
  it('when every upstream is set, then they are read without a trailing slash', () => {
    const c = readConfig(env);
    expect(c.upstreams).toEqual({
      order: 'http://127.0.0.1:3101',
      payment: 'http://127.0.0.1:3102',
      store: 'http://127.0.0.1:3103',
      delivery: 'http://127.0.0.1:3104',
      customer: 'http://customer.baedal.svc:3105',
    });
    expect(c.db).toBeNull();
  });

  it('when LOGIN_ENABLED is unset, then login follows the accounts: on with some, off with none', () => {
    expect(readConfig(env).login).toBe('auto');
    expect(loginEnabled(readConfig(env), 6)).toBe(true);
    expect(loginEnabled(readConfig(env), 0)).toBe(false);
  });

  it('when LOGIN_ENABLED is false, or only a JWKS URL is configured, then login is off', () => {
    expect(loginEnabled(readConfig({ ...env, LOGIN_ENABLED: 'false' }), 6)).toBe(false);
    const jwks = { ...env, JWT_SECRET: undefined, JWT_JWKS_URL: 'https://idp.example/jwks.json' };
    expect(loginEnabled(readConfig(jwks), 6)).toBe(false);
  });

  it('when LOGIN_ENABLED is true but there are no accounts or no secret, then start-up fails', () => {
    expect(loginEnabled(readConfig({ ...env, LOGIN_ENABLED: 'true' }), 6)).toBe(true);
    expect(() => loginEnabled(readConfig({ ...env, LOGIN_ENABLED: 'true' }), 0)).toThrow(/no accounts/);
    const jwks = {
      ...env,
      LOGIN_ENABLED: 'true',
      JWT_SECRET: undefined,
      JWT_JWKS_URL: 'https://idp.example/jwks.json',
    };
    expect(() => loginEnabled(readConfig(jwks), 6)).toThrow(/JWT_SECRET/);
  });

  it('when the login limit is set, then it is read; nonsense stops the start', () => {
    expect(readConfig(env).loginLimit).toEqual({ attempts: 10, windowSeconds: 900 });
    const c = readConfig({ ...env, LOGIN_ATTEMPTS_PER_USERNAME: '3', LOGIN_ATTEMPTS_WINDOW_SECONDS: '60' });
    expect(c.loginLimit).toEqual({ attempts: 3, windowSeconds: 60 });
    expect(() => readConfig({ ...env, LOGIN_ATTEMPTS_PER_USERNAME: 'many' })).toThrow(ConfigError);
    expect(() => readConfig({ ...env, LOGIN_ATTEMPTS_WINDOW_SECONDS: '0' })).toThrow(ConfigError);
  });

  it('when an upstream is missing or not an http URL, then start-up fails', () => {
    expect(() => readConfig({ ...env, UPSTREAM_ORDER: undefined })).toThrow(ConfigError);
    expect(() => readConfig({ ...env, UPSTREAM_STORE: 'ftp://127.0.0.1:3103' })).toThrow(ConfigError);
    expect(() => readConfig({ ...env, UPSTREAM_STORE: 'http://127.0.0.1:3103/store' })).toThrow(ConfigError);
  });
});
