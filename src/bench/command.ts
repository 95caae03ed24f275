/**
 * From a configuration's command to an argv. A plain word list is spawned directly (no shell
 * start in the measured time, and a missing program is reported as such); anything with shell
 * syntax runs under /bin/sh -c; a thaw image directory runs its own `start` launcher.
 */
import { imageLauncher } from '../image/launcher.js';
import { isAbsolute, join, resolve } from 'node:path';
import { ThawError } from '../errors.js';
import { substitutePort } from '../launch/probe.js';
import { which } from '../launch/which.js';
import type { BenchConfig } from './types.js';

export interface ResolvedCommand {
  argv: string[];
  /** Under /bin/sh -c (exit 127 then means "command not found"). */
  shell: boolean;
  image: string | null;
}

const SHELL_SYNTAX = /[|&;<>()`\\*?[\]{}~!#]|\$(?!\{?PORT\}?(?![A-Za-z0-9_]))/;

/** Split a word list honouring single and double quotes; null when shell syntax is present. */
export function splitWords(cmd: string): string[] | null {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (const ch of cmd) {
    if (quote) {
      if (ch === quote) quote = null;
      else cur += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote) return null;
  if (inWord) words.push(cur);
  return words;
}

export function displayCommand(cmd: BenchConfig['command']): string {
  return Array.isArray(cmd) ? cmd.map((w) => (/[\s'"$]/.test(w) ? JSON.stringify(w) : w)).join(' ') : cmd;
}

export function resolveCommand(config: BenchConfig): ResolvedCommand {
  const cwd = config.cwd ?? process.cwd();
  const fail = (code: string, message: string, hint: string) => new ThawError(code, `configuration ${JSON.stringify(config.name)}: ${message}`, { hint });
  let argv: string[];
  let shell = false;
  if (Array.isArray(config.command)) {
    argv = [...config.command];
  } else {
    const text = config.command.trim();
    // `VAR=value cmd` is shell syntax too.
    const words = SHELL_SYNTAX.test(text) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(text) ? null : splitWords(text);
    if (words === null) {
      argv = ['/bin/sh', '-c', text];
      shell = true;
    } else argv = words;
  }
  if (argv.length === 0 || argv[0] === '') throw fail('E_USAGE', 'empty command', 'write -c NAME=COMMAND, e.g. -c cold="node server.js"');
  // A thaw image: a directory with an executable `start`.
  if (!shell && argv.length === 1) {
    const dir = resolve(cwd, argv[0]!);
    let start: string | undefined;
    try {
      start = imageLauncher(dir);
    } catch {
      throw fail('E_IMAGE_MISSING', `${argv[0]} is a directory but not a thaw image (no executable ${join(dir, 'start')})`, `build one with: thaw build ENTRY -o ${argv[0]}`);
    }
    if (start) return { argv: [start], shell: false, image: dir };
  }
  if (!shell) {
    const prog = argv[0]!;
    const env = { ...process.env, ...(config.env ?? {}) };
    const found = prog.includes('/') ? which(isAbsolute(prog) ? prog : resolve(cwd, prog)) : which(prog, env.PATH);
    if (!found) throw fail('E_COMMAND_NOT_FOUND', `command not found: ${prog}`, prog.includes('/') ? `check that ${prog} exists and is executable` : `install ${prog}, or give its full path`);
  }
  return { argv, shell, image: null };
}

/** The argv for one run: $PORT and ${PORT} replaced in direct argv (a shell expands them itself). */
export function bindPort(cmd: ResolvedCommand, port: number): string[] {
  return cmd.shell ? cmd.argv : cmd.argv.map((w) => substitutePort(w, port));
}
