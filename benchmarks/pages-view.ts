/**
 * npm run bench:pages — frames per second of the page visualizer with a million pages and a
 * hundred thousand faults, in headless Chromium (software rendering, --disable-gpu).
 *
 * The page map is synthetic but shaped like a real one: 16 processes with code, heap, anonymous and
 * stack mappings, pages scattered over 6 GB of physical memory, a third of them shared; the faults
 * are a uffd-style restore touching random pages over 2 s of trace time. Measured: load time
 * (parse + first paint), time to select a process (repaint of every page), and frames per second
 * while playing the whole trace (requestAnimationFrame callbacks per second, as a user sees them),
 * in the default layout and in the full physical layout.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

import { FaultTraceBuilder } from '../src/model/faults.js';
import { PageMapBuilder, PAGE_EXCLUSIVE, PAGE_FILE_SHARED } from '../src/model/page-map.js';
import { buildView } from '../src/model/pages-view.js';
import { renderHtml } from '../src/pages/view.js';
import { launchChromium } from '../src/launch/chromium.js';

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

async function main(): Promise<void> {
  const t0 = performance.now();
  const data = synthetic();
  const html = await data.html;
  const genMs = performance.now() - t0;
  const dir = mkdtempSync(join(tmpdir(), 'thaw-bench-pages-'));
  const file = join(dir, 'view.html');
  writeFileSync(file, html);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const l0 = performance.now();
    await page.goto('file://' + file);
    await page.waitForFunction(() => (window as unknown as { thawPages?: { ready: boolean } }).thawPages?.ready === true, undefined, { timeout: 120_000 });
    const loadMs = performance.now() - l0;
    const s0 = performance.now();
    await page.click('[data-testid="tree-pid-1003"] .name');
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
    const selectMs = performance.now() - s0;

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
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`;
    console.log(`thaw pages view benchmark: ${data.pages} pages, ${data.faults} faults, HTML ${(html.length / 1e6).toFixed(1)} MB (generated in ${genMs.toFixed(0)} ms)`);
    console.log(`machine: ${machine}; Chromium headless, --disable-gpu`);
    console.log(`load to first paint: ${loadMs.toFixed(0)} ms; select a process (repaint all pages): ${selectMs.toFixed(0)} ms`);
    console.log('| layout | frames/s while playing | worst frame | faults painted in 5 s |');
    console.log('|---|---|---|---|');
    for (const m of [compact, physical]) console.log(`| ${m.label} | ${m.fps.toFixed(1)} | ${m.worstMs.toFixed(0)} ms | ${m.faultsShown} |`);
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// KEEP=view.html writes the synthetic view to look at instead of measuring it.
if (process.env.KEEP) writeFileSync(process.env.KEEP, await synthetic().html);
else await main();
