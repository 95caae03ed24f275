/**
 * The bundle keeps names (esbuild `keepNames`), and esbuild does it by following every named
 * function or class declaration with a statement `__name(f, "f")`, and by wrapping every
 * anonymous function it names in a call (`const f = __name(() => …, "f")`), its helper being
 * `(target, value) => __defProp(target, "name", { value, configurable: true })`. Either runs
 * wherever the function is made, so a helper made inside a function (highlight.js's
 * highlight(), Express's router, Koa's and Hono's compose, Hono's context methods) costs an
 * Object.defineProperty every time the enclosing function runs: V8 replaces the new function's
 * native `name` accessor with a data property and moves it to another map
 * (Accessors::ReplaceAccessorWithDataProperty, JSObject::MigrateToMap), and the function can no
 * longer be optimised away. A cold process runs the source, which has no such call.
 *
 * Where the kept name is the name the function has anyway, the call changes nothing a program
 * can observe (the `name` property has that value and the same attributes before and after):
 * - `__name(f, "f")` after the declaration of f: the statement is dropped (on a line of its
 *   own, or amid others in a whitespace-minified bundle, where its `;` stays as an empty one);
 * - `x = __name(() => …, "x")`, `const x = …`, `{ x: … }`, `x = …` as a default or class field
 *   (`#x` for a private one): an anonymous function in those places is named x by the language
 *   itself, so the call is taken away and the function left in place;
 * - `__name(function f() {…}, "f")` anywhere: the function has that name of its own.
 * Calls that restore a name the bundler changed (`__name(execute2, "execute")`) and names that
 * differ from a function's own (`__name(function fetch2() {}, "fetch")`) stay. What is taken
 * out becomes spaces, line breaks kept, so every line and column of the source map holds; a
 * call's own parentheses stay, so the function is still an expression wherever it stood.
 * finish.ts applies the cuts, in the one parse of the bundle.
 */

// esbuild's output, e.g. "    __name(keywordData, \"keywordData\");" on a line of its own.
export const SAME_NAME = /^([ \t]*)__name\(([A-Za-z_$][\w$]*), "\2"\);$/gm;

export interface Node {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && typeof (v as Node).type === 'string';

/** The name the language gives an anonymous function placed as `value` under `parent`. */
function inferredName(parent: Node, value: Node): string | undefined {
  const id = (n: unknown): string | undefined => (isNode(n) && n.type === 'Identifier' ? (n.name as string) : undefined);
  const key = (p: Node): string | undefined => {
    if (p.computed || !isNode(p.key)) return undefined;
    if (p.key.type === 'PrivateIdentifier') return `#${p.key.name as string}`;
    return id(p.key) ?? (p.key.type === 'Literal' && typeof p.key.value === 'string' ? p.key.value : undefined);
  };
  switch (parent.type) {
    case 'VariableDeclarator':
      return parent.init === value ? id(parent.id) : undefined;
    case 'AssignmentExpression':
      return parent.right === value && parent.operator === '=' ? id(parent.left) : undefined;
    case 'AssignmentPattern':
      return parent.right === value ? id(parent.left) : undefined;
    case 'Property':
      return parent.value === value && parent.kind === 'init' && !parent.method && !parent.shorthand ? key(parent) : undefined;
    case 'PropertyDefinition':
      return parent.value === value && !parent.static ? key(parent) : undefined;
    default:
      return undefined;
  }
}

/** Nodes whose body is a list of statements, where an empty statement may stand. */
const STATEMENT_LISTS = new Set(['Program', 'BlockStatement', 'StaticBlock', 'SwitchCase']);

/**
 * The ranges to blank: of `__name(<anonymous function>, "n")` calls whose function would be
 * named n without them, the callee and the label; of `__name(f, "f");` statements, the call.
 */
export function redundantNameRanges(root: Node, text: string): Array<[number, number]> {
  const found: Array<[number, number]> = [];
  const stack: Array<[Node, Node | undefined]> = [[root, undefined]];
  while (stack.length) {
    const [node, parent] = stack.pop()!;
    if (parent && node.type === 'ExpressionStatement' && STATEMENT_LISTS.has(parent.type)) {
      const call = node.expression as Node;
      const args = call.arguments as Node[] | undefined;
      if (
        call.type === 'CallExpression' && (call.callee as Node).type === 'Identifier' && (call.callee as Node).name === '__name' &&
        args?.length === 2 && args[0]!.type === 'Identifier' && args[1]!.type === 'Literal' && args[1]!.value === args[0]!.name
      ) {
        found.push([call.start, call.end]);
        continue;
      }
    }
    if (parent && node.type === 'CallExpression') {
      const callee = node.callee as Node;
      const args = node.arguments as Node[];
      const fn = args[0];
      const label = args[1];
      if (
        callee.type === 'Identifier' && callee.name === '__name' && args.length === 2 && fn && label &&
        label.type === 'Literal' && typeof label.value === 'string' &&
        ((fn.type === 'ArrowFunctionExpression' || (fn.type === 'FunctionExpression' && !fn.id)) ? inferredName(parent, node) === label.value : fn.type === 'FunctionExpression' && (fn.id as Node).name === label.value)
      ) {
        // `__name` and `, "n"` go; the call's parentheses stay around the function (with any
        // of its own): `__name((function f(){}),"f")()` becomes `((function f(){}))()`, still
        // an expression where a statement starts (without them it would parse as a declaration).
        const comma = text.lastIndexOf(',', label.start);
        if (comma >= fn.end) found.push([callee.start, callee.end], [comma, node.end - 1]);
      }
    }
    for (const k in node) {
      const v = node[k];
      if (Array.isArray(v)) for (let i = v.length - 1; i >= 0; i--) isNode(v[i]) && stack.push([v[i], node]);
      else if (isNode(v)) stack.push([v, node]);
    }
  }
  return found;
}
