/**
 * Flame graphs in a real headless Chromium (playwright-core): what a user sees after typing a
 * search (matched share, highlighted frames), clicking a frame (zoom), hovering (tooltip),
 * toggling icicle; a diff graph's controls; the SVG.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
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
