/**
 * Binding a process to one stack instance, for a program that drives an
 * instance other than the one its environment names (the bench, on its own
 * state folder and ports beside the default stack).
 *
 * paths.ts and topology.ts read the instance (BAEDAL_STACK_DIR,
 * BAEDAL_PORT_OFFSET) once, when they load, and every stack module builds on
 * what they read. So this sets both before the first stack module loads, and
 * then checks that they took: had a stack module been loaded already (a static
 * import somewhere), the process would be bound to another instance, perhaps
 * the default one, whose data the caller may be about to wipe. The caller
 * imports the stack modules after this, with import(). One instance per
 * process; a second instance takes a second process. The broker is chosen
 * when the instance is brought up (processes.ts `stackUp({ broker })`).
 */
import path from 'node:path';

export interface StackInstance {
  /** The state folder, relative to the repository root or absolute. */
  stateDir: string;
  /** Added to every port (topology.ts); 0 is the default stack's. */
  portOffset: number;
}

export async function bindStackInstance(instance: StackInstance): Promise<void> {
  process.env.BAEDAL_STACK_DIR = instance.stateDir;
  process.env.BAEDAL_PORT_OFFSET = String(instance.portOffset);
  // Either would set the entry port outright, whatever the offset.
  delete process.env.GATEWAY_PORT;
  delete process.env.PORT;
  const [paths, topology] = await Promise.all([import('./paths.ts'), import('./topology.ts')]);
  const bound =
    paths.stackDir === path.resolve(paths.repoRoot, instance.stateDir) &&
    topology.portOffset === instance.portOffset &&
    topology.entryPort === topology.port(8080);
  if (!bound) {
    throw new Error(
      `the stack modules were loaded before bindStackInstance: this process drives ${paths.rel(paths.stackDir)} ` +
        `(port offset ${topology.portOffset}, entry port ${topology.entryPort}), ` +
        `not ${instance.stateDir} (port offset ${instance.portOffset})`,
    );
  }
}
