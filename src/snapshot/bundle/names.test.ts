import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as esbuild from 'esbuild';
import { finishBundle } from './finish.js';

// Two modules declaring the same top-level name make esbuild rename one (execute → execute2).
const bundleOf = (minifyWhitespace: boolean): Promise<esbuild.BuildResult & { outputFiles: esbuild.OutputFile[] }> =>
  esbuild.build({
    stdin: {
      contents: `
        import { run as other } from './b.js';
        function handler(x) {
          function helper(a) { return a + 1; }
          class Local {}
          const arrow = (a) => a;
          let assigned; assigned = function () { return x; };
          const obj = { prop: () => (a) => a, 'quoted': function () {}, [String(x)]: () => 0 };
          const own = function ownName() {};
          const nested = () => { const deeper = () => 1; return deeper; };
          class Priv { #run = () => 1; get run() { return this.#run; } }
          const passed = [0].map(function passedOn() { return passedOn; })[0];
          // Called where it stands: minified, esbuild prints __name((function selfCalled(){…}),"selfCalled")().
          const called = (function selfCalled() { return selfCalled; })();
          return [helper, Local, arrow, other, assigned, obj.prop, obj.prop(), obj.quoted, obj[String(x)], own, nested, nested(), new Priv().run, passed, called].map((f) => f.name);
        }
        function execute() { return 'a'; }
        console.log(handler(1), execute.name);
      `,
      resolveDir: '/',
      loader: 'js',
    },
    plugins: [{ name: 'b', setup: (b) => { b.onResolve({ filter: /b\.js$/ }, () => ({ path: 'b', namespace: 'b' })); b.onLoad({ filter: /.*/, namespace: 'b' }, () => ({ contents: 'export function run() { return execute(); } function execute() { return 1; }', loader: 'js' })); } }],
    bundle: true,
    format: 'cjs',
    write: false,
    keepNames: true,
    minifyWhitespace,
  });

/** What the bundle logs when it runs. */
const print = (code: string): string => {
  const lines: string[] = [];
  new Function('console', code)({ log: (...a: unknown[]) => lines.push(JSON.stringify(a)) });
  return lines.join('\n');
};

test('keepNames calls that keep the declared name are dropped; renames and expressions stay; lines hold', async () => {
  const text = (await bundleOf(false)).outputFiles[0]!.text;
  assert.match(text, /__name\(helper, "helper"\);/, 'esbuild emits the call this removes');
  const out = finishBundle(text, false);
  assert.equal(out.split('\n').length, text.split('\n').length);
  assert.doesNotMatch(out, /__name\(helper, "helper"\)/);
  assert.doesNotMatch(out, /__name\(handler, "handler"\)/);
  assert.match(out, /__name\(execute2, "execute"\)/, 'a name the bundler changed is still restored');
  assert.match(text, /__name\(\(a\) => a, "arrow"\)/, 'esbuild wraps anonymous functions it names');
  for (const name of ['arrow', 'assigned', 'prop', 'nested', 'deeper', '#run', 'ownName', 'passedOn']) assert.match(text, new RegExp(`"${name}"\\)`), `${name}: esbuild wraps it`);
  for (const name of ['arrow', 'assigned', 'prop', 'quoted', 'nested', 'deeper', '#run', 'ownName', 'passedOn']) assert.doesNotMatch(out, new RegExp(`"${name}"\\)`), `${name}: the language names it`);
  const before = text.split('\n');
  out.split('\n').forEach((line, i) => assert.ok(line.trim() === '' || line.length === before[i]!.length, `line ${i + 1}: what is taken out becomes spaces, so columns hold`));
  // The program prints the same names either way.
  assert.equal(print(out), print(text));
  assert.equal(print(out), JSON.stringify([['helper', 'Local', 'arrow', 'run', 'assigned', 'prop', '', 'quoted', '1', 'ownName', 'nested', 'deeper', '#run', 'passedOn', 'selfCalled'], 'execute']));
});

test('in a whitespace-minified bundle too: the calls amid other statements go, columns hold, names are the same', async () => {
  const text = (await bundleOf(true)).outputFiles[0]!.text;
  assert.match(text, /[;{}]__name\(helper,"helper"\);/, 'esbuild emits the statement amid others');
  const out = finishBundle(text, false);
  assert.equal(out.length, text.length, 'what is taken out becomes spaces');
  for (const name of ['helper', 'handler', 'arrow', 'assigned', 'ownName', 'passedOn']) assert.doesNotMatch(out, new RegExp(`"${name.replace('#', '')}"\\)`), `${name}: dropped`);
  assert.match(out, /__name\(execute2,"execute"\)/, 'a name the bundler changed is still restored');
  assert.match(text, /__name\(\(function selfCalled\(\)\{[^}]*\}\),"selfCalled"\)\(\)/, 'esbuild wraps a function called where it stands');
  assert.doesNotMatch(out, /"selfCalled"\)/);
  assert.equal(print(out), print(text));
});
