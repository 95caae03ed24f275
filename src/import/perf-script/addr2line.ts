/**
 * --inline and --context: a frame of an ELF file is expanded into the calls the compiler
 * inlined there, by what `addr2line -a PC -e MODULE -i -f -s -C` prints, as stackcollapse-perf.pl
 * does, with its `nm` fallback for a `func+0xOFF` frame whose address addr2line cannot place.
 * The script runs addr2line once per distinct address; here a first pass over the input can
 * collect the addresses (collect()), and prefetch() asks addr2line for all of a module's at once
 * through its standard input, which gives the same text per address. An address not prefetched
 * (stdin input) runs addr2line alone, as the script does. Files that are missing or have no
 * symbols are counted for one summary line instead of one addr2line complaint per frame.
 */
let childProcess: typeof import('node:child_process') | undefined;

/**
 * Loads what running addr2line needs; awaited before folding with --inline. Not imported up
 * front: most folds never run addr2line, and child_process brings net, dgram and the streams with
 * it (a few ms of every `thaw fold`).
 */
export async function loadAddr2line(): Promise<void> {
  childProcess ??= await import('node:child_process');
}

function cp(): typeof import('node:child_process') {
  if (!childProcess) throw new Error('Addr2line used before loadAddr2line()');
  return childProcess;
}

/** Modules the script never passes to addr2line: JIT maps, the kernel, `[vdso]`-like names. */
const NOT_ELF = /(perf-\d+.map|kernel\.|\[[^\]]+\])/;

export interface InlineRequest {
  pc: string;
  rawfunc: string;
  mod: string;
}

const ADDR_ECHO = /^0x[0-9a-f]+$/;

export class Addr2line {
  private readonly cache = new Map<string, string>();
  /** What addr2line printed after the address line, by `pc\0module` (from prefetch()). */
  private readonly bodies = new Map<string, string>();
  /** While set, resolve() only records what it is asked and answers '' (a first pass). */
  private collecting: Map<string, InlineRequest> | null = null;
  private readonly nmCache = new Map<string, string>();
  /** Module → the first thing addr2line said on stderr about it. */
  readonly failures = new Map<string, string>();
  /** addr2line runs (distinct address and module pairs). */
  runs = 0;

  constructor(private readonly context: boolean) {}

  /** Whether the script would try this module at all. */
  static applies(mod: string): boolean {
    return !NOT_ELF.test(mod);
  }

  /**
   * The inlined frames at pc in mod, root first and joined by `;`, or '' / `??` / `??:??:0`
   * when addr2line cannot tell (the caller then folds the frame as usual).
   */
  resolve(pc: string, rawfunc: string, mod: string): string {
    const key = `${pc}\0${mod}`;
    if (this.collecting) {
      if (!this.collecting.has(key)) this.collecting.set(key, { pc, rawfunc, mod });
      return '';
    }
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    let body = this.bodies.get(key);
    if (body === undefined) {
      const out = this.run('addr2line', ['-a', pc, '-e', mod, '-i', '-f', '-s', '-C'], mod);
      // The first line echoes the address.
      body = out.replace(/^[^\n]*\n/, '');
    }
    if (/\?\?\n\?\?:0/.test(body)) {
      const m = /^([^\n]+)\+0x([0-9a-f]+)$/.exec(rawfunc);
      if (m) {
        const newPc = this.nmFallback(m[1]!, m[2]!, mod);
        if (newPc) {
          const result = this.resolve(newPc, '', mod);
          this.cache.set(key, result);
          return result;
        }
      }
    }
    const full: string[] = [];
    let item = '';
    let have = false;
    for (let line of body.split(/(?<=\n)/)) {
      if (line === '') continue;
      line = line.replace(/\n$/, '').replace(/ \(discriminator [^ \t\n\r\f\v]+\)/, '');
      if (!have) {
        item = line;
        have = item !== '';
      } else {
        full.unshift(this.context ? `${item}:${line}` : item);
        item = '';
        have = false;
      }
    }
    const result = full.join(';');
    this.cache.set(key, result);
    return result;
  }

  /** The script's fallback: `func`'s address in `nm MODULE` plus the offset, as `0x…`. */
  private nmFallback(func: string, offHex: string, mod: string): string | null {
    let nm = this.nmCache.get(mod);
    if (nm === undefined) {
      nm = this.run('nm', [mod], mod);
      this.nmCache.set(mod, nm);
    }
    const sym = new RegExp(`^([0-9a-f]+) [^\\n] ${escapeRe(func)}$`, 'm').exec(nm);
    return sym ? '0x' + (BigInt('0x' + sym[1]!) + BigInt('0x' + offHex)).toString(16) : null;
  }

  /** First pass: from now on resolve() records its requests; stop with prefetch(). */
  collect(): void {
    this.collecting = new Map();
  }

  /**
   * Ends collect(): asks addr2line for every recorded address, one run per module, then once
   * more for the nm fallbacks those answers call for.
   */
  prefetch(): void {
    const reqs = [...(this.collecting?.values() ?? [])];
    this.collecting = null;
    this.batch(reqs.map((r) => [r.pc, r.mod]));
    const again: Array<[string, string]> = [];
    for (const r of reqs) {
      const body = this.bodies.get(`${r.pc}\0${r.mod}`);
      if (body === undefined || !/\?\?\n\?\?:0/.test(body)) continue;
      const m = /^([^\n]+)\+0x([0-9a-f]+)$/.exec(r.rawfunc);
      const newPc = m ? this.nmFallback(m[1]!, m[2]!, r.mod) : null;
      if (newPc && !this.bodies.has(`${newPc}\0${r.mod}`)) again.push([newPc, r.mod]);
    }
    this.batch(again);
  }

  /** One addr2line run per module for these (pc, module) pairs, split back per address. */
  private batch(pairs: Array<[string, string]>): void {
    const byMod = new Map<string, string[]>();
    for (const [pc, mod] of pairs) {
      // Only what addr2line reads as an address; anything else runs alone, as in the script.
      if (!/^(?:0x)?[0-9a-fA-F]+$/.test(pc)) continue;
      let l = byMod.get(mod);
      if (!l) byMod.set(mod, (l = []));
      l.push(pc);
    }
    for (const [mod, pcs] of byMod) {
      const out = this.run('addr2line', ['-a', '-e', mod, '-i', '-f', '-s', '-C'], mod, pcs.join('\n') + '\n');
      if (out === '') {
        // The file is missing or unreadable: what the script gets from each of its runs.
        for (const pc of pcs) this.bodies.set(`${pc}\0${mod}`, '');
        continue;
      }
      // Each address's answer starts with its echo (`0x00000000004f1000`); anything unexpected
      // leaves the module to one run per address.
      const lines = out.split(/(?<=\n)/);
      const parts: string[] = [];
      let k = -1;
      let ok = true;
      for (const line of lines) {
        const bare = line.replace(/\n$/, '');
        if (ADDR_ECHO.test(bare) && k + 1 < pcs.length && BigInt(bare) === BigInt(pcs[k + 1]!.startsWith('0x') ? pcs[k + 1]! : '0x' + pcs[k + 1]!)) {
          parts[++k] = '';
        } else if (k < 0) {
          ok = false;
          break;
        } else parts[k] += line;
      }
      if (!ok || k + 1 !== pcs.length) continue;
      pcs.forEach((pc, i) => this.bodies.set(`${pc}\0${mod}`, parts[i]!));
    }
  }

  private run(cmd: string, args: string[], mod: string, input?: string): string {
    this.runs++;
    const r = cp().spawnSync(cmd, args, { encoding: 'latin1', maxBuffer: 1 << 30, input, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    if (r.error) {
      if (!this.failures.has(mod)) this.failures.set(mod, `${cmd}: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}`);
      return '';
    }
    const err = (r.stderr ?? '').trim().split('\n')[0] ?? '';
    if (err && !this.failures.has(mod)) this.failures.set(mod, err);
    return r.stdout ?? '';
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
