/**
 * thaw pages end to end: snapshots of live processes against /proc, perf page-fault traces of real
 * Node starts, and the visualizer in headless Chromium.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { importMemMapping } from '../src/import/mem-mapping.js';
import { importPagesFile } from '../src/import/page-inputs.js';
import { killAll, run, start, type Child } from '../src/launch/spawn.js';
import { hex16 } from '../src/model/pages-format.js';
import type { TraceJson } from '../src/model/pages-format.js';
import { needs, root, scratch, thaw } from './helpers.js';
import { launchChromium } from '../src/launch/chromium.js';

const dir = scratch('thaw-pages-');
const isRoot = process.getuid?.() === 0;

/** A Node process that allocates and touches 8 MB, prints "ready", then sleeps. */
async function sleeper(): Promise<Child> {
  let ready!: () => void;
  const seen = new Promise<void>((r) => (ready = r));
  const c = start([process.execPath, '-e', 'const b = Buffer.alloc(8 << 20, 1); console.log("ready"); setInterval(() => b[0]++, 1000);'], {
    onOutput: (_s, chunk) => {
      if (chunk.includes('ready')) ready();
    },
  });
  await seen;
  return c;
}

after(async () => {
  await killAll();
});

describe('thaw pages snapshot', () => {
  test('a live process: maps line for line, RSS within 3%, kernel and page cache sections', { skip: !isRoot && 'needs root for physical addresses' }, async () => {
    const c = await sleeper();
    const out = join(dir, 'live.mem_mapping.txt');
    const r = await thaw(['pages', 'snapshot', String(c.pid), '-o', out, '--pagecache', 'mapped']);
    assert.equal(r.status, 0, r.stderr);
    const maps = readFileSync(`/proc/${c.pid}/maps`, 'utf8').trim().split('\n');
    const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${c.pid}/status`, 'utf8'))![1]);
    const text = readFileSync(out, 'utf8');
    const map = importMemMapping(text)!;
    assert.deepEqual(map.problems, []);
    const proc = map.owners.find((o) => o.pid === c.pid)!;
    // Line for line: start, end and name of every /proc/PID/maps line.
    const want = maps.map((l) => {
      const m = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \d+\s*(.*)$/.exec(l)!;
      return `${hex16(parseInt(m[1]!, 16))} ${hex16(parseInt(m[2]!, 16))} ${m[3]!.trim()}`.trim();
    });
    const got = text.split('\n').filter((l) => l.startsWith('v ')).slice(0, proc.mappings.length).map((l) => l.slice(2));
    assert.deepEqual(got, want);
    const pagesKb = proc.vaddr.length * 4;
    assert.ok(Math.abs(pagesKb - rssKb) / rssKb <= 0.03, `present pages ${pagesKb} kB vs VmRSS ${rssKb} kB`);
    assert.ok(proc.paddr.some((p) => p > 0), 'physical addresses are real (root)');
    const kernel = map.owners.find((o) => o.pid === 0)!;
    assert.ok(kernel.mappings.some((m) => m.name === 'Kernel code') && kernel.vaddr.length > 100);
    const cache = map.owners.find((o) => o.pid === -1)!;
    assert.ok(cache.vaddr.length > 0, 'the executable and libraries are in the page cache');
    await c.kill();
  });

  test('compact JSON form reads back with the same pages', { skip: !isRoot && 'needs root' }, async () => {
    const c = await sleeper();
    const out = join(dir, 'live.json');
    const r = await thaw(['pages', 'snapshot', String(c.pid), '-o', out, '--no-kernel', '--pagecache', 'none', '--summary']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /anonymous/);
    const input = importPagesFile(out, readFileSync(out, 'utf8'));
    assert.equal(input.kind, 'map');
    const o = input.kind === 'map' ? input.map.owners[0]! : undefined;
    assert.equal(o?.pid, c.pid);
    assert.ok(o!.vaddr.length > 2048, 'the 8 MB buffer is resident');
    await c.kill();
  });

  const thp = (() => {
    try {
      return !/\[never\]/.test(readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8'));
    } catch {
      return false;
    }
  })();
  test('huge pages: a JVM with -XX:+UseTransparentHugePages shows its THP-backed memory', { skip: ((!isRoot || !thp) && 'needs root and THP (madvise or always)') || needs('java') }, async () => {
    const src = join(dir, 'Thp.java');
    writeFileSync(src, 'public class Thp { public static void main(String[] a) throws Exception { byte[] b = new byte[48 << 20]; for (int i = 0; i < b.length; i += 4096) b[i] = 1; System.out.println("ready"); Thread.sleep(60000); } }\n');
    let ready!: () => void;
    const seen = new Promise<void>((r) => (ready = r));
    const c = start(['java', '-XX:+UseTransparentHugePages', '-Xms96m', '-Xmx96m', src], { onOutput: (_s, chunk) => chunk.includes('ready') && ready() });
    await seen;
    const out = join(dir, 'thp.json');
    const r = await thaw(['pages', 'snapshot', String(c.pid), '-o', out, '--no-kernel', '--pagecache', 'none', '--summary']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /huge pages/);
    const rollup = Number(/^AnonHugePages:\s+(\d+)/m.exec(readFileSync(`/proc/${c.pid}/smaps_rollup`, 'utf8'))![1]);
    const s = await thaw(['pages', 'summary', '--json', out]);
    const rows = (JSON.parse(s.stdout) as { panels: Array<{ rows: Array<{ category: string; hugeKb?: number }> }> }).panels[0]!.rows;
    const anonHuge = rows.filter((x) => x.category === 'anonymous' || x.category === 'jit code').reduce((t, x) => t + (x.hugeKb ?? 0), 0);
    assert.ok(rollup >= 2048 && Math.abs(anonHuge - rollup) / rollup < 0.1, `THP anonymous ${anonHuge} kB vs AnonHugePages ${rollup} kB`);
    await c.kill();
  });

  test('a pid that does not exist: one clear error line, non-zero exit, no file', async () => {
    const out = join(dir, 'none.txt');
    const r = await thaw(['pages', 'snapshot', '999999999', '-o', out]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^thaw: error: \[E_NO_PROCESS\] no process with pid 999999999/m);
    assert.ok(!existsSync(out));
  });
});

describe('thaw pages summary', () => {
  test('fireCRaCer mem_mapping + uffd log: per process and category, RSS and touched', async () => {
    const fx = (p: string): string => join(root, 'src/import/fixtures', p);
    const r = await thaw(['pages', 'summary', '--json', fx('mem-mapping/firecracer-readme.txt'), fx('uffd-log/no-thread-id.log')]);
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(r.stdout) as { panels: Array<{ rows: Array<{ pid: number; category: string; rssKb: number; touchedKb: number }>; totals: { faults: number } }> };
    const rows = s.panels[0]!.rows;
    assert.equal(s.panels[0]!.totals.faults, 7);
    assert.deepEqual(rows.find((x) => x.pid === 1 && x.category === 'executable')?.rssKb, 8);
    assert.ok(rows.some((x) => x.pid === 214 && x.category === 'anonymous' && x.rssKb === 8));
    assert.ok(rows.some((x) => x.pid === -1 && x.category === 'page cache' && x.rssKb === 8));
    const text = await thaw(['pages', 'summary', fx('mem-mapping/firecracer-readme.txt')]);
    assert.match(text.stdout, /^pid\s+process\s+category\s+virtual\s+rss\s+touched\s+shared\s+page cache$/m);
    assert.match(text.stdout, /^1\s+bash\s+stacks\s+132 KB\s+4 KB/m);
  });
});

describe('thaw pages trace', { skip: (!isRoot && 'perf tracepoints need root') || needs('perf') }, () => {
  test('a Node start touching a 16 MB buffer: thousands of faults in time order, >= 90% attributed', async () => {
    const out = join(dir, 'buf');
    const r = await thaw(['pages', 'trace', '-o', out, '--no-ready', '--name', 'buffer', '--', process.execPath, '-e', 'const b = Buffer.alloc(16 << 20); for (let i = 0; i < b.length; i += 4096) b[i] = 1;']);
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(readFileSync(join(out, 'buffer.json'), 'utf8')) as TraceJson;
    assert.ok(j.faults.length >= 4096, `${j.faults.length} faults`);
    for (let i = 1; i < j.faults.length; i++) assert.ok(j.faults[i]!.time >= j.faults[i - 1]!.time, `fault ${i} out of order`);
    const named = j.faults.filter((f) => f.mapping).length / j.faults.length;
    assert.ok(named >= 0.9, `${(named * 100).toFixed(1)}% attributed`);
    // The buffer itself: >= 4096 distinct written pages in anonymous memory.
    const anonPages = new Set(j.faults.filter((f) => f.mapping === '[anon]' && f.access === 'write').map((f) => f.page));
    assert.ok(anonPages.size >= 4096, `${anonPages.size} anonymous pages written`);
    assert.ok(j.faults.some((f) => f.mapping === '/usr/bin/node' || f.mapping?.endsWith('/node')), 'the executable is paged in');
    assert.ok(j.faults.some((f) => f.mapping === '[heap]'));
    assert.ok(j.faults.some((f) => f.access === 'exec'));
  });

  test('a server until ready: ready time, snapshot of its map, nothing left running', async () => {
    const app = join(dir, 'server.cjs');
    writeFileSync(app, "const b = Buffer.alloc(4 << 20, 7); require('http').createServer((q, s) => s.end('ok' + b[9])).listen(process.env.PORT, '127.0.0.1');\n");
    const out = join(dir, 'srv');
    const r = await thaw(['pages', 'trace', '-o', out, '--json', '--', process.execPath, app]);
    assert.equal(r.status, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { readyMs: number; faults: number; files: string[] };
    assert.ok(summary.readyMs > 0 && summary.faults > 1000);
    const j = JSON.parse(readFileSync(join(out, 'node.json'), 'utf8')) as TraceJson;
    assert.ok(j.map && j.map.owners.length >= 1, 'snapshot at readiness');
    assert.ok(j.faults.every((f) => f.time <= j.readyMs!), 'only the faults up to readiness');
    assert.ok(j.faults.filter((f) => f.physAddr !== undefined).length > j.faults.length / 2, 'faults located in physical memory');
    assert.ok(existsSync(join(out, 'node.mem_mapping.txt')));
    assert.ok(j.pid && !existsSync(`/proc/${j.pid}/status`), 'the traced server was stopped');
  });

  test('a thaw image: --image runs IMG/start with PORT and traces it until ready', async () => {
    const img = join(dir, 'img');
    mkdirSync(img, { recursive: true });
    writeFileSync(join(img, 'app.cjs'), "require('http').createServer((q, s) => s.end('restored')).listen(process.env.PORT, '127.0.0.1');\n");
    writeFileSync(join(img, 'start'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} "$(dirname "$0")/app.cjs" "$@"\n`);
    chmodSync(join(img, 'start'), 0o755);
    const out = join(dir, 'imgtrace');
    const r = await thaw(['pages', 'trace', '-o', out, '--image', img]);
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(readFileSync(join(out, 'img.json'), 'utf8')) as TraceJson;
    assert.ok(j.readyMs! > 0 && j.faults.length > 1000);
    const r2 = await thaw(['pages', 'trace', '-o', out, '--image', join(dir, 'nope')]);
    assert.equal(r2.status, 1);
    assert.match(r2.stderr, /\[E_IMAGE_MISSING\]/);
  });

  test('a JVM with NMT: faults and pages attributed to java heap, metaspace, code cache, class data archive', { skip: needs('java') }, async () => {
    const src = join(dir, 'Srv.java');
    writeFileSync(src, [
      'import com.sun.net.httpserver.HttpServer;',
      'import java.net.InetSocketAddress;',
      'public class Srv { public static void main(String[] a) throws Exception {',
      '  HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(System.getenv("PORT"))), 0);',
      '  s.createContext("/", x -> { byte[] b = "hello".getBytes(); x.sendResponseHeaders(200, b.length); x.getResponseBody().write(b); x.close(); });',
      '  s.start(); } }',
    ].join('\n'));
    const jc = await run(['javac', '-d', dir, src], { timeoutMs: 120_000 });
    assert.equal(jc.status, 0, jc.stderr);
    const out = join(dir, 'jvm');
    const r = await thaw(['pages', 'trace', '-o', out, '--timeout', '120', '--', 'java', '-XX:NativeMemoryTracking=detail', '-Xmx64m', '-cp', dir, 'Srv']);
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(readFileSync(join(out, 'java.json'), 'utf8')) as TraceJson & { summary: { rows: Array<{ category: string; rssKb: number; touchedKb: number; committedKb?: number }> } };
    assert.ok(j.nmt && j.nmt.length === 1, 'NMT read with jcmd at readiness');
    const cat = (c: string) => j.summary.rows.find((x) => x.category === c);
    assert.equal(cat('java heap')!.committedKb, 64 * 1024);
    assert.ok(cat('java heap')!.touchedKb > 0 && cat('java heap')!.touchedKb <= cat('java heap')!.committedKb!);
    for (const c of ['metaspace', 'code cache', 'class data archive']) assert.ok(cat(c) && cat(c)!.rssKb > 0, c);
    assert.ok(j.faults.some((f) => f.category === 'java heap'));
    assert.match(r.stdout, /java heap\s+64\.0 MB\s+64\.0 MB/);
  });

  test('a command that does not exist: named, before perf runs', async () => {
    const r = await thaw(['pages', 'trace', '-o', join(dir, 'x'), '--', '/nonexistent/server']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^thaw: error: \[E_COMMAND_NOT_FOUND\] command not found: \/nonexistent\/server/m);
  });

  test('no command: usage error', async () => {
    const r = await thaw(['pages', 'trace', '-o', join(dir, 'x')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /\[E_USAGE\] no command to trace/);
  });
});

/** A uffd handler log over the pages of a real page map, in fireCRaCer's two line formats. */
function uffdLogFor(text: string, withTid: boolean, count: number): string {
  const map = importMemMapping(text)!;
  const o = map.owners.find((x) => x.pid > 0)!;
  const lines = ['Connected to PID 1'];
  const step = Math.max(1, Math.floor(o.vaddr.length / count));
  for (let i = 0, k = 0; i < o.vaddr.length && k < count; i += step, k++) {
    const v = o.vaddr[i]!;
    const p = o.paddr[i]!;
    const rw = k % 3 === 0 ? 'w' : 'r';
    const act = k % 10 === 0 ? 'Zeroing' : 'Loading';
    lines.push(`UFFD_EVENT_PAGEFAULT (${rw}): ${withTid ? `[${100 + (k % 4)}] ` : ''}${hex16(v + 8)} ${hex16(v)}  ${act}: ${hex16(p)} - ${hex16(p + 4096)}`);
  }
  return lines.join('\n') + '\n';
}

describe('thaw pages view in headless Chromium', { skip: (!isRoot && 'needs a root snapshot') || needs('chromium') }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  async function open(html: string): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1500, height: 850 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto('file://' + html);
    await page.waitForFunction(() => (window as unknown as { thawPages?: { ready: boolean } }).thawPages?.ready === true);
    return { page, errors };
  }

  /** Pixels of a panel's screen canvas that show pages (not background / empty slots). */
  function drawnPixels(page: Page, panel: number): Promise<number> {
    return page.evaluate((i) => {
      const c = document.querySelector(`[data-testid="grid-${i}"]`) as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const bg = [[0x15, 0x17, 0x1c], [0x1d, 0x20, 0x26]];
      let n = 0;
      for (let k = 0; k < d.length; k += 4) if (!bg.some(([r, g, b]) => d[k] === r && d[k + 1] === g && d[k + 2] === b)) n++;
      return n;
    }, panel);
  }

  test('mem_mapping + uffd logs (with and without thread ids): drawn physical view, selection, playback, screenshot', async () => {
    const c = await sleeper();
    const mm = join(dir, 'vm.mem_mapping.txt');
    const r0 = await thaw(['pages', 'snapshot', String(c.pid), '-o', mm, '--pagecache', 'mapped']);
    assert.equal(r0.status, 0, r0.stderr);
    await c.kill();
    const text = readFileSync(mm, 'utf8');
    writeFileSync(join(dir, 'restore-uffd.log'), uffdLogFor(text, false, 600));
    writeFileSync(join(dir, 'restore-tid-uffd.log'), uffdLogFor(text, true, 400) + 'UFFD_EVENT_PAGEFAULT (r): garbage\n');
    const html = join(dir, 'view.html');
    const r = await thaw(['pages', 'view', mm, join(dir, 'restore-uffd.log'), join(dir, 'restore-tid-uffd.log'), '--export', html]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /warning: .*restore-tid-uffd\.log: line 402: malformed UFFD_EVENT_PAGEFAULT/);
    const { page, errors } = await open(html);
    assert.ok((await drawnPixels(page, 0)) > 500, 'panel 0 draws pages');
    assert.ok((await drawnPixels(page, 1)) > 500, 'panel 1 draws pages');
    assert.equal(await page.textContent('[data-testid="counter"]'), '0 / 1000');
    // It opens on one mapping of the process (the one the trace touched most), highlighted among
    // the process's other pages: not the whole process in one flat colour.
    assert.equal(await page.locator('#tree .row.l2.sel').count(), 1, 'one mapping selected on open');
    assert.equal((await page.getAttribute(`[data-testid="tree-pid-${c.pid}"]`, 'class'))!.includes('sel'), false);
    const colours = await page.evaluate(() => {
      const cv = document.querySelector('[data-testid="grid-0"]') as HTMLCanvasElement;
      const d = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
      let selected = 0;
      let other = 0;
      for (let k = 0; k < d.length; k += 4) {
        if (d[k] === 0xec && d[k + 1] === 0xef && d[k + 2] === 0xf4) selected++;
        else if (d[k] === 0x4a && d[k + 1] === 0x50 && d[k + 2] === 0x5c) other++;
      }
      return { selected, other };
    });
    assert.ok(colours.selected > 0 && colours.other > 0, `selected and other pages both drawn: ${JSON.stringify(colours)}`);
    // Select the process in the tree: its row is marked and pages repaint.
    await page.click(`[data-testid="tree-pid-${c.pid}"] .name`);
    assert.ok((await page.getAttribute(`[data-testid="tree-pid-${c.pid}"]`, 'class'))!.includes('sel'));
    assert.equal(await page.locator('#tree .row.l2.sel').count(), 0);
    // Step once, then play: the counter advances.
    await page.click('[data-testid="step"]');
    assert.match((await page.textContent('[data-testid="counter-0"]'))!, /^1 \/ 600 faults/);
    await page.click('[data-testid="play"]');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="counter"]')!.textContent!.split(' / ')[0]) > 50);
    await page.click('[data-testid="play"]');
    const shown = Number((await page.textContent('[data-testid="counter"]'))!.split(' / ')[0]);
    assert.ok(shown > 50 && shown <= 1000, `counter ${shown}`);
    assert.match((await page.textContent('[data-testid="time"]'))!, /ms/);
    // Hover a drawn page: address, owner and virtual address.
    // Find a pixel of the selected process (white, or orange where a fault loaded it) and hover it.
    const box = (await page.locator('[data-testid="grid-0"]').boundingBox())!;
    const at = await page.evaluate(() => {
      const cv = document.querySelector('[data-testid="grid-0"]') as HTMLCanvasElement;
      const d = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
      for (let k = 0; k < d.length; k += 4) {
        const white = d[k] === 0xec && d[k + 1] === 0xef && d[k + 2] === 0xf4;
        const orange = d[k] === 0xff && d[k + 1] === 0x9f && d[k + 2] === 0x1a;
        if (white || orange) return { x: (k / 4) % cv.width, y: Math.floor(k / 4 / cv.width) };
      }
      return null;
    });
    assert.ok(at, 'the selected process has drawn pages');
    await page.mouse.move(box.x + at.x + 0.5, box.y + at.y + 0.5);
    const tipText = (await page.textContent('#tip')) ?? '';
    assert.match(tipText, /physical 0x[0-9a-f]+/);
    assert.match(tipText, new RegExp(`${c.pid} node @ 0x[0-9a-f]+`));
    // The full physical layout (every physical page of the machine) draws too.
    await page.selectOption('[data-testid="layout"]', 'physical');
    assert.ok((await drawnPixels(page, 0)) > 100, 'full physical layout draws pages');
    assert.equal(await page.textContent('[data-testid="counter"]'), `${shown} / 1000`, 'the playhead survives a layout change');
    await page.selectOption('[data-testid="layout"]', 'compact');
    const shot = join(dir, 'view.png');
    await page.screenshot({ path: shot });
    assert.ok(readFileSync(shot).length > 10_000);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a perf trace without a map plays in the virtual layout', async () => {
    const out = join(dir, 'vbuf');
    const r0 = await thaw(['pages', 'trace', '-o', out, '--no-ready', '--name', 'small', '--', process.execPath, '-e', 'Buffer.alloc(1 << 20, 1)']);
    assert.equal(r0.status, 0, r0.stderr);
    const html = join(dir, 'trace.html');
    const r = await thaw(['pages', 'view', join(out, 'small.json'), '--export', html]);
    assert.equal(r.status, 0, r.stderr);
    const { page, errors } = await open(html);
    assert.equal(await page.inputValue('[data-testid="layout"]'), 'virtual');
    await page.click('[data-testid="play"]');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="counter"]')!.textContent!.split(' / ')[0]) > 100);
    assert.ok((await drawnPixels(page, 0)) > 100);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('served on localhost: the page answers until interrupted', async () => {
    const out = join(dir, 'srv');
    let url = '';
    let got!: () => void;
    const printed = new Promise<void>((r) => (got = r));
    const c = start([process.execPath, join(root, 'dist/src/cli/main.js'), 'pages', 'view', join(out, 'node.json'), '--port', '0'], {
      onOutput: (_s, chunk) => {
        const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(chunk);
        if (m) {
          url = m[0];
          got();
        }
      },
    });
    await printed;
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<script type="application\/json" id="thaw-data">/);
    assert.equal((await fetch(url + 'nothing')).status, 404);
    await c.kill();
  });

  test('a file thaw cannot read: one error naming it', async () => {
    const bad = join(dir, 'notes.txt');
    writeFileSync(bad, 'hello\n');
    const r = await thaw(['pages', 'view', bad, '--export', join(dir, 'bad.html')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /\[E_PAGES_FORMAT\] .*notes\.txt: not a page map/);
    assert.ok(!existsSync(join(dir, 'bad.html')));
  });
});
