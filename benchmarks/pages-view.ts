/**
 * npm run bench:pages — frames per second of the page visualizer with a million pages and a
 * hundred thousand faults, in headless Chromium (software rendering, --disable-gpu).
 *
 * The page map is synthetic but shaped like a real one: 16 processes with code, heap, anonymous and
 * stack mappings, pages scattered over 6 GB of physical memory, a third of them shared; the faults
 * are a uffd-style restore touching random pages over 2 s of trace time. Measured: load time
 * (parse + first paint, with the page's own marks for the HTML parse and the decoding), time
 * from a click on a process in the tree to the frame that shows it, and frames per second while
 * playing the whole trace (requestAnimationFrame callbacks per second, as a user sees them), in
 * the default layout and in the full physical layout. COMPARE=page.html measures another
 * build's page of the same data in turns with this one (make it with KEEP=page.html there).
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

import { FaultTraceBuilder } from '../src/model/faults.js';
import { PageMapBuilder, PAGE_EXCLUSIVE, PAGE_FILE_SHARED } from '../src/model/page-map.js';
import { buildView } from '../src/model/pages-view.js';
import { renderHtml } from '../src/pages/view.js';
import { launchChromium } from '../src/launch/chromium.js';
import { median } from '../src/bench/stats.js';
import type { Browser } from 'playwright-core';

const PAGES = Number(process.env.PAGES ?? 1_000_000);
const FAULTS = Number(process.env.FAULTS ?? 100_000);
const PHYS_PAGES = (6 * 2 ** 30) / 4096;
const PS = 4096;

// A deterministic generator, so runs compare.
let seed = 42;
const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

function synthetic(): { html: Promise<string>; pages: number; faults: number } {
  const b = new PageMapBuilder(PS, 'synthetic');
  // A random injective page → frame assignment: a shuffled prefix of the physical frames.
  const frames = new Float64Array(PHYS_PAGES);
  for (let i = 0; i < PHYS_PAGES; i++) frames[i] = i;
  for (let i = 0; i < PAGES; i++) {
    const j = i + Math.floor(rnd() * (PHYS_PAGES - i));
    const t = frames[i]!;
    frames[i] = frames[j]!;
    frames[j] = t;
  }
  const procs = 16;
  const perProc = Math.floor(PAGES / procs);
  let f = 0;
  const all: Array<{ pid: number; vaddr: number; paddr: number }> = [];
  const shared = frames.subarray(0, Math.floor(perProc / 3)); // libraries mapped by everyone
  for (let p = 0; p < procs; p++) {
    const pid = 1000 + p;
    const o = b.owner(pid, p % 2 ? '/usr/bin/node' : '/opt/jdk/bin/java');
    const layout: Array<[string, number]> = [['/usr/bin/node', 0.2], ['/usr/lib/x86_64-linux-gnu/libc.so.6', 0.13], ['[heap]', 0.17], ['', 0.45], ['[stack]', 0.05]];
    let va = 0x400000 + p * 0x1000000000;
    for (const [name, share] of layout) {
      const n = Math.floor(perProc * share);
      const start = va;
      o.addMapping({ start, end: start + n * PS + 64 * PS, name, perms: name.startsWith('/') ? 'r-xp' : 'rw-p' });
      for (let i = 0; i < n; i++) {
        const isShared = name.includes('libc') && i < shared.length;
        const paddr = (isShared ? shared[i % shared.length]! : frames[shared.length + (f++ % (PAGES - shared.length))]!) * PS;
        o.addPage(start + i * PS, paddr, isShared ? PAGE_FILE_SHARED : PAGE_EXCLUSIVE);
        all.push({ pid, vaddr: start + i * PS, paddr });
      }
      va = start + (n + 1024) * PS;
    }
  }
  const map = b.build();
  const t = new FaultTraceBuilder('uffd', 'restore');
  for (let i = 0; i < FAULTS; i++) {
    const pg = all[Math.floor(rnd() * all.length)]!;
    t.add({ time: (i / FAULTS) * 2000, addr: pg.vaddr, physAddr: pg.paddr, access: rnd() < 0.3 ? 'write' : 'read', action: 'load', pid: pg.pid });
  }
  const view = buildView([{ title: 'synthetic restore', map, trace: t.build(), nmt: [], problems: [] }]);
  const pages = map.owners.reduce((s, o) => s + o.vaddr.length, 0);
  return { html: renderHtml(view, 'bench'), pages, faults: FAULTS };
}

interface Measure {
  loadMs: number;
  /** From the page's own marks (absent from pages built before they existed). */
  scriptMs?: number;
  decodedMs?: number;
  /** Click on a process in the tree → the next frame, in the page (median of five processes). */
  selectMs: number;
}

/** Open a page, wait for its first paint, then select five processes one after another. */
async function measureOnce(browser: Browser, file: string): Promise<Measure> {
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    const l0 = performance.now();
    await page.goto('file://' + file);
    await page.waitForFunction(() => (window as unknown as { thawPages?: { ready: boolean } }).thawPages?.ready === true, undefined, { timeout: 120_000 });
    const loadMs = performance.now() - l0;
    const marks = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType('mark').map((e) => [e.name, e.startTime])) as Record<string, number>);
    const selects: number[] = [];
    for (const pid of [1003, 1008, 1011, 1003, 1014]) {
      selects.push(
        await page.evaluate(
          (pid) =>
            new Promise<number>((done) => {
              const t0 = performance.now();
              (document.querySelector(`[data-testid="tree-pid-${pid}"] .name`) as HTMLElement).click();
              // The frame that shows the new colours, then the task after it.
              requestAnimationFrame(() => setTimeout(() => done(performance.now() - t0), 0));
            }),
          pid,
        ),
      );
    }
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    return { loadMs, scriptMs: marks['thaw:script'], decodedMs: marks['thaw:decoded'], selectMs: median(selects) };
  } finally {
    await page.close();
  }
}

async function measureFps(browser: Browser, file: string): Promise<Array<{ label: string; fps: number; worstMs: number; faultsShown: number }>> {
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  await page.goto('file://' + file);
  await page.waitForFunction(() => (window as unknown as { thawPages?: { ready: boolean } }).thawPages?.ready === true, undefined, { timeout: 120_000 });
  const measure = async (label: string): Promise<{ label: string; fps: number; worstMs: number; faultsShown: number }> => {
    // Play the 2 s trace at 0.25x: 8 s of playback, ~12.5k faults painted per second.
    const r = await page.evaluate(async () => {
      const api = (window as unknown as { thawPages: { play(): void; setSpeed(s: number): void } }).thawPages;
      (document.querySelector('[data-testid="reset"]') as HTMLButtonElement).click();
      api.setSpeed(0.25);
      api.play();
      let frames = 0;
      let worst = 0;
      let last = performance.now();
      const start = last;
      await new Promise<void>((done) => {
        const loop = (now: number): void => {
          frames++;
          worst = Math.max(worst, now - last);
          last = now;
          if (now - start < 5000) requestAnimationFrame(loop);
          else done();
        };
        requestAnimationFrame(loop);
      });
      const shown = Number(document.querySelector('[data-testid="counter"]')!.textContent!.split(' / ')[0]);
      (document.querySelector('[data-testid="play"]') as HTMLButtonElement).click();
      return { fps: (frames * 1000) / (performance.now() - start), worstMs: worst, shown };
    });
    return { label, fps: r.fps, worstMs: r.worstMs, faultsShown: r.shown };
  };
  const compact = await measure(String(await page.inputValue('[data-testid="layout"]')));
  await page.selectOption('[data-testid="layout"]', 'physical');
  const physical = await measure('physical');
  await page.close();
  return [compact, physical];
}

const ROUNDS = Number(process.env.ROUNDS ?? 5);

async function main(): Promise<void> {
  const t0 = performance.now();
  const data = synthetic();
  const html = await data.html;
  const genMs = performance.now() - t0;
  const dir = mkdtempSync(join(tmpdir(), 'thaw-bench-pages-'));
  const file = join(dir, 'view.html');
  writeFileSync(file, html);
  // COMPARE=other.html: another build's page of the same data (KEEP=… from that build),
  // measured in turns with this one so the machine's load falls on both alike.
  const pages: Array<{ name: string; file: string; bytes: number }> = [{ name: 'this build', file, bytes: html.length }];
  if (process.env.COMPARE) pages.push({ name: process.env.COMPARE_NAME ?? process.env.COMPARE, file: process.env.COMPARE, bytes: statSync(process.env.COMPARE).size });
  const browser = await launchChromium();
  try {
    const runs = new Map<string, Measure[]>(pages.map((p) => [p.name, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const p of r % 2 ? [...pages].reverse() : pages) runs.get(p.name)!.push(await measureOnce(browser, p.file));
    }
    const fps = await measureFps(browser, file);
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`;
    const range = (xs: number[]): string => `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)} – ${Math.max(...xs).toFixed(0)})`;
    console.log(`thaw pages view benchmark: ${data.pages} pages, ${data.faults} faults, HTML ${(html.length / 1e6).toFixed(1)} MB (generated in ${genMs.toFixed(0)} ms)`);
    console.log(`machine: ${machine}, 1-minute load average ${loadavg()[0]!.toFixed(1)}; Chromium headless, --disable-gpu; ${ROUNDS} rounds${pages.length > 1 ? ', pages in turns' : ''}; ms as median (min – max)`);
    console.log('| page | HTML | load to first paint | of which: HTML read and parsed | data decoded | select a process (click → next frame) |');
    console.log('|---|---|---|---|---|---|');
    for (const p of pages) {
      const ms = runs.get(p.name)!;
      const script = ms.map((m) => m.scriptMs).filter((x): x is number => x !== undefined);
      const decoded = ms.filter((m) => m.scriptMs !== undefined && m.decodedMs !== undefined).map((m) => m.decodedMs! - m.scriptMs!);
      console.log(`| ${p.name} | ${(p.bytes / 1e6).toFixed(1)} MB | ${range(ms.map((m) => m.loadMs))} | ${script.length ? range(script) : '—'} | ${decoded.length ? range(decoded) : '—'} | ${range(ms.map((m) => m.selectMs))} |`);
    }
    console.log('\n| layout | frames/s while playing | worst frame | faults painted in 5 s |');
    console.log('|---|---|---|---|');
    for (const m of fps) console.log(`| ${m.label} | ${m.fps.toFixed(1)} | ${m.worstMs.toFixed(0)} ms | ${m.faultsShown} |`);
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// KEEP=view.html writes the synthetic view to look at instead of measuring it.
if (process.env.KEEP) writeFileSync(process.env.KEEP, await synthetic().html);
else await main();
