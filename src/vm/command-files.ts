/**
 * What a command other than `node …`/`java …` needs in the guest, found on the host before any
 * guest boots, so a command that cannot run there fails at once with one line:
 *
 * - the program as the command names it, found on PATH as execvp(3) finds it, with every
 *   symlink on the way (`python3 → python3.11`), mirrored (mirror.ts);
 * - for an ELF program (C, Go, Rust, static or dynamic, x86-64 or i386) its `ldd` libraries and
 *   loader; a library ldd cannot find on the host fails the build here;
 * - for a script, its `#!` interpreter (Linux runs it with at most one argument, binfmt_script;
 *   `#!/usr/bin/env NAME` means NAME on PATH), recursively; for a shell script also the
 *   programs it `exec`s by name (the wrapper that ends in `exec server …`);
 * - for a known interpreter (python, perl, ruby) its library tree, as the interpreter reports
 *   it on the host: Python's `sys.path` (with lib-dynload), Perl's `@INC`, Ruby's `$LOAD_PATH`,
 *   only the entries that exist, without what PY_STDLIB_SKIP names; a
 *   site-packages larger than SITE_MAX_BYTES stays out with a note (--include what the app
 *   imports). A version manager's shim (pyenv, rbenv, asdf: a script named like the
 *   interpreter) becomes, in the guest, a symlink to the interpreter the shim runs on the host.
 */
import { closeSync, existsSync, lstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { ThawError, tail } from '../errors.js';
import { run } from '../launch/spawn.js';
import { isExecutableFile, which } from '../launch/which.js';
import type { Mirror } from './mirror.js';

/** A site-packages (or other library directory) larger than this is left out, with a note. */
export const SITE_MAX_BYTES = 64 * 1024 * 1024;
/** An interpreter's standard library larger than this is left out, with a note. */
const STDLIB_MAX_BYTES = 256 * 1024 * 1024;
/**
 * Directories of a Python standard library no server imports: its own test suites, IDLE, the
 * turtle demos, ensurepip's wheels, and config-3.x (the static libpython and Makefile for
 * building extensions; sysconfig reads _sysconfigdata instead). Bytecode for -O/-OO
 * (*.opt-1.pyc, *.opt-2.pyc) stays out too.
 */
const PY_STDLIB_SKIP = /^(test|tests|idle_test|idlelib|turtledemo|ensurepip|config-\d.*)$/;
const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'ksh', 'mksh', 'zsh']);

export type Interpreter = 'python' | 'perl' | 'ruby';

export function interpreterOf(name: string): Interpreter | undefined {
  const b = basename(name);
  if (/^python(\d+(\.\d+)?)?$/.test(b)) return 'python';
  if (/^perl(\d+(\.\d+)*)?$/.test(b)) return 'perl';
  if (/^ruby(\d+(\.\d+)*)?$/.test(b)) return 'ruby';
  return undefined;
}

type Kind = { kind: 'elf'; machine: number } | { kind: 'script'; interp: string; arg?: string } | { kind: 'other' };

/** An ELF (with its e_machine), a `#!` script (its interpreter and optional argument), or neither. */
export function fileKind(p: string): Kind {
  const fd = openSync(p, 'r');
  try {
    const b = Buffer.alloc(256);
    const n = readSync(fd, b, 0, b.length, 0);
    if (n >= 20 && b.readUInt32BE(0) === 0x7f454c46) return { kind: 'elf', machine: b.readUInt16LE(18) };
    if (n >= 2 && b[0] === 0x23 && b[1] === 0x21) {
      const line = b.subarray(2, n).toString('latin1').split('\n')[0]!.trim();
      const m = /^(\S+)(?:\s+(.*\S))?/.exec(line);
      if (m) return { kind: 'script', interp: m[1]!, arg: m[2] };
    }
    return { kind: 'other' };
  } finally {
    closeSync(fd);
  }
}

const MACHINES: Record<number, string> = { 3: 'i386', 40: 'ARM', 62: 'x86-64', 183: 'AArch64', 243: 'RISC-V', 8: 'MIPS', 20: 'PowerPC', 21: 'PowerPC64', 22: 's390' };

export interface CommandFiles {
  /** ELF programs whose libraries must all be found. */
  programs: string[];
  /** ELF files of library trees (extension modules): their libraries are added when found. */
  modules: string[];
  notes: string[];
}

/** The ELF files of a list of paths (by name or mode: a .so, or executable). */
export function elfFiles(files: Iterable<string>): string[] {
  const out: string[] = [];
  for (const f of files) {
    if (!/\.so(\.\d+)*$/.test(f) && !(lstatSync(f).mode & 0o111)) continue;
    try {
      if (fileKind(f).kind === 'elf') out.push(f);
    } catch {
      /* unreadable: not ours to run */
    }
  }
  return out;
}

/**
 * Mirror what `command` needs into `mirror`. Throws E_COMMAND_NOT_FOUND / E_VM_COMMAND when it
 * cannot run in the guest.
 */
export async function commandFiles(command: string[], cwd: string, mirror: Mirror, env: NodeJS.ProcessEnv = process.env): Promise<CommandFiles> {
  const out: CommandFiles = { programs: [], modules: [], notes: [] };
  const seen = new Set<string>();
  const find = (name: string): string | undefined => (name.includes('/') ? (isExecutableFile(resolve(cwd, name)) ? resolve(cwd, name) : undefined) : which(name, env.PATH ?? ''));

  const program = async (name: string, via: string | undefined, depth: number): Promise<void> => {
    const found = find(name);
    if (!found) {
      if (!via) throw new ThawError('E_COMMAND_NOT_FOUND', `command not found: ${name}`, { hint: 'check the spelling, or give the full path' });
      throw new ThawError('E_VM_COMMAND', `${via} needs ${name}, which is not ${name.includes('/') ? 'an executable file' : 'on PATH'} on this machine`, { hint: `install it, or fix the #! line of ${via}` });
    }
    if (seen.has(found)) return;
    seen.add(found);
    if (depth > 4) throw new ThawError('E_VM_COMMAND', `${found}: too many levels of #! interpreters`, { hint: 'run the final interpreter directly' });
    const real = mirror.resolve(found)!;
    const k = fileKind(real);
    const interp = interpreterOf(found) ?? interpreterOf(real);
    if (k.kind === 'elf') {
      if (k.machine !== 62 && k.machine !== 3) {
        throw new ThawError('E_VM_COMMAND', `${found} is a program for ${MACHINES[k.machine] ?? `ELF machine ${k.machine}`}, and the guest is x86-64`, { hint: 'build the server for x86-64 (linux/amd64)' });
      }
      mirror.file(found);
      out.programs.push(real);
      if (interp) await libraryTree(interp, found, found);
      return;
    }
    if (k.kind === 'script') {
      if (interp && depth === 0) {
        // A version manager's shim: the guest gets the interpreter the shim runs here.
        const exe = await interpreterExe(interp, found, cwd, env);
        if (exe && exe !== found && existsSync(exe) && fileKind(realOf(exe)).kind === 'elf') {
          const dir = mirror.dir(dirname(found))!;
          mirror.links.set(join(dir, basename(found)), exe);
          out.notes.push(`${found} is a script (a version manager's shim?): the guest runs the interpreter it runs here, ${exe}`);
          await program(exe, undefined, depth + 1);
          return;
        }
      }
      mirror.file(found);
      const script = found;
      if (basename(k.interp) === 'env') {
        await program(k.interp, script, depth + 1);
        const words = (k.arg ?? '').split(/\s+/).filter((w) => w && w !== '-S' && !/^-|=/.test(w));
        if (!words[0]) throw new ThawError('E_VM_COMMAND', `${script}: its #! line names no program after env`, { hint: 'write #!/usr/bin/env PROGRAM' });
        await program(words[0], script, depth + 1);
      } else await program(k.interp, script, depth + 1);
      if (SHELLS.has(basename(k.interp)) || (basename(k.interp) === 'env' && SHELLS.has((k.arg ?? '').split(/\s+/).pop() ?? ''))) {
        for (const name of execTargets(real)) {
          if (find(name)) await program(name, script, depth + 1);
          else out.notes.push(`${script} execs ${name}, which thaw cannot find on PATH here: --include it if the guest needs it`);
        }
      }
      return;
    }
    throw new ThawError('E_VM_COMMAND', `${found} is neither a program (ELF) nor a script with a #! line, so it cannot run in the guest`, {
      hint: `give the program, or its interpreter first: thaw build --engine vm -o img -- INTERPRETER ${found}`,
    });
  };

  /** Mirror the library tree of an interpreter, as it reports it on the host. */
  const libraryTree = async (kind: Interpreter, exe: string, label: string): Promise<void> => {
    const entries = await interpreterPaths(kind, exe, cwd, env);
    if (!entries) {
      out.notes.push(`${label} did not tell its library path: only the interpreter is in the guest (--include its libraries)`);
      return;
    }
    const present = entries.filter((e) => isAbsolute(e) && existsSync(e));
    // A tree nested in another (pyenv's site-packages inside its lib/python3.11) is its own entry.
    const nested = new Set(present.map(realOf));
    for (const e of present) {
      const site = /[/](site|dist)-packages(\/|$)|site_perl|vendor_ruby|\/gems\//.test(e);
      const max = site ? SITE_MAX_BYTES : STDLIB_MAX_BYTES;
      const t = mirror.scan(e, max, Infinity, (p) => nested.has(p) || (kind === 'python' && !site && PY_STDLIB_SKIP.test(basename(p))), (f) => kind === 'python' && /\.opt-[12]\.pyc$/.test(f));
      if (!t) {
        out.notes.push(`${e} is more than ${max / 1048576} MiB: left out of the guest (--include the packages the app imports from it)`);
        continue;
      }
      mirror.addScan(t);
      out.modules.push(...elfFiles(t.files));
    }
  };

  await program(command[0]!, undefined, 0);
  // `sh -c …`, `python3 -m …`: a known interpreter named directly gets its tree above; the app's
  // files named as arguments are mirrored by the caller.
  return out;
}

function realOf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** The programs a shell script `exec`s by a plain name or path (`exec gunicorn app:app`). */
export function execTargets(script: string): string[] {
  let text: string;
  try {
    if (statSync(script).size > 256 * 1024) return [];
    const fd = openSync(script, 'r');
    try {
      const b = Buffer.alloc(statSync(script).size);
      readSync(fd, b, 0, b.length, 0);
      text = b.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return [];
  }
  const names = new Set<string>();
  for (const m of text.matchAll(/^\s*exec\s+(?:env\s+(?:[A-Za-z_]\w*=\S*\s+)*)?([^\s;&|<>$"'`()]+)/gm)) {
    if (!m[1]!.startsWith('-')) names.add(m[1]!);
  }
  return [...names];
}

const QUERIES: Record<Interpreter, { exe: string[]; paths: string[] }> = {
  python: { exe: ['-c', 'import sys; print(sys.executable)'], paths: ['-c', 'import sys; print("\\n".join([sys.executable] + sys.path))'] },
  perl: { exe: ['-e', 'print "$^X\\n"'], paths: ['-e', 'print join("\\n", $^X, @INC), "\\n"'] },
  ruby: { exe: ['-e', 'puts RbConfig.ruby'], paths: ['-e', 'puts RbConfig.ruby, $LOAD_PATH'] },
};

/**
 * The interpreter's own executable, as it reports it: a shim's real interpreter (asked in the
 * app's directory, where a version manager reads its .python-version or .ruby-version).
 */
async function interpreterExe(kind: Interpreter, exe: string, cwd: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const r = await run([exe, ...QUERIES[kind].exe], { timeoutMs: 30_000, cwd, env }).catch(() => undefined);
  const line = r?.status === 0 ? r.stdout.trim().split('\n').pop() : undefined;
  return line && isAbsolute(line) ? line : undefined;
}

/** The interpreter's library search path on the host (first line: its executable). */
async function interpreterPaths(kind: Interpreter, exe: string, cwd: string, env: NodeJS.ProcessEnv): Promise<string[] | undefined> {
  const r = await run([exe, ...QUERIES[kind].paths], { timeoutMs: 30_000, cwd, env }).catch(() => undefined);
  if (!r || r.status !== 0) return undefined;
  return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean).slice(1);
}

/**
 * The libraries `ldd` lists for ELF files, with their loader. For `programs` a library ldd
 * cannot find fails here (the program would not start in the guest either); for `modules`
 * (extension modules of a library tree) it only leaves that module's libraries out, as on
 * the host, where importing it fails the same way.
 */
export async function lddLibraries(programs: string[], modules: string[] = []): Promise<string[]> {
  const libs = new Set<string>();
  const all = [...new Set([...programs, ...modules])];
  for (let i = 0; i < all.length; i += 64) {
    const batch = all.slice(i, i + 64);
    const r = await run(['ldd', ...batch], { timeoutMs: 60_000, env: { ...process.env, LC_ALL: 'C' } });
    let current = batch.length === 1 ? batch[0]! : '';
    for (const line of r.stdout.split('\n')) {
      const head = /^(\/\S+):$/.exec(line);
      if (head) {
        current = head[1]!;
        continue;
      }
      const missing = /^\s*(\S+) => not found/.exec(line);
      if (missing && programs.includes(current)) {
        throw new ThawError('E_VM_COMMAND', `${current} needs ${missing[1]}, which ldd cannot find on this machine`, { hint: `install the package that has ${missing[1]} (it would not start on the host either)`, detail: tail(r.stdout) });
      }
      const m = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
      if (m) libs.add(m[1]!);
    }
  }
  return [...libs];
}

/**
 * What the app's output in the guest says is missing there, with the fix: the first file,
 * command, module or library it could not find (execvp's, a shell's, Python's, Perl's and the
 * dynamic loader's wording). Undefined when the output names none.
 */
export function missingInGuest(output: string): { what: string; hint: string } | undefined {
  const include = (p: string): string => (isAbsolute(p) ? `thaw build --engine vm --include ${p} …` : `give its full path, or --include the file or directory that holds it`);
  const rules: Array<[RegExp, (m: RegExpMatchArray) => { what: string; hint: string }]> = [
    [/thaw-agent: cannot run (\S+): No such file or directory/, (m) => ({ what: `${m[1]} (or the interpreter or loader it names) is not in the guest`, hint: include(m[1]!) })],
    [/error while loading shared libraries: (\S+): cannot open shared object file/, (m) => ({ what: `the library ${m[1]} is not in the guest`, hint: `--include the directory that holds ${m[1]} (ldd did not list it: it is loaded by name at run time)` })],
    [/(?:^|\n)[^\n]*?(?:sh|bash|dash)(?:: line \d+)?(?:: \d+)?: ([^\s:]+): (?:command )?not found/, (m) => ({ what: `the command ${m[1]} is not in the guest (a script runs it)`, hint: m[1]!.includes('/') ? include(m[1]!) : `--include $(command -v ${m[1]}), or exec it from the script (thaw follows \`exec NAME\`)` })],
    [/can't open file '([^']+)': \[Errno 2\]/, (m) => ({ what: `${m[1]} is not in the guest`, hint: include(m[1]!) })],
    [/FileNotFoundError: \[Errno 2\] No such file or directory: '([^']+)'/, (m) => ({ what: `${m[1]} is not in the guest`, hint: include(m[1]!) })],
    [/ModuleNotFoundError: No module named '([^']+)'/, (m) => ({ what: `the Python module ${m[1]} is not in the guest`, hint: `--include the directory that holds it (python3 -c 'import ${m[1]!.split('.')[0]}; print(${m[1]!.split('.')[0]}.__file__)' shows it)` })],
    [/Can't locate (\S+) in @INC/, (m) => ({ what: `the Perl module ${m[1]} is not in the guest`, hint: `--include the directory that holds it (perldoc -l shows it)` })],
    [/(?:^|\s)(\/[^\s:'"]+): No such file or directory/, (m) => ({ what: `${m[1]} is not in the guest`, hint: include(m[1]!) })],
  ];
  for (const [re, f] of rules) {
    const m = re.exec(output);
    if (m) return f(m);
  }
  return undefined;
}

/** Kernel lines of a guest's console that say nothing about the app (the microvm machine has no PCI bus). */
export function withoutBootNoise(output: string): string {
  return output
    .split('\n')
    .filter((l) => !/^\[\s*\d+\.\d+\] PCI: Fatal: No config space access function found/.test(l))
    .join('\n');
}
