/**
 * The suite's own runner (scripts/test.js) looks for processes the tests left behind and fails
 * naming them: a test that starts a server and forgets it cannot pass unnoticed.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { processesWhere } from '../src/launch/orphans.js';
import { run } from '../src/launch/spawn.js';
import { root, scratch } from './helpers.js';

const dir = scratch('thaw-orphans-');
// (The inner run is a run of its own: without NODE_TEST_CONTEXT, which marks a nested one.)

function testFile(name: string, body: string): string {
  const f = join(dir, `${name}.test.mjs`);
  writeFileSync(f, `import { spawn } from 'node:child_process';\nimport { test } from 'node:test';\ntest('${name}', async () => {\n${body}\n});\n`);
  return f;
}

test('a test that leaves a process running fails the run, which names it and kills it', async () => {
  // An odd duration names this sleep among any other on the machine.
  const seconds = String(300 + Math.floor(Math.random() * 600));
  const leaky = testFile('leaky', `  spawn('sleep', ['${seconds}'], { detached: true, stdio: 'ignore' }).unref();`);
  const r = await run([process.execPath, join(root, 'scripts/test.js'), leaky], { cwd: root, timeoutMs: 60_000, env: { NODE_TEST_CONTEXT: undefined } });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /✔ leaky/);
  assert.match(r.stderr, new RegExp(`thaw tests: 1 process\\(es\\) left behind by the suite \\(now killed\\):\\n  \\d+ sleep ${seconds}\\n`));
  assert.deepEqual(processesWhere((cmd) => cmd === `sleep ${seconds}`), []);
});

test('a test that stops what it starts passes, with no word about processes', async () => {
  const tidy = testFile('tidy', `  const c = spawn('sleep', ['30'], { stdio: 'ignore' });\n  c.kill();\n  await new Promise((r) => c.on('exit', r));`);
  const r = await run([process.execPath, join(root, 'scripts/test.js'), tidy], { cwd: root, timeoutMs: 60_000, env: { NODE_TEST_CONTEXT: undefined } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.doesNotMatch(r.stderr, /left behind/);
});
