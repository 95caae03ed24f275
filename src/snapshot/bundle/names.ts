/**
 * The bundle keeps names (esbuild `keepNames`), and esbuild does it by following every named
 * function or class declaration with a statement `__name(f, "f")`, its helper
 * `(target, value) => __defProp(target, "name", { value, configurable: true })`. The statement
 * runs wherever the declaration is, so a helper declared inside a function (highlight.js's
 * highlight(), Express's router, Koa's compose declare several) costs an Object.defineProperty
 * every time the enclosing function runs: V8 replaces the new function's native `name` accessor
 * with a data property and moves it to another map (Accessors::ReplaceAccessorWithDataProperty,
 * JSObject::MigrateToMap), and the function can no longer be optimised away. A cold process
 * runs the source, which has no such call.
 *
 * Where the kept name is the declared name, the call changes nothing a program can observe (the
 * `name` property has that value and the same attributes before and after), so those
 * statements are dropped. Calls that restore a name the bundler changed (`__name(execute2,
 * "execute")`) stay. The line stays, empty, so the source map's lines hold.
 */

// esbuild's output, e.g. "    __name(keywordData, \"keywordData\");" on a line of its own.
const SAME_NAME = /^([ \t]*)__name\(([A-Za-z_$][\w$]*), "\2"\);$/gm;

/** The bundle's text without the keepNames calls that keep a name already there. */
export function dropRedundantNames(text: string): string {
  return text.replace(SAME_NAME, '$1');
}
