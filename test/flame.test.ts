/**
 * Flame graphs in a real headless Chromium (playwright-core): what a user sees after typing a
 * search (matched share, highlighted frames), clicking a frame (zoom), hovering (tooltip),
 * toggling icicle; a diff graph's controls; the SVG.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { killAll } from '../src/launch/spawn.js';
import { needs, root, scratch, thaw } from './helpers.js';
import { launchChromium } from '../src/launch/chromium.js';

const dir = scratch('thaw-flame-');
const folded = join(root, 'src/import/fixtures/perf-script/node-jit.stackcollapse-perf.folded');
let browser: Browser;

before(async () => {
  if (!needs('chromium')) browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await killAll();
});

interface Frame {
  name: string;
  kind: string;
  x: number;
  y: number;
  width: number;
  height: number;
  depth: number;
}

async function open(file: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto('file://' + file);
  return { page, errors };
}
/** Scrolls a frame into view and returns its centre in viewport coordinates, where a user would point. */
async function pointAt(page: Page, f: Frame): Promise<{ x: number; y: number }> {
  await page.evaluate((y) => {
    const c = document.getElementById('wrap')!.getBoundingClientRect();
    window.scrollBy(0, c.top + y - window.innerHeight / 2);
    (window as unknown as { flame: { redraw(): void } }).flame.redraw();
  }, f.y);
  const box = (await page.locator('#wrap').boundingBox())!;
  return { x: box.x + f.x + f.width / 2, y: box.y + f.y + f.height / 2 };
}
const frames = (page: Page): Promise<Frame[]> => page.evaluate(() => (window as unknown as { flame: { frames(): Frame[] } }).flame.frames());

async function magentaPixels(page: Page): Promise<number> {
  return page.evaluate(() => {
    const c = document.getElementById('flame') as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] === 225 && d[i + 1] === 60 && d[i + 2] === 225) n++;
    return n;
  });
}

test('HTML flame graph: search shows the matched share, click zooms, hover explains', { skip: needs('chromium') }, async () => {
  const html = join(dir, 'flame.html');
  const r = await thaw(['flame', folded, '-o', html, '--unit', 'ns', '--title', 'node work.js']);
  assert.equal(r.status, 0, r.stderr);
  const { page, errors } = await open(html);
  assert.equal(await page.title(), 'node work.js — thaw flame graph');
  const before = await frames(page);
  assert.ok(before.length > 50, `${before.length} frames drawn`);
  for (const k of ['kernel', 'native', 'jit-js', 'interpreted']) assert.ok(before.some((f) => f.kind === k), `a ${k} frame is drawn`);

  // Search: the share a user reads must be the share of the samples whose stack has a match.
  let all = 0;
  let hit = 0;
  for (const line of readFileSync(folded, 'latin1').split('\n').filter(Boolean)) {
    const w = Number(line.slice(line.lastIndexOf(' ') + 1));
    all += w;
    if (line.slice(0, line.lastIndexOf(' ')).split(';').slice(1).some((f) => /sortit/i.test(f))) hit += w;
  }
  assert.equal(await magentaPixels(page), 0);
  await page.fill('#search', 'sortit');
  await page.waitForFunction(() => !document.getElementById('matched')!.hidden);
  assert.equal(await page.textContent('#matched'), `Matched: ${((100 * hit) / all).toFixed(2)}%`);
  assert.ok(await magentaPixels(page) > 100, 'matched frames are highlighted');
  await page.screenshot({ path: join(dir, 'search.png') });

  // Zoom: click a frame; it then spans the whole width and the header names it.
  const target = before.find((f) => /^JS:\*sortit /.test(f.name))!;
  assert.ok(target, 'the optimised sortit frame is drawn');
  const canvasWidth = Math.max(...before.map((f) => f.x + f.width));
  assert.ok(target.width < canvasWidth * 0.99);
  const at = await pointAt(page, target);
  await page.mouse.move(at.x, at.y);
  const tip = await page.textContent('#tooltip');
  assert.match(tip!, /^JS:\*sortit .*\(jit-js\)\n[\d.]+ m?s, [\d.]+% of all\nself: /);
  assert.ok(await page.isVisible('#tooltip'));
  await page.mouse.click(at.x, at.y);
  assert.match((await page.textContent('#zoomed'))!, /^Zoomed: JS:\*sortit .* — [\d.]+% of all$/);
  const zoomed = (await frames(page)).find((f) => f.name === target.name && f.depth === target.depth)!;
  assert.ok(zoomed.width > canvasWidth * 0.99, `zoomed frame spans ${zoomed.width} of ${canvasWidth}`);
  assert.ok(!(await page.isDisabled('#reset')));
  await page.screenshot({ path: join(dir, 'zoom.png') });
  await page.click('#reset');
  assert.equal(await page.textContent('#zoomed'), '');

  // Icicle: the root row moves from the bottom to the top.
  const rootBefore = (await frames(page)).find((f) => f.depth === 0)!;
  await page.check('#icicle');
  const rootAfter = (await frames(page)).find((f) => f.depth === 0)!;
  assert.ok(rootAfter.y < rootBefore.y);
  assert.deepEqual(errors, []);
  await page.close();
});

test('from perf script text, tooltips give CPU time and the samples it was counted from', { skip: needs('chromium') }, async () => {
  const txt = join(dir, 'node-jit.perf-script.txt');
  writeFileSync(txt, gunzipSync(readFileSync(join(root, 'src/import/fixtures/perf-script/node-jit.perf-script.txt.gz'))));
  const html = join(dir, 'perf.html');
  const r = await thaw(['flame', txt, '-o', html]);
  assert.equal(r.status, 0, r.stderr);
  const { page, errors } = await open(html);
  const sort = (await frames(page)).find((f) => /^JS:\*sortit /.test(f.name))!;
  const at = await pointAt(page, sort);
  await page.mouse.move(at.x, at.y);
  const tip = (await page.textContent('#tooltip'))!;
  const m = /\n([\d.]+) (m?s) in ([\d,]+) samples, [\d.]+% of all/.exec(tip);
  assert.ok(m, JSON.stringify(tip));
  // cpu-clock at 997 Hz: each sample stands for about 1.003 ms of CPU.
  const ms = Number(m[1]) * (m[2] === 's' ? 1000 : 1);
  const samples = Number(m[3]!.replace(/,/g, ''));
  assert.ok(Math.abs(ms / samples - 1.003) < 0.02, `${ms} ms over ${samples} samples`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('diff flame graph: colours by the change of total or self, widths from either side', { skip: needs('chromium') }, async () => {
  const lines = readFileSync(folded, 'latin1').split('\n').filter(Boolean);
  // "after": the sort stacks weigh three times as much.
  const afterFolded = lines.map((l) => (l.includes('sortit') ? l.replace(/ (\d+)$/, (_, w) => ` ${3 * Number(w)}`) : l)).join('\n') + '\n';
  const a = join(dir, 'after.folded');
  writeFileSync(a, afterFolded, 'latin1');
  const html = join(dir, 'diff.html');
  const r = await thaw(['flame', a, '--diff', folded, '-o', html]);
  assert.equal(r.status, 0, r.stderr);
  const { page, errors } = await open(html);
  const fs = await frames(page);
  const sort = fs.find((f) => /^JS:\*sortit /.test(f.name))!;
  const at = await pointAt(page, sort);
  await page.mouse.move(at.x, at.y);
  const tip = (await page.textContent('#tooltip'))!;
  const m = /total: ([\d.]+)% → ([\d.]+)% \(\+([\d.]+) pp\)/.exec(tip);
  assert.ok(m, JSON.stringify(tip));
  assert.ok(Number(m[2]) > Number(m[1]), 'the sort share grew');
  // Grown frames are red.
  const red = await page.evaluate(() => {
    const c = document.getElementById('flame') as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] === 240 && d[i + 1]! < 120 && d[i + 2]! < 120) n++;
    return n;
  });
  assert.ok(red > 100, `${red} strongly red pixels`);
  const widthAfter = sort.width;
  await page.selectOption('#width-from', 'base');
  const sortBase = (await frames(page)).find((f) => f.name === sort.name && f.depth === sort.depth)!;
  assert.ok(sortBase.width < widthAfter, 'widths from the base side are narrower for a frame that grew');
  await page.selectOption('#colour-by', 'self');
  assert.deepEqual(errors, []);
  await page.screenshot({ path: join(dir, 'diff.png') });
  await page.close();
});

test('SVG output opens as an image with a rectangle per frame', { skip: needs('chromium') }, async () => {
  const svg = join(dir, 'flame.svg');
  const r = await thaw(['flame', folded, '-o', svg]);
  assert.equal(r.status, 0, r.stderr);
  const { page, errors } = await open(svg);
  const rects = await page.evaluate(() => document.querySelectorAll('svg rect').length);
  assert.ok(rects > 50, `${rects} rects`);
  assert.match((await page.textContent('svg'))!, /JS:\*sortit/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('bad flame arguments: one error line', async () => {
  const r = await thaw(['flame', folded, '-o', join(dir, 'x.png')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^thaw: error: \[E_USAGE\] -o .*x\.png: the output must end in \.html or \.svg/);
  const junk = join(dir, 'junk.bin');
  writeFileSync(junk, '\u0000\u0001garbage');
  const j = await thaw(['flame', junk, '-o', join(dir, 'y.html')]);
  assert.equal(j.status, 1);
  assert.match(j.stderr, /\[E_PROFILE_FORMAT\] .*junk\.bin: not a profile thaw reads/);
});

/** A 10,000-frame stack in the three input forms a user has: folded, perf script, .cpuprofile. */
function deepInputs(depth = 10_000): string[] {
  const frames = Array.from({ length: depth }, (_, i) => `f${i}`);
  const folded = join(dir, 'deep.folded');
  writeFileSync(folded, `main;${frames.slice(1).join(';')} 7\nmain;x 3\n`);
  let perf = '';
  for (let s = 0; s < 3; s++) {
    perf += `app  1234 100.${s + 1}: 1000000 cpu-clock: \n`;
    for (let i = depth - 1; i >= 0; i--) perf += `\t    ${(0x400000 + i).toString(16)} f${i}+0x1 (/bin/app)\n`;
    perf += '\n';
  }
  const script = join(dir, 'deep.perf-script.txt');
  writeFileSync(script, perf);
  const nodes = [{ id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1, columnNumber: -1 }, children: [2] }];
  for (let i = 2; i <= depth + 1; i++) nodes.push({ id: i, callFrame: { functionName: `f${i - 2}`, url: 'file:///a.js', lineNumber: 0, columnNumber: 0 }, children: i <= depth ? [i + 1] : [] });
  const cpu = join(dir, 'deep.cpuprofile');
  writeFileSync(cpu, JSON.stringify({ nodes, startTime: 0, endTime: 4000, samples: [depth + 1, depth + 1, 50, depth + 1], timeDeltas: [0, 1000, 1000, 1000] }));
  return [folded, script, cpu];
}

test('a 10,000-deep stack renders in every output format from folded, perf script and .cpuprofile', { skip: needs('chromium') }, async () => {
  for (const input of deepInputs()) {
    for (const ext of ['html', 'svg', 'folded', 'speedscope.json', 'pb', 'pb.gz']) {
      const out = `${input}.out.${ext}`;
      const r = await thaw(['flame', input, '-o', out]);
      assert.equal(r.status, 0, `${input} → ${ext}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /RangeError|    at /);
    }
    const folded = readFileSync(`${input}.out.folded`, 'utf8');
    assert.ok(folded.split('\n').some((l) => l.split(';').length >= 10_000 && /;f9999[^;]* \d+$/.test(l)), `${input}: the deep stack is in the folded output`);
    const svg = readFileSync(`${input}.out.svg`, 'utf8');
    assert.ok((svg.match(/<rect /g) ?? []).length > 10_000, `${input}: a rectangle per frame`);
    assert.ok(/<title>f9999[ (]/.test(svg), `${input}: the deepest frame is in the SVG`);
    // The page: the deepest frame is drawn, at the top of a flame 180,000 pixels tall.
    const { page, errors } = await open(`${input}.out.html`);
    const top = (await frames(page)).find((f) => f.name.startsWith('f9999'))!;
    assert.ok(top && top.depth >= 10_000 && top.width > 500, JSON.stringify(top));
    const at = await pointAt(page, top);
    await page.mouse.move(at.x, at.y);
    assert.match((await page.textContent('#tooltip'))!, /^f9999/);
    assert.deepEqual(errors, []);
    await page.close();
  }
});

test('a .cpuprofile node listing itself as its child: one error line, nothing written', async () => {
  const bad = join(dir, 'cycle.cpuprofile');
  const node = (id: number, children: number[]) => ({ id, callFrame: { functionName: id === 1 ? '(root)' : `f${id}`, url: '', lineNumber: 0, columnNumber: 0 }, children });
  writeFileSync(bad, JSON.stringify({ nodes: [node(1, [2]), node(2, [2])], startTime: 0, endTime: 10, samples: [2], timeDeltas: [0] }));
  const out = join(dir, 'cycle.html');
  const r = await thaw(['flame', bad, '-o', out]);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim().split('\n').length, 2, r.stderr);
  assert.match(r.stderr, /^thaw: error: \[E_PROFILE_INPUT\] cycle: \.cpuprofile node 2 is its own ancestor or has two parents\n/);
  assert.ok(!existsSync(out));
});

test('flame chart from a .cpuprofile: frames in time order, x is time', { skip: needs('chromium') }, async () => {
  const cpu = join(root, 'src/import/fixtures/speedscope/chrome65-simple.cpuprofile');
  const html = join(dir, 'chart.html');
  const r = await thaw(['flame', cpu, '--chart', '-o', html]);
  assert.equal(r.status, 0, r.stderr);
  const raw = JSON.parse(readFileSync(cpu, 'utf8')) as { nodes: Array<{ id: number; callFrame: { functionName: string }; children?: number[] }>; samples: number[]; timeDeltas: number[]; endTime: number; startTime: number };
  // What the chart must show at depth 3 (root, anonymous, a, then b or c): runs of samples, in order.
  const byId = new Map(raw.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of raw.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const at3 = raw.samples.map((id) => {
    const path: string[] = [];
    for (let k: number | undefined = id; k !== undefined; k = parent.get(k)) path.unshift(byId.get(k)!.callFrame.functionName);
    return path[3];
  });
  const runs = at3.filter((name, i) => name && name !== at3[i - 1]);
  const { page, errors } = await open(html);
  assert.equal(await page.title(), 'chrome65-simple — thaw flame chart');
  const row = (await frames(page)).filter((f) => f.depth === 3).sort((a, b) => a.x - b.x);
  assert.deepEqual(row.map((f) => f.name.split(' ')[0]), runs);
  const b = row.find((f) => f.name.startsWith('b'))!;
  const p = await pointAt(page, b);
  await page.mouse.move(p.x, p.y);
  assert.match((await page.textContent('#tooltip'))!, /\nfrom [\d.]+ ms to [\d.]+ ms$/);
  await page.screenshot({ path: join(dir, 'chart.png') });
  assert.deepEqual(errors, []);
  await page.close();
  // flamegraph.pl's spelling, and --inverted: the page opens as an icicle.
  const icicle = join(dir, 'chart-icicle.html');
  assert.equal((await thaw(['flame', cpu, '--flamechart', '--inverted', '-o', icicle])).status, 0);
  const inv = await open(icicle);
  assert.ok(await inv.page.isChecked('#icicle'));
  const invFrames = await frames(inv.page);
  assert.ok(invFrames.find((f) => f.depth === 0)!.y < invFrames.find((f) => f.depth === 3)!.y, 'root on top');
  assert.deepEqual((await frames(inv.page)).filter((f) => f.depth === 3).sort((a, b) => a.x - b.x).map((f) => f.name.split(' ')[0]), runs);
  await inv.page.close();
  const f = await thaw(['flame', folded, '--chart', '-o', join(dir, 'nochart.html')]);
  assert.equal(f.status, 1);
  assert.match(f.stderr, /^thaw: error: \[E_USAGE\] --chart needs one input with sample times; .* has none/);
});

/** Fill colour of every SVG frame, by frame name. */
function svgFills(svg: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of svg.matchAll(/<g><title>(.*?) \([^<]*<\/title><rect [^>]*fill="(rgb\([\d,]+\))"/g)) out.set(m[1]!.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'"), m[2]!);
  return out;
}

test('palettes: --colors java by annotation, one colour per frame across graphs, --hash', async () => {
  const collapsed = join(root, 'src/import/fixtures/collapsed/hot.collapsed');
  const a = join(dir, 'java.svg');
  assert.equal((await thaw(['flame', collapsed, '--colors', 'java', '-o', a])).status, 0);
  const fills = svgFills(readFileSync(a, 'utf8'));
  const rgb = (s: string) => s.slice(4, -1).split(',').map(Number) as [number, number, number];
  const [r, g, b] = rgb(fills.get('Hot.main_[j]')!);
  assert.ok(g >= 200 && r < 120 && b < 120, `JIT frames are green: ${fills.get('Hot.main_[j]')}`);
  const [ar, ag, ab] = rgb(fills.get('java/lang/Math.sqrt_[i]')!);
  assert.ok(ar < 120 && ag >= 165 && ab >= 165, 'inlined frames are aqua');
  // A second graph of different stacks: the frames they share keep their colours.
  const other = join(dir, 'other.collapsed');
  writeFileSync(other, readFileSync(collapsed, 'utf8').split('\n').filter((l) => l.includes('mathy')).join('\n') + '\nzzz_[j];Hot.mathy_[j] 50\n');
  const b2 = join(dir, 'java2.svg');
  assert.equal((await thaw(['flame', other, '--colors', 'java', '-o', b2])).status, 0);
  const fills2 = svgFills(readFileSync(b2, 'utf8'));
  assert.equal(fills2.get('Hot.mathy_[j]'), fills.get('Hot.mathy_[j]'));
  assert.equal(fills2.get('java/lang/Math.sqrt_[i]'), fills.get('java/lang/Math.sqrt_[i]'));
  // hot: red to yellow; --hash: similar names, similar shades.
  const hot = join(dir, 'hot.svg');
  assert.equal((await thaw(['flame', folded, '--colors', 'hot', '--hash', '-o', hot])).status, 0);
  for (const c of svgFills(readFileSync(hot, 'utf8')).values()) {
    const [hr, , hb] = rgb(c);
    assert.ok(hr >= 205 && hb <= 55, c);
  }
  const bad = await thaw(['flame', folded, '--colors', 'pink', '-o', hot]);
  assert.match(bad.stderr, /^thaw: error: \[E_USAGE\] --colors pink: expected one of kind, hot, mem, io, java, js, perl/);
});

test('--reverse, --inverted, --minwidth, --title and --subtitle in the SVG', async () => {
  const f = join(dir, 'small.folded');
  writeFileSync(f, 'main;work;leaf 90\nmain;other;leaf 5\nmain;tiny 1\n');
  const svg = async (...args: string[]): Promise<string> => {
    const out = join(dir, `opt-${args.join('').replace(/\W/g, '')}.svg`);
    const r = await thaw(['flame', f, '-o', out, ...args]);
    assert.equal(r.status, 0, r.stderr);
    return readFileSync(out, 'utf8');
  };
  const yOf = (s: string, name: string) => Number(new RegExp(`<title>${name} \\([^<]*</title><rect x="[\\d.]+" y="(\\d+)"`).exec(s)![1]);
  const plain = await svg('--title', 'My title', '--subtitle', 'a note');
  assert.match(plain, />My title<\/text>/);
  assert.match(plain, />a note<\/text>/);
  assert.ok(yOf(plain, 'main') > yOf(plain, 'work'), 'flame: the root below its callees');
  const icicle = await svg('--inverted');
  assert.ok(yOf(icicle, 'main') < yOf(icicle, 'work'), 'icicle: the root above its callees');
  const rev = await svg('--reverse');
  assert.match(rev, /<title>leaf \(95 samples, 98\.96%\)<\/title>/);
  const narrow = await svg('--minwidth', '2%');
  assert.doesNotMatch(narrow, /<title>tiny /);
  assert.match(narrow, /3 stacks, 96 samples, 1 narrow frames left out/);
  assert.match(await svg(), /<title>tiny \(1 samples, 1\.04%\)<\/title>/);
});

test("flamegraph.pl's two-column input is a diff; --diff-mode counts compares raw counts", { skip: needs('chromium') }, async () => {
  const f = join(dir, 'two.folded');
  writeFileSync(f, 'main;a 10 5\nmain;b 0 7\nmain;c 3 3\n');
  const svgOut = join(dir, 'two.svg');
  const r = await thaw(['flame', f, '--diff-mode', 'counts', '-o', svgOut]);
  assert.equal(r.status, 0, r.stderr);
  const svg = readFileSync(svgOut, 'utf8');
  assert.match(svg, /<title>a \(10 samples → 5 samples, -5 samples\)<\/title><rect [^>]*fill="rgb\(\d+,\d+,240\)"/);
  assert.match(svg, /<title>b \(0 samples → 7 samples, \+7 samples\)<\/title><rect [^>]*fill="rgb\(240,\d+,\d+\)"/);
  assert.doesNotMatch(svg, /a 10/);
  const html = join(dir, 'two.html');
  assert.equal((await thaw(['flame', f, '-o', html])).status, 0);
  const { page, errors } = await open(html);
  const a = (await frames(page)).find((x) => x.name === 'a')!;
  const p = await pointAt(page, a);
  await page.mouse.move(p.x, p.y);
  // Shares: a was 10 of 13, is 5 of 15.
  assert.match((await page.textContent('#tooltip'))!, /total: 76\.92% → 33\.33% \(-43\.59 pp\)/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('data loss is reported: skipped folded lines, samples without times; collapsed annotations survive a conversion', async () => {
  const f = join(dir, 'bad-lines.folded');
  writeFileSync(f, '# comment\nmain;a 6.\nmain;b 2\ngarbage here\nmain;c 1\nmore garbage\n');
  const out = join(dir, 'bad-lines.folded.out.folded');
  const r = await thaw(['flame', f, '-o', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^thaw flame: warning: .*bad-lines\.folded: 2 lines are not folded stacks and were skipped \(first at line 4\)\n/);
  assert.equal(readFileSync(out, 'utf8'), 'main;a 6\nmain;b 2\nmain;c 1\n');
  const fractional = join(dir, 'fractional.folded');
  writeFileSync(fractional, 'main;a 6.\nmain;b\t2.5\n');
  const svgOut = join(dir, 'fractional.svg');
  assert.equal((await thaw(['flame', fractional, '-o', svgOut])).status, 0);
  assert.match(readFileSync(svgOut, 'utf8'), /<title>b \(2\.5 samples, 29\.41%\)<\/title>/);
  const collapsed = join(root, 'src/import/fixtures/collapsed/hot.collapsed');
  const conv = join(dir, 'hot.folded');
  assert.equal((await thaw(['flame', collapsed, '-o', conv])).status, 0);
  const sorted = (t: string) => t.split('\n').filter(Boolean).sort();
  assert.deepEqual(sorted(readFileSync(conv, 'utf8')), sorted(readFileSync(collapsed, 'utf8')));
  const cpu = join(dir, 'short.cpuprofile');
  const node = (id: number, children: number[]) => ({ id, callFrame: { functionName: id === 1 ? '(root)' : 'work', url: 'file:///w.js', lineNumber: 0, columnNumber: 0 }, children });
  writeFileSync(cpu, JSON.stringify({ nodes: [node(1, [2]), node(2, [])], startTime: 0, endTime: 4000, samples: [2, 2, 2, 2], timeDeltas: [0, 1000] }));
  const c = await thaw(['flame', cpu, '-o', join(dir, 'short.svg')]);
  assert.equal(c.status, 0, c.stderr);
  assert.match(c.stderr, /warning: .*short\.cpuprofile: 2 of 4 samples have no time \(timeDeltas ends early\) and were left out/);
});
