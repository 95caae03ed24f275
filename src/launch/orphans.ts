/**
 * Processes left behind: those whose command line names a path, or whose working directory is
 * under it. The suite and the fault benchmarks use it to prove that nothing thaw started
 * outlives what started it.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { running } from './spawn.js';

/** Live processes whose command line names `path` or whose working directory is under it, as "PID command". */
export function processesUnder(path: string): string[] {
  return processesWhere((cmd, cwd) => cmd.includes(path) || cwd === path || cwd.startsWith(`${path}/`));
}

/** Live processes (but this one) for which `match(commandLine, cwd)` holds, as "PID command". */
export function processesWhere(match: (cmd: string, cwd: string) => boolean): string[] {
  const found: string[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!(pid > 0) || pid === process.pid || !running(pid)) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        /* gone, or not ours to read */
      }
      if (cmd && match(cmd, cwd)) found.push(`${pid} ${cmd}`);
    } catch {
      /* exited meanwhile */
    }
  }
  return found;
}

/** Wait until no process is under `path` (at most ms); returns those still there. */
export async function settled(path: string, ms = 3000): Promise<string[]> {
  const t0 = Date.now();
  for (;;) {
    const left = processesUnder(path);
    if (!left.length || Date.now() - t0 > ms) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
}
