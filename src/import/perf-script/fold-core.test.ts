import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PerfScriptFolder } from './folder.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

test('the committed WebAssembly core is fold-core.wat as it stands', async () => {
  const { foldCoreModuleText } = (await import(`${root}scripts/build-fold-wasm.js`)) as { foldCoreModuleText: () => Promise<string> };
  const committed = readFileSync(`${root}src/import/perf-script/fold-core-wasm.ts`, 'utf8');
  assert.equal(committed, await foldCoreModuleText(), 'fold-core-wasm.ts is stale: run node scripts/build-fold-wasm.js');
});

/**
 * A capture past every table's first size: 1,500 samples of 1,000 distinct stacks, 20,000
 * distinct frame lines (long ones too), samples 600 frames deep, two threads (one named java*,
 * whose frames are tidied differently), with the expected folded lines built alongside.
 */
function bigCapture(): { text: string; expected: Map<string, number> } {
  const out: string[] = [];
  const expected = new Map<string, number>();
  for (let s = 0; s < 1500; s++) {
    const id = s % 1000;
    const comm = id % 7 === 0 ? 'java' : 'node';
    const depth = id % 97 === 0 ? 600 : 20;
    const period = 1000 + (s % 13);
    out.push(`${comm} 4242/${4242 + (id % 3)} [001] 100.${String(s).padStart(6, '0')}: ${period} cpu-clock: `);
    const frames: string[] = [];
    for (let d = 0; d < depth; d++) {
      const fn = `Lcom/example/f${id}_${d}${d % 200 === 0 ? 'x'.repeat(300) : ''}`;
      out.push(`\t    ${(0x1000 + d).toString(16)} ${fn}+0x1f (/opt/app/lib${id % 5}.so)`);
      frames.push(comm === 'java' ? fn.slice(1) : fn);
    }
    out.push('');
    const key = [comm, ...frames.reverse()].join(';');
    expected.set(key, (expected.get(key) ?? 0) + period);
  }
  return { text: out.join('\n') + '\n', expected };
}

test('tables grown far past their first size fold every sample to its own stack', () => {
  const { text, expected } = bigCapture();
  const bytes = Buffer.from(text, 'latin1');
  const want = [...expected].map(([k, w]) => `${k} ${w}`).sort();
  for (const chunk of [bytes.length, 65536, 4099]) {
    const f = new PerfScriptFolder();
    for (let i = 0; i < bytes.length; i += chunk) f.pushBytes(bytes.subarray(i, i + chunk));
    const st = f.end();
    assert.equal(st.samples, 1500);
    assert.equal(st.lines, text.split('\n').length - 1);
    assert.deepEqual(f.lines(), want, `chunks of ${chunk} bytes`);
  }
  // Read straight into the folder's input, in reads shorter than asked, as a pipe gives them.
  const f = new PerfScriptFolder();
  let at = 0;
  while (at < bytes.length) {
    const n = f.readBytes(1 << 16, (into) => {
      const k = Math.min(into.length, 1000 + (at % 7919), bytes.length - at);
      into.set(bytes.subarray(at, at + k));
      return k;
    });
    at += n;
  }
  f.end();
  assert.deepEqual(f.lines(), want);
});

test('a line cut by a chunk end, bad lines between good ones, and a last line without its newline', () => {
  const text = [
    'node 1 1.0: 10 cpu-clock: ',
    '\t1 a (/x)',
    '\t2 b (/x)',
    '',
    'node 1 2.0: 10 cpu-clock: ',
    '\tnot a frame',
    '\t1 a (/x)',
    '\t2 b (/x)',
    '',
    'node 1 3.0: 5 cpu-clock: ',
    '\t1 a (/x)',
    '\t2 b (/x)',
  ].join('\n');
  for (let cut = 1; cut < text.length; cut++) {
    const f = new PerfScriptFolder();
    f.pushBytes(Buffer.from(text.slice(0, cut), 'latin1'));
    f.pushBytes(Buffer.from(text.slice(cut), 'latin1'));
    const st = f.end();
    assert.deepEqual(f.lines(), ['node;b;a 20'], `cut at ${cut}`);
    // The last sample has no blank line after it: dropped, as the Perl drops it.
    assert.equal(st.danglingFrames, 2);
    assert.deepEqual(st.badSamples.map((b) => b.line), [6], `cut at ${cut}`);
  }
});
