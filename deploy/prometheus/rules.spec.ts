/**
 * The alert and recording rules as Prometheus reads them: `promtool check
 * rules` (syntax, PromQL, templates) and `promtool test rules` over the cases
 * of rules.test.yml (some alerts fire on their input series, others must not).
 * promtool comes with the Debian package `prometheus` (tools/setup.sh installs
 * it); without it the checks are skipped, saying so, except under `npm test`
 * (BAEDAL_REQUIRE_PROMTOOL=1, tools/test.sh), where a missing promtool fails.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

function findPromtool(): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() || undefined : undefined;
}

const promtool = findPromtool();
if (!promtool) {
  console.warn(
    'deploy/prometheus/rules.spec.ts: promtool is not installed (Debian package prometheus; `npm run setup` ' +
      'installs it): the alert rules are NOT checked',
  );
}
const withPromtool = promtool ? it : it.skip;
const required = process.env.BAEDAL_REQUIRE_PROMTOOL === '1';

/** promtool's exit status and output (it writes its findings to stdout and stderr). */
function run(...args: string[]): { status: number | null; output: string } {
  const r = spawnSync(promtool ?? 'promtool', args, { cwd: here, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe(`Prometheus rules${promtool ? '' : ' (skipped: promtool not installed)'}`, () => {
  // `npm test` installs promtool (tools/setup.sh): there a skip would hide rules nobody checked.
  (required ? it : it.skip)('promtool is installed', () => {
    expect(promtool).toEqual(expect.stringContaining('promtool'));
  });

  withPromtool('promtool check rules accepts deploy/prometheus/rules.yml', () => {
    const r = run('check', 'rules', 'rules.yml');
    expect({ status: r.status, output: r.output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  withPromtool('promtool test rules passes every case of rules.test.yml', () => {
    const r = run('test', 'rules', 'rules.test.yml');
    expect({ status: r.status, output: r.output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  withPromtool('a case that expects the wrong service to alert fails (the test above is not vacuous)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'baedal-rules-'));
    try {
      const cases = fs
        .readFileSync(path.join(here, 'rules.test.yml'), 'utf8')
        .replace('  - rules.yml', `  - ${path.join(here, 'rules.yml')}`)
        .replace('service: order', 'service: store');
      fs.writeFileSync(path.join(dir, 'wrong.test.yml'), cases);
      const r = spawnSync(promtool ?? 'promtool', ['test', 'rules', 'wrong.test.yml'], { cwd: dir, encoding: 'utf8' });
      expect(r.status).not.toBe(0);
      expect(`${r.stdout}${r.stderr}`).toContain('alertname: OutboxBacklog');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
