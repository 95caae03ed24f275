/**
 * fireCRaCer's mem_mapping text. Produced by tools/mem_mapping.sh (virt2phys for every process,
 * then `virt2phys kernel` and `virt2phys pagecache`), or by `thaw pages snapshot`:
 *   = 214 /opt/jdk/bin/java                                 an owner: pid and executable
 *   v 0x00000000f0a00000 0x00000000f2270000 [name]          a /proc/PID/maps line: start end name
 *   p 0x00000000f0a00000 0x00000000063d4000 1 0             vaddr paddr [exclusive file/shared]
 *   = 0 kernel    /  = -1 pagecache                         p lines: paddr kpageflags
 * Older dumps omit the two bits; the page cache's `v` line prints 0 without the 0x prefix
 * (`000000000000000000`), so addresses are read with or without it.
 */
import { ThawError } from '../errors.js';
import { PAGE_EXCLUSIVE, PAGE_FILE_SHARED, PageMapBuilder, type OwnerBuilder, type PageMap } from '../model/page-map.js';

const HEX = /^(?:0x)?([0-9a-fA-F]{1,18})$/;

function hex(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const m = HEX.exec(s);
  return m ? parseInt(m[1]!, 16) : undefined;
}

export function importMemMapping(text: string, name = 'mem_mapping', pageSize = 4096): PageMap | null {
  // Recognised when the first non-empty line is an owner line `= PID NAME`.
  const first = /^\s*(\S.*)$/m.exec(text.slice(0, 4096))?.[1] ?? '';
  if (!/^= -?\d+ \S/.test(first)) return null;
  const b = new PageMapBuilder(pageSize, name);
  let owner: OwnerBuilder | undefined;
  const lines = text.split('\n');
  let good = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line === '') continue;
    const f = line.split(/ +/);
    switch (f[0]) {
      case '=': {
        const pid = Number(f[1]);
        if (!Number.isInteger(pid) || f.length < 3) {
          b.problem(i + 1, `expected "= PID EXE", got ${JSON.stringify(line.slice(0, 80))}`);
          owner = undefined;
          continue;
        }
        owner = b.owner(pid, line.slice(line.indexOf(f[2]!, 2 + f[1]!.length)));
        good++;
        continue;
      }
      case 'v': {
        const start = hex(f[1]);
        const end = hex(f[2]);
        if (!owner) b.problem(i + 1, 'mapping line before any "= PID EXE" line');
        else if (start === undefined || end === undefined || end < start) b.problem(i + 1, `expected "v START END [NAME]" with hex addresses, got ${JSON.stringify(line.slice(0, 80))}`);
        else {
          // The name is everything after the second address (paths may contain spaces).
          const rest = f.length > 3 ? line.slice(line.indexOf(f[3]!, 2 + f[1]!.length + 1 + f[2]!.length)) : '';
          owner.addMapping({ start, end, name: rest });
          good++;
        }
        continue;
      }
      case 'p': {
        const a = hex(f[1]);
        const c = hex(f[2]);
        if (!owner) b.problem(i + 1, 'page line before any "= PID EXE" line');
        else if (a === undefined || c === undefined) b.problem(i + 1, `expected "p VADDR PADDR [EXCL SHARED]" with hex addresses, got ${JSON.stringify(line.slice(0, 80))}`);
        else if (owner.pid <= 0) {
          owner.addPage(a, a, c); // kernel / page cache: physical address and kpageflags
          good++;
        } else {
          const excl = f[3];
          const shared = f[4];
          if ((excl !== undefined && excl !== '0' && excl !== '1') || (shared !== undefined && shared !== '0' && shared !== '1')) {
            b.problem(i + 1, `exclusive and shared bits must be 0 or 1, got ${JSON.stringify(line.slice(0, 80))}`);
            continue;
          }
          owner.addPage(a, c, (excl === '1' ? PAGE_EXCLUSIVE : 0) | (shared === '1' ? PAGE_FILE_SHARED : 0));
          good++;
        }
        continue;
      }
      default:
        b.problem(i + 1, `unknown line type ${JSON.stringify(f[0])} (expected "=", "v" or "p")`);
    }
  }
  if (good === 0) throw new ThawError('E_MEM_MAPPING', `${name}: no readable line`, { detail: b.problems.slice(0, 5).join('\n') });
  return b.build();
}
