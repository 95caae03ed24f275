/**
 * `thaw fold` end to end: real perf captures of a Node and a JVM workload with JIT frames fold to
 * the same set of lines as Brendan Gregg's stackcollapse-perf.pl (the golden files are the output
 * of the upstream script as found in the search index: Thaumy/FlameGraph at ca26a74),
 * the parallel path agrees with the single-threaded one, and bad input is reported, not fatal.
 * Then FlameGraph's own test suite (every input × option set of its test.sh) and inferno's
 * collapse-perf cases, byte for byte, and the options whose output depends on this machine
 * (--inline, --context, --srcline) against the Perl script itself.
 */
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { killAll, run } from '../src/launch/spawn.js';
import { needs, root, scratch, thaw, thawBin } from './helpers.js';

after(killAll);
const fixtures = join(root, 'src/import/fixtures/perf-script');
const dir = scratch('thaw-fold-');
const capture = join(dir, 'node-jit.perf-script.txt');
writeFileSync(capture, gunzipSync(readFileSync(join(fixtures, 'node-jit.perf-script.txt.gz'))));
const lineSet = (s: string): Set<string> => new Set(s.split('\n').filter((l) => l !== ''));

test('thaw fold prints the lines stackcollapse-perf.pl prints for a real Node capture', { skip: needs('perf') }, async () => {
  const r = await thaw(['fold', capture]);
  assert.equal(r.status, 0, r.stderr);
  const golden = lineSet(readFileSync(join(fixtures, 'node-jit.stackcollapse-perf.folded'), 'latin1'));
  const mine = lineSet(r.stdout);
  assert.equal(mine.size, golden.size);
  assert.deepEqual(mine, golden);
  // The capture has JIT frames from the perf map, named by V8.
  assert.ok([...mine].some((l) => /;JS:\*\w+ \/tmp\/prof\/work\.js:\d+:\d+/.test(l)), 'optimised JS frames by name');
  assert.equal(r.stderr, '');
});

test('thaw fold prints the lines stackcollapse-perf.pl prints for a real JVM capture', { skip: needs('perf', 'java') }, async () => {
  // perf record -e cpu-clock -g -F 997 -- java -XX:+PreserveFramePointer
  //   -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit Spin (two CPU-bound threads)
  const javaCapture = join(dir, 'java-jit.perf-script.txt');
  writeFileSync(javaCapture, gunzipSync(readFileSync(join(fixtures, 'java-jit.perf-script.txt.gz'))));
  const r = await thaw(['fold', javaCapture]);
  assert.equal(r.status, 0, r.stderr);
  const golden = lineSet(gunzipSync(readFileSync(join(fixtures, 'java-jit.stackcollapse-perf.folded.gz'))).toString('latin1'));
  const mine = lineSet(r.stdout);
  assert.equal(mine.size, golden.size);
  assert.deepEqual(mine, golden);
  // Both threads (the `java` main thread and `worker-maps`) reach the program's methods by name.
  assert.ok([...mine].some((l) => l.startsWith('java;') && l.includes('Spin.sortRandom')));
  assert.ok([...mine].some((l) => l.startsWith('worker-maps;') && l.includes('Spin.maps')));
});

test('a large file folded by worker threads gives the same lines as one thread', async () => {
  const big = join(dir, 'big.txt');
  const one = readFileSync(capture);
  writeFileSync(big, '');
  // 9 copies of a real capture: past the size where thaw fold splits the file between cores.
  for (let i = 0; i < 9; i++) appendFileSync(big, one);
  const [par, seq] = await Promise.all([thaw(['fold', '--threads', '2', big]), thaw(['fold', '--threads', '1', big])]);
  assert.equal(par.status, 0, par.stderr);
  assert.equal(seq.status, 0, seq.stderr);
  assert.equal(par.stdout, seq.stdout);
  // The options reach every worker: annotations, thread names, a chosen event type.
  const opts = ['--all', '--tid', '--addrs', '--event-filter', 'cpu-clock'];
  const [parOpts, seqOpts] = await Promise.all([thaw(['fold', '--threads', '2', ...opts, big]), thaw(['fold', '--threads', '1', ...opts, big])]);
  assert.equal(parOpts.status, 0, parOpts.stderr);
  assert.equal(parOpts.stdout, seqOpts.stdout);
  assert.match(parOpts.stdout, /^node-\?\/\d+;.*_\[k\]/m);
  assert.notEqual(parOpts.stdout, par.stdout);
  // Weights are 9 times the single capture's.
  const single = new Map([...lineSet(readFileSync(join(fixtures, 'node-jit.stackcollapse-perf.folded'), 'latin1'))].map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))]));
  for (const l of lineSet(par.stdout)) {
    const k = l.slice(0, l.lastIndexOf(' '));
    assert.equal(Number(l.slice(l.lastIndexOf(' ') + 1)), 9 * single.get(k)!, k);
  }
});

test('truncated and garbage lines are counted with their line numbers, not fatal', async () => {
  const text = readFileSync(capture, 'latin1');
  const cut = text.slice(0, 20_000);
  const bad = join(dir, 'bad.txt');
  // A garbage line inside, and the file cut off in the middle of a frame line.
  const lines = cut.split('\n');
  lines.splice(5, 0, '### not a comment', '%%% garbage %%%');
  writeFileSync(bad, lines.join('\n'), 'latin1');
  const r = await thaw(['fold', bad]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.length > 0);
  assert.match(r.stderr, /unrecognised line[s]? skipped \(line 7: "%%% garbage %%%"/);
  assert.match(r.stderr, /input ends inside a sample/);
});

test('input without samples, or a missing file: one clear error line', async () => {
  const junk = join(dir, 'junk.txt');
  writeFileSync(junk, 'hello\nworld\n');
  const r = await thaw(['fold', junk]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^thaw: error: \[E_FOLD_INPUT\] .*junk\.txt holds no perf samples \(2 lines, 2 unrecognised, first at line 1\)/);
  assert.match(r.stderr, /fix: give the text of `perf script/);
  const missing = await thaw(['fold', join(dir, 'nope.txt')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /\[E_FOLD_INPUT\] cannot read .*nope\.txt/);
});

test('thaw fold starts on its own bundle and answers as the full CLI does, help and errors included', async () => {
  // bin/thaw starts dist/src/cli/fold-entry.cjs for `thaw fold`; the full CLI is main.js.
  assert.ok(existsSync(join(root, 'dist/src/cli/fold-entry.cjs')), 'npm run build writes the fold bundle');
  const full = (args: string[]) => run([process.execPath, join(root, 'dist/src/cli/main.js'), ...args]);
  for (const args of [['fold', capture], ['fold', '--all', '--threads=1', capture], ['fold', '--pid', '--event-filter', 'cpu-clock', capture]]) {
    const [fast, slow] = await Promise.all([thaw(args), full(args)]);
    assert.equal(fast.status, 0, fast.stderr);
    assert.ok(fast.stdout.length > 1000);
    assert.equal(fast.stdout, slow.stdout, args.join(' '));
    assert.equal(fast.stderr, slow.stderr);
  }
  // Shapes the bundle leaves to the full CLI: the same help, the same one-line usage errors.
  for (const args of [['fold', '--help'], ['fold'], ['fold', '--threads', '0', capture], ['fold', '--bogus', capture]]) {
    const [fast, slow] = await Promise.all([thaw(args), full(args)]);
    assert.equal(fast.status, slow.status, args.join(' '));
    assert.equal(fast.stdout, slow.stdout);
    assert.equal(fast.stderr, slow.stderr);
    if (args[1] === '--help') assert.match(fast.stdout, /^Usage: thaw fold \[options\] <perf_script_txt>/);
    else assert.match(fast.stderr, /^thaw: error: \[E_USAGE\] [^\n]+\n  fix: [^\n]+\n$/);
  }
});

// FlameGraph's own suite (test/fixtures/flamegraph/README.md says where each file came from).
const fg = join(root, 'test/fixtures/flamegraph');
/** A fixture's text, gunzipped when it was stored compressed. */
function fixture(path: string): Buffer {
  return existsSync(path) ? readFileSync(path) : gunzipSync(readFileSync(path + '.gz'));
}
/** A fixture as a plain file thaw can read (gunzipped once: other runs may be reading it). */
const unzipped = new Map<string, string>();
function fixtureFile(path: string): string {
  if (existsSync(path)) return path;
  let out = unzipped.get(path);
  if (!out) {
    out = join(dir, basename(path));
    writeFileSync(out, fixture(path));
    unzipped.set(path, out);
  }
  return out;
}
/** Runs at most n at a time (each is a thaw process). */
async function pooled<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

test("FlameGraph's test.sh: 13 inputs × --pid --tid --kernel --jit --all --addrs print the upstream results", async () => {
  const inputs = readdirSync(join(fg, 'test')).filter((n) => n.startsWith('perf-')).map((n) => n.replace(/\.gz$/, ''));
  assert.equal(inputs.length, 13);
  const cases = inputs.flatMap((input) => ['pid', 'tid', 'kernel', 'jit', 'all', 'addrs'].map((opt) => ({ input, opt })));
  const failures: string[] = [];
  let viaScript = 0;
  await pooled(cases, 4, async ({ input, opt }) => {
    const name = `${input.replace(/\.txt$/, '')}-collapsed-${opt}.txt`;
    // Where the stored upstream result is older than the script, the script's output is the reference.
    const override = join(fg, 'script-results', name);
    const expectedPath = existsSync(override) || existsSync(override + '.gz') ? override : join(fg, 'test/results', name);
    if (expectedPath === override) viaScript++;
    const r = await thaw(['fold', `--${opt}`, fixtureFile(join(fg, 'test', input))]);
    if (r.status !== 0) failures.push(`${name}: exit ${r.status}: ${r.stderr}`);
    else if (r.stdout !== fixture(expectedPath).toString('latin1')) failures.push(`${name}: output differs`);
  });
  assert.deepEqual(failures, []);
  assert.equal(cases.length, 78);
  assert.equal(viaScript, 8);
});

test('--all on stdin gives what it gives on a file (as inferno checks)', async () => {
  const input = fixtureFile(join(fg, 'test/perf-vertx-stacks-01.txt'));
  const r = await run(['sh', '-c', 'exec "$0" fold --all - < "$1"', thawBin, input], { timeoutMs: 120_000, env: { THAW_CLI_NODE: process.execPath } });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, fixture(join(fg, 'test/results/perf-vertx-stacks-01-collapsed-all.txt')).toString('latin1'));
});

test("inferno's collapse-perf cases fold as stackcollapse-perf.pl folds them", async () => {
  const inf = join(fg, 'inferno');
  const cases: Array<[string, string]> = [
    ['cpp-stacks-std-function', ''], ['empty-line', ''], ['go-stacks', ''], ['java-inline', ''], ['no-events', ''], ['single-event', ''],
    ['single-line-stacks', ''], ['sourcepawn-jitdump', 'jit'], ['versioned-vmlinux', 'kernel'], ['weird-stack-line', ''], ['example-perf-stacks', ''],
  ];
  const failures: string[] = [];
  await pooled(cases, 4, async ([name, opt]) => {
    const input = name === 'example-perf-stacks' ? fixtureFile(join(fg, 'example-perf-stacks.txt')) : join(inf, `${name}.txt`);
    const result = join(inf, 'results', `${name}-collapsed${opt ? '-' + opt : ''}`);
    const expected = fixture(existsSync(result + '.txt') || existsSync(result + '.txt.gz') ? result + '.txt' : result + '.script.txt').toString('latin1');
    const r = await thaw(['fold', ...(opt ? [`--${opt}`] : []), input]);
    if (expected === '') {
      // The Perl prints nothing; thaw says why in one line.
      if (r.status !== 1 || r.stdout !== '' || !/^thaw: error: \[E_FOLD_INPUT\] [^\n]+\n  fix: [^\n]+\n$/.test(r.stderr)) failures.push(`${name}: exit ${r.status}: ${r.stderr}`);
    } else if (r.status !== 0 || r.stdout !== expected) failures.push(`${name}: exit ${r.status}, output ${r.stdout === expected ? 'same' : 'differs'}: ${r.stderr}`);
  });
  assert.deepEqual(failures, []);
  // A sample that no blank line ends is dropped, as the Perl drops it, and the error says so.
  const r = await thaw(['fold', join(inf, 'single-event.txt')]);
  assert.match(r.stderr, /ends inside its first perf sample.*\n  fix: end the file with a blank line/);
  const weird = await thaw(['fold', join(inf, 'weird-stack-line.txt')]);
  assert.match(weird.stderr, /1 unrecognised line skipped \(line 5: .*THIS_IS_A_WEIRD_LINE/);
  assert.match(weird.stderr, /input ends inside a sample/);
});

test('--event-filter keeps the named event type, as stackcollapse-perf.pl does', { skip: needs('perl') }, async () => {
  const input = join(fg, 'test/perf-cycles-instructions-01.txt');
  // Its first event type is instructions (333 samples), then cycles (111).
  const [instructions, cycles] = await Promise.all([thaw(['fold', input]), thaw(['fold', '--event-filter=cycles', input])]);
  assert.equal(cycles.status, 0, cycles.stderr);
  assert.equal(instructions.status, 0, instructions.stderr);
  assert.notEqual(instructions.stdout, cycles.stdout);
  assert.equal(cycles.stdout, await perlFold(['--event-filter=cycles', input]));
  assert.match(cycles.stderr, /333 samples of other events than cycles skipped \(--event-filter\)/);
  assert.match(instructions.stderr, /111 samples of other events than instructions skipped \(first event type only\)/);
});

/** stackcollapse-perf.pl itself (vendored beside the fixtures), for options whose output depends on this machine. */
async function perlFold(args: string[]): Promise<string> {
  const r = await run(['perl', join(fg, 'stackcollapse-perf.pl'), ...args], { timeoutMs: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('--srcline reads `perf script -F+srcline` text as stackcollapse-perf.pl does', { skip: needs('perl') }, async () => {
  // The shapes of the script's own comment: a source line after each frame, none after an
  // unknown frame of an unknown module, `lib.so[27b25]` and `[kernel.kallsyms][…]` tidied.
  const input = join(dir, 'srcline.txt');
  writeFileSync(input, [
    'a.out 35081 252436.005167:     667783 cycles:',
    '                  408ebb some_method_name+0x8b (/full/path/to/a.out)',
    '  uniform_int_dist.h:300',
    '                  4069f5 main+0x935 (/full/path/to/a.out)',
    '  file.cpp:137',
    '            7f6d2148eb25 __libc_start_main+0xd5 (/lib64/libc-2.33.so)',
    '  libc-2.33.so[27b25]',
    '',
    'a.out 35081 252435.738373:     315813 cycles:',
    '            7f6d215ca51b __strlen_avx2+0x4b (/lib64/libc-2.33.so)',
    '  libc-2.33.so[16351b]',
    '            7ffc71ee9580 [unknown] ([unknown])',
    '',
    'a.out 35081 252435.718940:     247984 cycles:',
    '        ffffffff814f9302 up_write+0x32 ([kernel.kallsyms])',
    '  [kernel.kallsyms][ffffffff814f9302]',
    '                  4069f5 inner->outer+0x935 (/full/path/to/a.out)',
    '  inner.h:3',
    '  outer.c:9',
    '',
    '',
  ].join('\n'));
  const [mine, perl] = await Promise.all([thaw(['fold', '--srcline', input]), perlFold(['--srcline', input])]);
  assert.equal(mine.status, 0, mine.stderr);
  assert.equal(mine.stdout, perl);
  assert.ok(mine.stdout.includes('a.out;__libc_start_main:libc-2.33.so;main:file.cpp:137;some_method_name:uniform_int_dist.h:300 667783'), mine.stdout);
  assert.equal(mine.stderr, '');
});

test('--inline and --context expand inlined calls with addr2line, as stackcollapse-perf.pl does', { skip: needs('perl', 'gcc', 'addr2line') }, async () => {
  // A real binary with inlined functions and debug information, built here.
  const src = join(dir, 'inl.c');
  const bin = join(dir, 'inl');
  writeFileSync(src, [
    'static inline __attribute__((always_inline)) int leaf_work(int x) { int s = 0; for (int i = 0; i < x; i++) s += i * x; return s; }',
    'static inline __attribute__((always_inline)) int middle_work(int x) { return leaf_work(x) + leaf_work(x + 1); }',
    'int main(int argc, char **argv) { (void)argv; return middle_work(argc * 1000) & 1; }',
    '',
  ].join('\n'));
  const cc = await run(['gcc', '-O2', '-g', '-o', bin, src], { timeoutMs: 120_000 });
  assert.equal(cc.status, 0, cc.stderr);
  const nm = await run(['nm', '-S', bin], { timeoutMs: 60_000 });
  const m = /^([0-9a-f]+) ([0-9a-f]+) T main$/m.exec(nm.stdout);
  assert.ok(m, nm.stdout);
  const base = parseInt(m[1]!, 16);
  const size = parseInt(m[2]!, 16);
  const lines: string[] = [];
  for (let off = 0; off < size; off += 3) {
    lines.push(`inl 100 1.${String(off).padStart(6, '0')}: 1000 cpu-clock:`, `\t${(base + off).toString(16)} main+0x${off.toString(16)} (${bin})`, `\tffffffff81000000 do_syscall_64+0x40 ([kernel.kallsyms])`, '');
  }
  // addr2line cannot place this address: the script falls back to nm's main + 0x10.
  lines.push('inl 100 2.000000: 1000 cpu-clock:', `\tffffffffff00 main+0x10 (${bin})`, '');
  // A binary that is not on this machine: folded as usual, reported once.
  lines.push('inl 100 3.000000: 1000 cpu-clock:', '\t4f1000 gone_func+0x1f (/nonexistent/libgone.so)', '');
  const input = join(dir, 'inline.txt');
  writeFileSync(input, lines.join('\n') + '\n');
  for (const flags of [['--inline'], ['--inline', '--context']]) {
    const [mine, perl] = await Promise.all([thaw(['fold', ...flags, input]), perlFold([...flags, input])]);
    assert.equal(mine.status, 0, mine.stderr);
    assert.equal(mine.stdout, perl, flags.join(' '));
    assert.ok(/;middle_work;leaf_work[; ]/.test(mine.stdout) || /;middle_work:inl\.c:\d+;leaf_work:inl\.c:\d+/.test(mine.stdout), mine.stdout);
    assert.match(mine.stdout, /^inl;gone_func 1000$/m);
    assert.match(mine.stderr, /--inline: addr2line could not read 1 module \(\/nonexistent\/libgone\.so: /);
  }
  // A file is read twice (addresses first, one addr2line run per module); stdin once, with one
  // addr2line run per address as the script does: the same lines.
  const piped = await run(['sh', '-c', 'exec "$0" fold --inline --context - < "$1"', thawBin, input], { timeoutMs: 120_000, env: { THAW_CLI_NODE: process.execPath } });
  assert.equal(piped.status, 0, piped.stderr);
  assert.equal(piped.stdout, await perlFold(['--inline', '--context', input]));
});
