/**
 * Node's own state that cannot go into a snapshot, reached through the builder's
 * --expose-internals (a Node option, not a V8 flag: restored processes run without it).
 *
 * internal/util's SideEffectFreeRegExpPrototype* helpers run the RegExp method from a second,
 * tamper-proof realm, made on first use with vm.runInNewContext and kept for the life of the
 * process; the builder refuses a second context (`Assertion failed: (contexts_.size()) == (1)`,
 * node-features.ts 'internal-realm-context'). Web streams call one whenever a reader is released
 * (every pipeTo, every body read to its end by a fetch-API framework). Before the app loads,
 * thaw gives internal/util helpers with the same results that use this realm's RegExp methods,
 * so web stream modules, which take them at load, never make that context.
 */
import { applies } from '../node-features.js';

export function patchNodeInternals(builtin: (id: string) => unknown): void {
  if (!applies('internal-realm-context', process.version)) return;
  let util: Record<string, unknown>;
  try {
    util = builtin('internal/util') as Record<string, unknown>;
  } catch {
    return; // built without --expose-internals (an older thaw's bundle): nothing to do
  }
  const exec = RegExp.prototype.exec;
  const replace = RegExp.prototype[Symbol.replace] as (this: RegExp, s: string, r: unknown) => string;
  const split = RegExp.prototype[Symbol.split] as (this: RegExp, s: string, limit?: number) => string[];
  util.SideEffectFreeRegExpPrototypeExec = (re: RegExp, s: string) => exec.call(re, s);
  util.SideEffectFreeRegExpPrototypeSymbolReplace = (re: RegExp, s: string, r: unknown) => replace.call(re, s, r);
  util.SideEffectFreeRegExpPrototypeSymbolSplit = (re: RegExp, s: string, limit?: number) => split.call(re, s, limit);
}
