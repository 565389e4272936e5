/** TLS to MySQL: what mysql2 is given for each DB_TLS setting, and how the settings are read. */
import { describe, expect, it } from '@jest/globals';
import { ConfigError, readCommonConfig } from './config.ts';
import { mysqlDriverOptions, mysqlTlsOptions, waitForDatabase } from './db.ts';

const env = {
  SERVICE_NAME: 'order',
  APP_PORT: '0',
  JWT_SECRET: 'unit-test-jwt-secret-of-at-least-32-chars',
  JWT_ISSUER: 'baedal-test',
  JWT_AUDIENCE: 'baedal',
  DB_NAME: 'baedal_order',
  DB_USER: 'order',
  DB_PASSWORD: 'x',
};

describe('mysqlTlsOptions', () => {
  it('when TLS is off, then mysql2 gets no ssl option (plain TCP)', () => {
    expect(mysqlTlsOptions(null)).toBeUndefined();
    expect(readCommonConfig(env, { needsDb: true }).db.tls).toBeNull();
  });

  it("when TLS is on without a CA file, then the server's certificate is verified against Node's CAs", () => {
    const c = readCommonConfig({ ...env, DB_TLS: 'true' }, { needsDb: true });
    expect(mysqlTlsOptions(c.db.tls)).toEqual({ rejectUnauthorized: true, verifyIdentity: true });
  });

  it('when TLS is on with a CA file, then that CA is read once and verification stays on', () => {
    const c = readCommonConfig(
      { ...env, DB_TLS: 'true', DB_TLS_CA_FILE: '/etc/baedal/db-ca/ca.crt' },
      { needsDb: true },
    );
    const read: string[] = [];
    const opts = mysqlTlsOptions(c.db.tls, (p) => {
      read.push(p);
      return '-----BEGIN CERTIFICATE-----\n…';
    });
    expect(opts).toEqual({ rejectUnauthorized: true, verifyIdentity: true, ca: '-----BEGIN CERTIFICATE-----\n…' });
    expect(read).toEqual(['/etc/baedal/db-ca/ca.crt']);
  });

  it('when the CA file does not exist, then the start fails', () => {
    expect(() => mysqlTlsOptions({ caFile: '/nonexistent/ca.crt' })).toThrow(/ENOENT/);
  });

  it('when a CA file is given without DB_TLS, then the start fails rather than connect in clear', () => {
    expect(() => readCommonConfig({ ...env, DB_TLS_CA_FILE: '/ca.crt' }, { needsDb: true })).toThrow(ConfigError);
  });
});

describe('mysqlDriverOptions', () => {
  it("when a pool connects, then its prepared-statement cache is small (mysql2's default index takes 512 KB a connection)", () => {
    const opts = mysqlDriverOptions(null);
    expect(opts.maxPreparedStatements).toBeGreaterThan(0);
    expect(opts.maxPreparedStatements).toBeLessThanOrEqual(64);
    expect(opts).not.toHaveProperty('ssl');
  });

  it('when TLS is on, then the TLS options ride along', () => {
    expect(mysqlDriverOptions({ caFile: undefined })).toMatchObject({
      ssl: { rejectUnauthorized: true, verifyIdentity: true },
    });
  });
});

describe('waitForDatabase', () => {
  /** A clock that only the fake sleep moves, and a log of the pauses. */
  function fakeTime() {
    let t = 0;
    const pauses: number[] = [];
    return {
      pauses,
      now: () => t,
      sleep: async (ms: number) => {
        pauses.push(ms);
        t += ms;
      },
    };
  }
  const logger = { warn: () => undefined };
  const refused = () => Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:3306'), { code: 'ECONNREFUSED' });
  /** A ping that fails with these errors in turn, then answers. */
  const pingFailing =
    (...errors: Error[]) =>
    async () => {
      const e = errors.shift();
      if (e) throw e;
    };

  it('when the database answers at the third try, then it returns after two growing pauses', async () => {
    const time = fakeTime();
    await waitForDatabase(pingFailing(refused(), refused()), { logger, where: 'db:3306', waitS: 120, ...time });
    expect(time.pauses).toEqual([250, 500]);
  });

  it('when the database name is not in DNS yet, then it tries again', async () => {
    const time = fakeTime();
    const notFound = Object.assign(new Error('getaddrinfo ENOTFOUND db'), { code: 'ENOTFOUND' });
    await waitForDatabase(pingFailing(notFound), { logger, where: 'db:3306', waitS: 120, ...time });
    expect(time.pauses).toEqual([250]);
  });

  it('when the database never answers, then the last error ends it after waitS, pauses capped at 5 s', async () => {
    const time = fakeTime();
    await expect(
      waitForDatabase(
        async () => {
          throw refused();
        },
        { logger, where: 'db:3306', waitS: 30, ...time },
      ),
    ).rejects.toThrow('ECONNREFUSED');
    expect(time.now()).toBeGreaterThanOrEqual(30_000);
    expect(Math.max(...time.pauses)).toBe(5000);
  });

  it('when the certificate or the password is refused, then it ends at once without a pause', async () => {
    const time = fakeTime();
    const badCert = Object.assign(new Error('self-signed certificate'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    const badPassword = Object.assign(new Error('Access denied'), { code: 'ER_ACCESS_DENIED_ERROR' });
    for (const e of [badCert, badPassword]) {
      await expect(waitForDatabase(pingFailing(e), { logger, where: 'db:3306', waitS: 120, ...time })).rejects.toBe(e);
    }
    expect(time.pauses).toEqual([]);
  });

  it('when the database answers at once, then it does not pause', async () => {
    const time = fakeTime();
    await waitForDatabase(pingFailing(), { logger, where: 'db:3306', waitS: 120, ...time });
    expect(time.pauses).toEqual([]);
  });
});
