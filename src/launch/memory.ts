/**
 * Memory and CPU of a whole process tree, read from /proc (proc(5)):
 * - /proc/PID/smaps_rollup (Linux ≥ 4.14) sums every mapping's Rss and Pss in kB. PSS divides
 *   each shared page by the number of processes mapping it, so the tree's PSS sum does not
 *   count a page twice (Documentation/filesystems/proc.rst, "smaps_rollup").
 * - /proc/PID/stat fields 14–17 (utime, stime, cutime, cstime) in clock ticks; USER_HZ is 100
 *   on every Linux ABI thaw runs on (the kernel's exported tick, independent of CONFIG_HZ).
 */
import { readFileSync } from 'node:fs';
import { descendants } from './spawn.js';

export const USER_HZ = 100;

export interface Rollup {
  rssKb: number;
  pssKb: number;
}

/** Parse smaps_rollup text; null when it carries no Rss line ("not this format"). */
export function parseSmapsRollup(text: string): Rollup | null {
  // e.g. "Rss:               45432 kB" and "Pss:               40297 kB"
  const rss = /^Rss:\s+(\d+) kB/m.exec(text);
  const pss = /^Pss:\s+(\d+) kB/m.exec(text);
  if (!rss) return null;
  return { rssKb: Number(rss[1]), pssKb: pss ? Number(pss[1]) : Number(rss[1]) };
}

export interface StatTimes {
  utimeTicks: number;
  stimeTicks: number;
  cutimeTicks: number;
  cstimeTicks: number;
}

/** Parse /proc/PID/stat; the command name may hold spaces and parentheses, so split after the last ')'. */
export function parseStat(text: string): StatTimes | null {
  // e.g. "4242 (node server.js) S 4241 4242 ... 14 3 0 0 20 0 11 0 ..."
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const f = text.slice(close + 2).trim().split(/\s+/);
  // f[0] is field 3 (state), so field k is f[k - 3].
  if (f.length < 15) return null;
  const n = (k: number) => Number(f[k - 3]);
  return { utimeTicks: n(14), stimeTicks: n(15), cutimeTicks: n(16), cstimeTicks: n(17) };
}

export interface TreeSample {
  /** Processes measured (the root and every live descendant). */
  processes: number;
  rssKb: number;
  pssKb: number;
  /** CPU time of the tree so far, waited-for children included, in seconds. */
  userS: number;
  systemS: number;
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Sample the tree rooted at pid; null if the root is gone. */
export function sampleTree(pid: number): TreeSample | null {
  const pids = [pid, ...descendants(pid)];
  let processes = 0;
  let rssKb = 0;
  let pssKb = 0;
  let uTicks = 0;
  let sTicks = 0;
  for (const p of pids) {
    const st = read(`/proc/${p}/stat`);
    const times = st ? parseStat(st) : null;
    if (!times) {
      if (p === pid) return null;
      continue;
    }
    processes++;
    uTicks += times.utimeTicks + times.cutimeTicks;
    sTicks += times.stimeTicks + times.cstimeTicks;
    const roll = read(`/proc/${p}/smaps_rollup`);
    const r = roll ? parseSmapsRollup(roll) : null;
    if (r) {
      rssKb += r.rssKb;
      pssKb += r.pssKb;
    }
  }
  return { processes, rssKb, pssKb, userS: uTicks / USER_HZ, systemS: sTicks / USER_HZ };
}
