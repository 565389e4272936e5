import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '@baedal/platform';
import { readConfig } from './config.ts';

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
  it('when every upstream is set, then they are read without a trailing slash and login is on', () => {
    const c = readConfig(env);
    expect(c.upstreams).toEqual({
      order: 'http://127.0.0.1:3101',
      payment: 'http://127.0.0.1:3102',
      store: 'http://127.0.0.1:3103',
      delivery: 'http://127.0.0.1:3104',
      customer: 'http://customer.baedal.svc:3105',
    });
    expect(c.loginEnabled).toBe(true);
    expect(c.db).toBeNull();
  });

  it('when LOGIN_ENABLED is false, or only a JWKS URL is configured, then login is off', () => {
    expect(readConfig({ ...env, LOGIN_ENABLED: 'false' }).loginEnabled).toBe(false);
    const jwks = { ...env, JWT_SECRET: undefined, JWT_JWKS_URL: 'https://idp.example/jwks.json' };
    expect(readConfig(jwks).loginEnabled).toBe(false);
  });

  it('when an upstream is missing or not an http URL, then start-up fails', () => {
    expect(() => readConfig({ ...env, UPSTREAM_ORDER: undefined })).toThrow(ConfigError);
    expect(() => readConfig({ ...env, UPSTREAM_STORE: 'ftp://127.0.0.1:3103' })).toThrow(ConfigError);
    expect(() => readConfig({ ...env, UPSTREAM_STORE: 'http://127.0.0.1:3103/store' })).toThrow(ConfigError);
  });
});
