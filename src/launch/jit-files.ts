/**
 * Files Node leaves behind under --perf-basic-prof: V8 writes /tmp/perf-PID.map as it compiles,
 * and V8 11.3 (Node 20) also an isolate-ADDR-PID-v8.log into the process's cwd. thaw removes
 * those of the processes it started once it has read what it needs from them.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const V8_LOG = /^isolate-0x[0-9a-f]+-(\d+)-v8\.log$/;

/**
 * Removes the perf maps and V8 logs of `pids` (their processes are gone). With `since`, a perf
 * map older than that is left alone: the pid was reused by something thaw did not start.
 */
export function removeJitFiles(pids: Iterable<number>, cwd: string, since = 0): void {
  const ids = new Set(pids);
  if (!ids.size) return;
  for (const pid of ids) {
    const map = `/tmp/perf-${pid}.map`;
    try {
      if (statSync(map).mtimeMs >= since - 1000) rmSync(map, { force: true });
    } catch {
      /* none */
    }
  }
  try {
    for (const f of readdirSync(cwd)) {
      const m = V8_LOG.exec(f);
      if (m && ids.has(Number(m[1]))) rmSync(join(cwd, f), { force: true });
    }
  } catch {
    /* unreadable cwd */
  }
}

/**
 * Pids of the V8 logs in `cwd` written since `since` whose processes are gone: those of a run's
 * short-lived processes that never showed up in its samples.
 */
export function deadLogPids(cwd: string, since: number): number[] {
  const out: number[] = [];
  try {
    for (const f of readdirSync(cwd)) {
      const m = V8_LOG.exec(f);
      if (!m || statSync(join(cwd, f)).mtimeMs < since - 1000) continue;
      try {
        process.kill(Number(m[1]), 0);
      } catch {
        out.push(Number(m[1]));
      }
    }
  } catch {
    /* unreadable cwd */
  }
  return out;
}
