/**
 * The sidecar the stack runs survives an invocation cut short while the
 * called app's answer is still streaming to the caller: a resiliency timeout
 * that fires mid-body (or a caller that hangs up then) made daprd 1.18.0 write
 * into a response its handler had already returned, and the whole sidecar
 * exited on a nil pointer (dapr/dapr#10371; tools/daprd/patches holds the
 * upstream fix). The order service's sidecar died that way once in a bench run,
 * taking every call to payment with it.
 *
 * One daprd of the stack's build, on ports of its own beside the running stack,
 * invokes its own app under a 100 ms timeout policy for that app. The app
 * answers 32 MiB as fast as it can, and the caller reads nothing for 400 ms:
 * when the timeout fires, the sidecar is in the middle of writing that answer
 * out. Without the fix the sidecar is gone after the first call.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { daprdBinary } from '../../tools/stack/env-instance.ts';

const APP_ID = 'streamer';
const TIMEOUT = '100ms';
const CHUNK = Buffer.alloc(16 * 1024, 'a');
const ANSWER_BYTES = 32 * 1024 * 1024;
const CALLER_WAITS_MS = 400;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let dir: string;
let app: http.Server;
let daprd: ChildProcess;
let daprdExit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
let daprdLog = '';
let daprHttp: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sidecar-invoke-timeout-'));
  fs.mkdirSync(path.join(dir, 'resources'));
  fs.writeFileSync(
    path.join(dir, 'resources', 'resiliency.yaml'),
    [
      'apiVersion: dapr.io/v1alpha1',
      'kind: Resiliency',
      'metadata:',
      '  name: stream-timeout',
      'spec:',
      '  policies:',
      '    timeouts:',
      `      fast: ${TIMEOUT}`,
      '  targets:',
      '    apps:',
      `      ${APP_ID}:`,
      '        timeout: fast',
      '',
    ].join('\n'),
  );
  // Name resolution as the stack's sidecars do it (components/config.yaml), in a file of its own.
  fs.writeFileSync(
    path.join(dir, 'config.yaml'),
    [
      'apiVersion: dapr.io/v1alpha1',
      'kind: Configuration',
      'metadata:',
      '  name: stream-timeout',
      'spec:',
      '  nameResolution:',
      '    component: sqlite',
      '    configuration:',
      `      connectionString: ${path.join(dir, 'nameresolution.db')}`,
      "      cleanupInterval: '0'",
      '',
    ].join('\n'),
  );
  // A large answer, written as fast as the reader takes it.
  app = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    let sent = 0;
    const pump = () => {
      while (sent < ANSWER_BYTES) {
        sent += CHUNK.length;
        if (!res.write(CHUNK)) return void res.once('drain', pump);
      }
      res.end();
    };
    res.on('close', () => (sent = ANSWER_BYTES));
    pump();
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  const appPort = (app.address() as net.AddressInfo).port;
  const [httpPort, grpcPort, internalPort, metricsPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  daprHttp = `http://127.0.0.1:${httpPort}`;
  // prettier-ignore
  daprd = spawn(daprdBinary(), [
    '--mode', 'standalone',
    '--app-id', APP_ID,
    '--app-port', String(appPort),
    '--app-channel-address', '127.0.0.1',
    '--dapr-http-port', String(httpPort),
    '--dapr-grpc-port', String(grpcPort),
    '--dapr-internal-grpc-port', String(internalPort),
    '--dapr-listen-addresses', '127.0.0.1',
    '--metrics-port', String(metricsPort),
    '--metrics-listen-address', '127.0.0.1',
    '--resources-path', path.join(dir, 'resources'),
    '--config', path.join(dir, 'config.yaml'),
    '--log-level', 'warn',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  daprd.stdout?.on('data', (b: Buffer) => (daprdLog += b.toString()));
  daprd.stderr?.on('data', (b: Buffer) => (daprdLog += b.toString()));
  daprd.on('exit', (code, signal) => (daprdExit = { code, signal }));
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`${daprHttp}/v1.0/healthz/outbound`).then(
      (r) => r.status === 204,
      () => false,
    );
    if (ok) return;
    if (daprdExit) break;
    await sleep(100);
  }
  throw new Error(`daprd did not start:\n${daprdLog}`);
}, 20_000);

afterAll(async () => {
  daprd?.kill('SIGKILL');
  await new Promise((resolve) => app?.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

/** One invocation whose caller reads nothing for a while: its status and how many bytes came. */
function invokeReadingLate(): Promise<{ status: number | undefined; bytes: number }> {
  return new Promise((resolve) => {
    const req = http.get(`${daprHttp}/v1.0/invoke/${APP_ID}/method/large`, (res) => {
      res.pause();
      let bytes = 0;
      const done = () => resolve({ status: res.statusCode, bytes });
      setTimeout(() => {
        res.on('data', (b: Buffer) => (bytes += b.length));
        res.on('end', done);
        res.on('close', done);
        res.resume();
      }, CALLER_WAITS_MS);
    });
    // The sidecar breaks the answer off at the timeout; a broken chunk is an error here.
    req.on('error', () => resolve({ status: undefined, bytes: 0 }));
  });
}

describe('a sidecar whose invocation times out while it writes the answer out', () => {
  it('breaks the answer off and keeps running', async () => {
    for (let call = 0; call < 3; call++) {
      const answer = await invokeReadingLate();
      expect(answer.bytes).toBeLessThan(ANSWER_BYTES);
      await sleep(200);
      expect({ daprdExit, panic: /panic:/.test(daprdLog) }).toEqual({ daprdExit: undefined, panic: false });
    }
    expect((await fetch(`${daprHttp}/v1.0/healthz`)).status).toBe(204);
  }, 20_000);
});
