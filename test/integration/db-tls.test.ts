/**
 * The database as a service opens it (platform openDatabase, the order
 * service's entities and migrations), against a throwaway MariaDB beside the
 * stack's that serves TLS with a certificate a test CA signed for `localhost`.
 * Over TLS (DB_TLS, DB_TLS_CA_FILE) the connection must be encrypted when the
 * CA and the host name match, and refused at once when either does not. A
 * service that starts before its database waits for it, then migrates.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createConnection } from 'mysql2/promise';
import { createLogger, readCommonConfig } from '@baedal/platform';
import { openDatabase } from '@baedal/platform/db';
import { DeadLetter } from '@baedal/platform/deadletters';
import { ProcessedEvent } from '@baedal/platform/inbox';
import { OutboxMessage } from '@baedal/platform/outbox';
import { migrations } from '../../services/order/migrations/index.ts';
import { CatalogStore } from '../../services/order/src/entities/catalog.ts';
import { Order, OrderRequest } from '../../services/order/src/entities/order.ts';
import { port } from '../../tools/stack/env-instance.ts';
import { eventually } from './client.ts';

/** Beside the stack's MariaDB (13306 + offset), in the same instance's port range. */
const dbPort = port(13307);
/** Where a database that starts late listens: a forwarder to dbPort, opened during the test. */
const lateDbPort = port(13308);
let dir = '';
let mariadbd: ChildProcess | undefined;

const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

/** A server certificate for `dnsName`, signed by the test CA, written to server-<dnsName>.pem. */
function serverCert(dnsName: string): void {
  fs.writeFileSync(path.join(dir, 'ext.cnf'), `subjectAltName=DNS:${dnsName}\n`);
  openssl(
    ...['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial'],
    ...['-days', '1', '-extfile', 'ext.cnf', '-out', `server-${dnsName}.pem`],
  );
}

/** Makes the server present the certificate for `dnsName` (FLUSH SSL reloads the files). */
async function present(dnsName: string): Promise<void> {
  fs.copyFileSync(path.join(dir, `server-${dnsName}.pem`), path.join(dir, 'server.pem'));
  const c = await createConnection({ host: '127.0.0.1', port: dbPort, user: 'root' });
  await c.query('FLUSH SSL');
  await c.end();
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'baedal-db-tls-'));
  openssl(
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1'],
    ...['-subj', '/CN=baedal test CA'],
  );
  openssl(
    ...['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr'],
    ...['-subj', '/CN=baedal test database'],
  );
  serverCert('localhost');
  serverCert('db.elsewhere.test');
  fs.copyFileSync(path.join(dir, 'server-localhost.pem'), path.join(dir, 'server.pem'));
  const data = path.join(dir, 'data');
  execFileSync('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--skip-test-db'], { stdio: 'pipe' });
  mariadbd = spawn(
    'mariadbd',
    [
      '--no-defaults',
      ...(process.getuid?.() === 0 ? ['--user=root'] : []),
      `--datadir=${data}`,
      `--socket=${path.join(dir, 'sock')}`,
      `--port=${dbPort}`,
      '--bind-address=127.0.0.1',
      // Only this test connects, as root without a password, to a server that lives for the test.
      '--skip-grant-tables',
      `--ssl-ca=${path.join(dir, 'ca.pem')}`,
      `--ssl-cert=${path.join(dir, 'server.pem')}`,
      `--ssl-key=${path.join(dir, 'server.key')}`,
    ],
    { stdio: 'ignore' },
  );
  await eventually(async () => {
    const c = await createConnection({ host: '127.0.0.1', port: dbPort, user: 'root' });
    await c.query('create database if not exists baedal_tls');
    await c.end();
    return true;
  }, 30_000);
}, 60_000);

afterAll(async () => {
  if (mariadbd && mariadbd.exitCode === null) {
    const exited = new Promise((r) => mariadbd!.once('exit', r));
    mariadbd.kill('SIGTERM');
    await exited;
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Opens the database as a service would with these DB_* settings; the TLS version in use, or the refusal. */
async function connect(
  env: Record<string, string>,
  logger = createLogger('db-tls-test', 'silent'),
): Promise<{ tls: string } | { refused: string }> {
  const { db } = readCommonConfig(
    {
      SERVICE_NAME: 'order',
      APP_PORT: '0',
      JWT_SECRET: 'db-tls-test-secret-of-at-least-32-chars',
      JWT_ISSUER: 'baedal-test',
      JWT_AUDIENCE: 'baedal',
      DB_PORT: String(dbPort),
      DB_NAME: 'baedal_tls',
      DB_USER: 'root',
      DB_PASSWORD: '',
      ...env,
    },
    { needsDb: true },
  );
  try {
    const orm = await openDatabase({
      db,
      migrations,
      logger,
      entities: [Order, OrderRequest, CatalogStore, OutboxMessage, ProcessedEvent, DeadLetter],
    });
    try {
      const rows = (await orm.em.fork().getConnection().execute("show session status like 'Ssl_version'")) as {
        Value: string;
      }[];
      return { tls: rows[0]?.Value ?? '' };
    } finally {
      await orm.close();
    }
  } catch (e) {
    return { refused: (e as Error).message.split('\n')[0] ?? '' };
  }
}

describe('MySQL over TLS', () => {
  it('when DB_TLS is on with the CA and the host name on the certificate, then the connection is encrypted', async () => {
    await present('localhost');
    const tls = { DB_TLS: 'true', DB_TLS_CA_FILE: path.join(dir, 'ca.pem') };
    expect(await connect({ DB_HOST: 'localhost', ...tls })).toEqual({ tls: expect.stringMatching(/^TLSv1\.[23]$/) });
    // The same server in clear when TLS is off: the check above is not vacuous.
    expect(await connect({ DB_HOST: 'localhost' })).toEqual({ tls: '' });
  });

  it('when the CA is not given, then the self-signed chain is refused', async () => {
    await present('localhost');
    expect(await connect({ DB_HOST: 'localhost', DB_TLS: 'true' })).toEqual({
      refused: expect.stringContaining('self-signed certificate'),
    });
  });

  it('when the certificate names another host, then the connection is refused', async () => {
    await present('db.elsewhere.test');
    const tls = { DB_TLS: 'true', DB_TLS_CA_FILE: path.join(dir, 'ca.pem') };
    expect(await connect({ DB_HOST: 'localhost', ...tls })).toEqual({
      refused: expect.stringContaining("does not match certificate's altnames"),
    });
  });
});

describe('a service that starts before its database', () => {
  it('when the database starts listening 2 s later, then the service waits, migrates and opens it', async () => {
    const c = await createConnection({ host: '127.0.0.1', port: dbPort, user: 'root' });
    await c.query('drop database if exists baedal_late');
    await c.query('create database baedal_late');
    await c.end();
    const warnings: string[] = [];
    const logger = createLogger('db-late-test', 'warn');
    logger.warn = ((obj: { code?: string }) => void warnings.push(obj.code ?? '')) as typeof logger.warn;
    // Nothing listens on lateDbPort until the forwarder below opens it.
    const opening = connect({ DB_HOST: '127.0.0.1', DB_PORT: String(lateDbPort), DB_NAME: 'baedal_late' }, logger);
    await new Promise((r) => setTimeout(r, 2000));
    const forwarder = net.createServer((client) => {
      const upstream = net.connect(dbPort, '127.0.0.1');
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((r) => forwarder.listen(lateDbPort, '127.0.0.1', r));
    try {
      expect(await opening).toEqual({ tls: '' });
      expect(warnings.length).toBeGreaterThan(0);
      expect(new Set(warnings)).toEqual(new Set(['ECONNREFUSED']));
      const check = await createConnection({ host: '127.0.0.1', port: dbPort, user: 'root', database: 'baedal_late' });
      const [tables] = await check.query("show tables like 'orders'");
      await check.end();
      expect(tables).toHaveLength(1);
    } finally {
      await new Promise((r) => forwarder.close(r));
    }
  }, 30_000);
});
