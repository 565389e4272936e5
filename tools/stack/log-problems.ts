/**
 * The warnings and errors a stack's processes logged since a moment: what a
 * test step prints when it fails, so a failure on a machine whose state
 * folders are gone (CI) still says which process refused what.
 *
 *   node tools/stack/log-problems.ts <since epoch ms> <state folder>
 *
 * A log line counts when a process wrote it at warn or above (a sidecar's
 * "App entered un-healthy status" is a warning), daprd's start-up notices
 * aside. At most the last LINES_PER_LOG lines of each log, each cut at
 * LINE_CHARS: the failure's own message stays in sight above them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { rel, stackPaths } from './paths.ts';

const LINES_PER_LOG = 5;
const LINE_CHARS = 400;
const PROBLEM = /"level":"(warn|error|fatal)"|\blevel=(warning|error|fatal)\b/;
/** daprd's warnings at every start of a sidecar without a control plane (tools/stack/daprd.ts). */
const START_UP_NOTICE = /Scheduler disabled|Actor runtime disabled|increasedCardinality/;

/** When a line was written: the apps' `"time":"<ISO>"`, daprd's `time="<ISO>"`; NaN when neither. */
function loggedAt(line: string): number {
  const time = /"time":"([^"]+)"|\btime="([^"]+)"/.exec(line);
  return time ? Date.parse(time[1] ?? time[2] ?? '') : NaN;
}

/** The problem lines of a log written at or after `since` (a line without a time counts). */
export function problemLines(text: string, since: number): string[] {
  return text
    .split('\n')
    .filter((line) => PROBLEM.test(line) && !START_UP_NOTICE.test(line) && !(loggedAt(line) < since));
}

function main(): void {
  const [sinceArg, folder] = process.argv.slice(2);
  const since = Number(sinceArg);
  if (!Number.isFinite(since) || !folder) throw new Error('usage: log-problems.ts <since epoch ms> <state folder>');
  const { logsDir } = stackPaths(folder);
  if (!fs.existsSync(logsDir)) return;
  for (const name of fs.readdirSync(logsDir).sort()) {
    const file = path.join(logsDir, name);
    if (fs.statSync(file).mtimeMs < since) continue;
    const lines = problemLines(fs.readFileSync(file, 'utf8'), since);
    if (lines.length === 0) continue;
    console.log(
      `--- ${rel(file)}: ${lines.length} warnings or errors, the last ${Math.min(lines.length, LINES_PER_LOG)}:`,
    );
    for (const line of lines.slice(-LINES_PER_LOG)) console.log(line.slice(0, LINE_CHARS));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();
