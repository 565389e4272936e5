/**
 * Kafka of a stack brought up with `--broker kafka`: one JVM that is broker and
 * KRaft controller, with its jars from tools/kafka/fetch.sh (Maven Central,
 * cached outside the repo), its configuration rendered from
 * tools/kafka/server.properties into <state dir>/kafka/, and its data under
 * <state dir>/data/kafka (formatted once with kafka.tools.StorageTool).
 */

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import { rel, repoRoot } from './paths.ts';
import type { StackPaths } from './paths.ts';
import { StackError, runToolScript, say, tailLines } from './proc.ts';
import type { ProcSpec } from './proc.ts';
import type { StackTopology } from './topology.ts';

/**
 * Heap of the broker (default 256m; `BAEDAL_KAFKA_HEAP` for the instance the
 * environment names). About 50 MB of it is in use once the stack runs; see
 * tools/kafka/README.md for the whole JVM.
 */
export const defaultKafkaHeap = '256m';

function heapSize(value: string): string {
  if (!/^\d+[kmg]$/i.test(value)) throw new StackError(`the Kafka heap must look like 256m or 1g, not '${value}'`);
  return value;
}

const toolsDir = path.join(repoRoot, 'tools', 'kafka');
/** The `java` to run: $JAVA_HOME/bin/java, else the one on PATH; `tool` (Kafka, Zipkin) names who needs it. */
export function javaBinary(tool = 'Kafka'): string {
  const home = process.env.JAVA_HOME;
  if (home) {
    const java = path.join(home, 'bin', 'java');
    if (fs.existsSync(java)) return java;
  }
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    const java = path.join(dir, 'java');
    try {
      fs.accessSync(java, fs.constants.X_OK);
      return java;
    } catch {
      // keep looking
    }
  }
  throw new StackError(
    `java not found: ${tool} needs Java 17 or newer (Debian: apt-get install openjdk-17-jre-headless); ` +
      `tools/${tool.toLowerCase()}/fetch.sh installs it when it can`,
  );
}

/**
 * The folder of Kafka's jars, from tools/kafka/fetch.sh (instant when cached;
 * otherwise Maven downloads them, and its progress lines are shown).
 */
export function fetchKafka(): Promise<string> {
  return runToolScript(path.join(toolsDir, 'fetch.sh'), repoRoot);
}

function jvmArgs(libs: string, logLevel: string): string[] {
  return [
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${path.join(toolsDir, 'log4j2.properties')}`,
    `-Dbaedal.kafka.logLevel=${logLevel}`,
    '-cp',
    `${libs}/*`,
  ];
}

/** A Kafka cluster id: 16 random bytes, URL-safe base64 without padding (what `kafka-storage random-uuid` prints). */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/**
 * Whether the broker serves requests: an ApiVersions request (api key 18,
 * version 0) over its port answers with error code 0. The broker accepts
 * connections only once it has joined the KRaft quorum and caught up.
 */
export function kafkaPing(port: number): Promise<true | string> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port, timeout: 2_000 });
    const clientId = Buffer.from('baedal-stack');
    const req = Buffer.alloc(4 + 2 + 2 + 4 + 2 + clientId.length);
    let o = req.writeInt32BE(req.length - 4, 0);
    o = req.writeInt16BE(18, o); // ApiVersions
    o = req.writeInt16BE(0, o); // version 0
    o = req.writeInt32BE(0x0bae, o); // correlation id
    o = req.writeInt16BE(clientId.length, o);
    clientId.copy(req, o);
    let answer = Buffer.alloc(0);
    const done = (r: true | string): void => {
      sock.destroy();
      resolve(r);
    };
    sock.once('connect', () => sock.write(req));
    sock.on('data', (chunk: Buffer) => {
      answer = Buffer.concat([answer, chunk]);
      if (answer.length < 10) return;
      if (answer.readInt32BE(4) !== 0x0bae) return done('unexpected answer to ApiVersions');
      const error = answer.readInt16BE(8);
      done(error === 0 ? true : `ApiVersions error code ${error}`);
    });
    sock.once('timeout', () => done('timeout'));
    sock.once('error', (err) => done(err.message));
    sock.once('end', () => done('connection closed'));
  });
}

export type StackKafka = ReturnType<typeof stackKafka>;

/** The Kafka of one instance: its configuration, storage and process; `heap` is -Xmx (256m unless told). */
export function stackKafka(paths: StackPaths, topology: StackTopology, heap = defaultKafkaHeap) {
  const { dataDir, kafkaConfigDir, logFile } = paths;
  const { infra } = topology;
  const heapFlag = `-Xmx${heapSize(heap)}`;

  const kafkaDataDir = path.join(dataDir, 'kafka');
  const kafkaConfigFile = path.join(kafkaConfigDir, 'server.properties');

  /** What identifies the Kafka process in /proc/<pid>/cmdline: its (per-instance) configuration file. */
  const kafkaMarker = kafkaConfigFile;

  /** server.properties of this instance: the template with its ports and data folder. */
  function renderKafkaConfig(logDir = kafkaDataDir): string {
    const template = fs.readFileSync(path.join(toolsDir, 'server.properties'), 'utf8');
    const text = template
      .replaceAll('@BROKER_PORT@', String(infra.kafka.port))
      .replaceAll('@CONTROLLER_PORT@', String(infra.kafka.controllerPort))
      .replaceAll('@LOG_DIR@', logDir);
    const left = /@[A-Z_]+@/.exec(text);
    if (left) throw new StackError(`tools/kafka/server.properties: unknown placeholder ${left[0]}`);
    return `# Rendered by tools/stack/kafka.ts from tools/kafka/server.properties: edit the template.\n${text}`;
  }

  function writeKafkaConfig(): void {
    fs.mkdirSync(kafkaConfigDir, { recursive: true });
    const tmp = `${kafkaConfigFile}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, renderKafkaConfig());
    fs.renameSync(tmp, kafkaConfigFile);
  }

  /**
   * First start: format the KRaft storage (kafka.tools.StorageTool format), into a
   * temp folder that then becomes the data folder, so a failed format leaves none.
   */
  async function formatKafkaStorage(libs: string): Promise<void> {
    if (fs.existsSync(path.join(kafkaDataDir, 'meta.properties'))) return;
    const tmp = `${kafkaDataDir}.init`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(kafkaConfigDir, { recursive: true });
    const config = path.join(kafkaConfigDir, 'format.properties');
    fs.writeFileSync(config, renderKafkaConfig(tmp));
    say(`formatting Kafka storage in ${rel(kafkaDataDir)}`);
    const log = fs.openSync(logFile('kafka'), 'a');
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(
        javaBinary(),
        [...jvmArgs(libs, 'warn'), 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', config],
        { cwd: repoRoot, stdio: ['ignore', log, log], timeout: 120_000 },
      );
      child.once('error', reject);
      child.once('close', resolve);
    }).finally(() => fs.closeSync(log));
    fs.rmSync(config, { force: true });
    if (code !== 0) {
      throw new StackError(
        `kafka.tools.StorageTool format failed (exit ${code}); ` +
          `last lines of ${rel(logFile('kafka'))}:\n${tailLines(logFile('kafka'), 20)}`,
      );
    }
    fs.rmSync(kafkaDataDir, { recursive: true, force: true });
    fs.renameSync(tmp, kafkaDataDir);
  }

  /** Fetch the jars, render the configuration, format the storage once; returns the process to spawn. */
  async function prepareKafka(): Promise<ProcSpec> {
    const libs = await fetchKafka();
    const java = javaBinary();
    writeKafkaConfig();
    await formatKafkaStorage(libs);
    return {
      id: 'kafka',
      command: java,
      args: [
        heapFlag,
        '-Xms32m',
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-XX:+ExitOnOutOfMemoryError',
        ...jvmArgs(libs, 'warn'),
        'kafka.Kafka',
        kafkaConfigFile,
      ],
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? repoRoot, TZ: 'UTC' },
      marker: kafkaMarker,
    };
  }

  return { kafkaDataDir, kafkaMarker, renderKafkaConfig, prepareKafka };
}
