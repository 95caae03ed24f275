/**
 * Option values, validated once into typed values: every command's numbers, lists and
 * NAME=COMMAND configurations go through these, so a bad value always reads the same way
 * (`[E_USAGE] --runs 0: expected a whole number ≥ 1`, with an example).
 */
import { ThawError } from '../errors.js';

/** A whole number ≥ min. */
export const wholeNumber = (flag: string, min: number) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new ThawError('E_USAGE', `${flag} ${JSON.stringify(v)}: expected a whole number ≥ ${min}`, { hint: `e.g. ${flag} ${Math.max(min, 3)}` });
  return n;
};

/** A number above 0, in `unit` (for the message). */
export const positive = (flag: string, unit: string) => atLeast(flag, unit, 0, false);

/** A number ≥ min (or > min when `inclusive` is false). */
export const atLeast = (flag: string, unit: string, min: number, inclusive = true) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || (inclusive ? n < min : n <= min)) throw new ThawError('E_USAGE', `${flag} ${JSON.stringify(v)}: expected ${unit} ${inclusive ? '≥' : '>'} ${min}`, { hint: `e.g. ${flag} ${Math.max(min, 1) * 2}` });
  return n;
};

/** A comma-separated list of whole numbers in [min, max]. */
export const wholeNumbers = (flag: string, what: string, min: number, max: number) => (v: string): number[] => {
  const ns = v.split(',').map((s) => Number(s.trim()));
  if (ns.length === 0 || ns.some((n) => !Number.isInteger(n) || n < min || n > max)) throw new ThawError('E_USAGE', `${flag} ${v}: a comma-separated list of ${what}`, { hint: `e.g. ${flag} 97,499,997` });
  return ns;
};

export interface NamedCommand {
  name: string;
  command: string;
}

/** `-c NAME=COMMAND`; `names` checks the name (it may name files). */
export const namedCommand = (names?: { test: RegExp; rule: string }) => (v: string): NamedCommand => {
  const eq = v.indexOf('=');
  if (eq <= 0 || eq === v.length - 1) throw new ThawError('E_USAGE', `-c ${JSON.stringify(v)} is not NAME=COMMAND`, { hint: 'write e.g. -c cold="node server.js" or -c restored=out/img' });
  const name = v.slice(0, eq);
  if (names && !names.test.test(name)) throw new ThawError('E_USAGE', `-c ${name}=…: ${names.rule}`, { hint: 'it names the files written, e.g. -c cold=…' });
  return { name, command: v.slice(eq + 1) };
};
