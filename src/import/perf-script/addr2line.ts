/**
 * --inline and --context: a frame of an ELF file is expanded into the calls the compiler
 * inlined there, by running `addr2line -a PC -e MODULE -i -f -s -C` as stackcollapse-perf.pl
 * does (once per distinct address and module), with its `nm` fallback for a `func+0xOFF` frame
 * whose address addr2line cannot place. Files that are missing or have no symbols are counted
 * for one summary line instead of one addr2line complaint per frame.
 */
import { spawnSync } from 'node:child_process';

/** Modules the script never passes to addr2line: JIT maps, the kernel, `[vdso]`-like names. */
const NOT_ELF = /(perf-\d+.map|kernel\.|\[[^\]]+\])/;

export class Addr2line {
  private readonly cache = new Map<string, string>();
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
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const out = this.run('addr2line', ['-a', pc, '-e', mod, '-i', '-f', '-s', '-C'], mod);
    // The first line echoes the address.
    const body = out.replace(/^[^\n]*\n/, '');
    if (/\?\?\n\?\?:0/.test(body)) {
      const m = /^([^\n]+)\+0x([0-9a-f]+)$/.exec(rawfunc);
      if (m) {
        let nm = this.nmCache.get(mod);
        if (nm === undefined) {
          nm = this.run('nm', [mod], mod);
          this.nmCache.set(mod, nm);
        }
        const sym = new RegExp(`^([0-9a-f]+) [^\\n] ${escapeRe(m[1]!)}$`, 'm').exec(nm);
        if (sym) {
          const newPc = '0x' + (BigInt('0x' + sym[1]!) + BigInt('0x' + m[2]!)).toString(16);
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

  private run(cmd: string, args: string[], mod: string): string {
    this.runs++;
    const r = spawnSync(cmd, args, { encoding: 'latin1', maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
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
