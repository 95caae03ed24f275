// The microVM engine end to end (thaw build --engine vm): a Node and a Java server checkpointed
// inside a QEMU guest (TCG on machines without VMX/SVM), each built once for this file (the
// guest is cached across runs), restored three times at once on three ports: each answers, with
// its own UUID and the host's clock. Then thaw run, thaw bench cold boot vs restore, and the
// failures a user meets: no command, no QEMU, an interrupted build.
import assert from 'node:assert/strict';
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { importUffdLog } from '../src/import/uffd-log.js';
import { PAGE_FILE_SHARED } from '../src/model/page-map.js';
import { pageMapFromJson, type PageMapJson } from '../src/model/pages-format.js';
import { launchChromium } from '../src/launch/chromium.js';
import { freePort } from '../src/launch/port.js';
import { which } from '../src/launch/which.js';
import { killAll, run, start, type Child } from '../src/launch/spawn.js';
import { answer, assertCleanFailure, needs, root, scratch, serve, thaw } from './helpers.js';

const VM = needs('qemu', 'kernel', 'busybox', 'gcc');
const BUILD_MS = 600_000;

/** Three restores of one image at once; each must answer GET /hello and a UUID of its own. */
async function threeRestores(img: string, hello: string): Promise<void> {
  // The snapshot's clock must be visibly behind: restore at least 3 s after the checkpoint.
  const built = Date.parse((JSON.parse(readFileSync(join(img, 'manifest.json'), 'utf8')) as { createdAt: string }).createdAt);
  await new Promise((r) => setTimeout(r, Math.max(0, built + 3000 - Date.now())));
  const servers = await Promise.all([0, 1, 2].map(() => serve(img, '/uuid')));
  try {
    const uuids = servers.map((s) => s.body.trim());
    for (const u of uuids) assert.match(u, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a v4 UUID');
    assert.equal(new Set(uuids).size, 3, `three restores of one snapshot drew three different UUIDs: ${uuids.join(' ')}`);
    for (const s of servers) {
      const r = await fetch(`http://127.0.0.1:${s.port}/hello`);
      assert.equal(r.status, 200);
      assert.equal((await r.text()).trim(), hello);
      // HTTP Date (whole seconds): the guest's clock is the host's, not the snapshot's.
      const skewS = Math.abs(Date.parse(r.headers.get('date')!) - Date.now()) / 1000;
      assert.ok(skewS <= 2, `the restored guest's clock is within 2 s of the host's (off by ${skewS} s)`);
      const again = await (await fetch(`http://127.0.0.1:${s.port}/uuid`)).text();
      assert.ok(!uuids.includes(again.trim()), 'a second UUID differs from all the first ones');
    }
  } finally {
    await Promise.all(servers.map((s) => s.child.kill(5000)));
  }
  // Copy-on-write RAM: the restores left the image as built (a fourth one still restores).
  const fourth = await serve(img, '/hello');
  assert.equal(fourth.body.trim(), hello);
  await fourth.child.kill(5000);
}

describe('thaw build --engine vm: a Node server in a microVM', { skip: VM }, () => {
  const dir = scratch('thaw-vm-');
  const img = join(dir, 'node-vm');
  let buildOut = '';
  after(killAll);

  before(async () => {
    // A cache of its own, cleared once the image is built: an image restores without it.
    const cache = join(dir, 'cache');
    // The app is built from a copy under the temp folder: the guest must not hide /tmp (a
    // checkout in /tmp, as CI machines have, was once left out of the guest).
    const app = join(dir, 'app');
    cpSync(join(root, 'examples/node-vm'), app, { recursive: true });
    const r = await thaw(['build', '--engine', 'vm', '-o', img, '--warmup', 'warmup.json', '--', 'node', 'server.js'], { cwd: app, timeoutMs: BUILD_MS, env: { THAW_VM_CACHE: cache } });
    assert.equal(r.status, 0, r.stderr);
    buildOut = r.stdout;
    rmSync(cache, { recursive: true });
  });

  it('builds an image: manifest with engine vm, RAM file, device state, start and boot', () => {
    assert.match(buildOut, /built .*node-vm\/ \(microVM\)/);
    assert.match(buildOut, /warm-up: 20 request\(s\) \(20×200\)/);
    const m = JSON.parse(readFileSync(join(img, 'manifest.json'), 'utf8')) as { engine: string; runtime: string; bytes: { state: number; ramAllocated: number; ram: number } };
    assert.equal(m.engine, 'vm');
    assert.equal(m.runtime, 'node');
    assert.ok(m.bytes.state < 1024 * 1024, 'the device state is small: guest RAM is its own file');
    assert.ok(m.bytes.ramAllocated < m.bytes.ram, 'zero pages take no disk');
    for (const f of ['start', 'boot', 'ram', 'state', 'vmlinux', 'initrd.cpio', 'restore.mjs', 'pages.log', 'native/uffd-handler.c']) assert.ok(existsSync(join(img, f)), f);
    assert.match(buildOut, /working set: \d+ pages loaded by a restore until it answered .*pages\.log\): .*start --prefetch copies them first/);
    const recorded = importUffdLog(readFileSync(join(img, 'pages.log'), 'utf8'), 'build')!;
    assert.ok(recorded.faults.length > 100, `the build's restore recorded its working set (${recorded.faults.length} pages)`);
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp-') || f.endsWith('.lock')), [], 'nothing temporary beside the image');
    assert.match(buildOut, /guest page map: 1 process\(es\), \d+ present pages at the checkpoint \(.*guest-pages\.json\)/);
    assert.equal(existsSync(join(dir, 'cache')), false, 'the guest cache was cleared: every restore below runs without it');
  });

  it('the image holds the guest\'s page map at the checkpoint, whose guest-physical addresses are offsets in IMG/ram', () => {
    const map = pageMapFromJson(JSON.parse(readFileSync(join(img, 'guest-pages.json'), 'utf8')) as PageMapJson);
    const node = map.owners.find((o) => o.pid > 0)!;
    // The build ran `node` as found on PATH (under npm test, node_modules/.bin may name another Node).
    assert.equal(node.exe, realpathSync(which('node')!), 'the app\'s process: the host\'s node binary, mirrored into the guest');
    assert.ok(node.vaddr.length > 2000, `its present pages (${node.vaddr.length})`);
    for (const name of ['[heap]', '[stack]']) assert.ok(node.mappings.some((m) => m.name === name), name);
    assert.ok(node.mappings.some((m) => /\/libc\.so/.test(m.name)), 'libc');
    assert.ok(map.owners.some((o) => o.pid === 0 && o.mappings.some((m) => m.name === 'Kernel code')), 'the guest kernel image');
    // Every present file page of the node binary (not the private copies relocations made)
    // holds, in IMG/ram at its guest-physical address, exactly the bytes of the host's file
    // at that page's file offset.
    const ram = openSync(join(img, 'ram'), 'r');
    const file = openSync(node.exe, 'r');
    const a = Buffer.alloc(4096);
    const b = Buffer.alloc(4096);
    let compared = 0;
    try {
      for (let i = 0; i < node.vaddr.length; i++) {
        const m = node.mappings.find((x) => x.name === node.exe && node.vaddr[i]! >= x.start && node.vaddr[i]! < x.end);
        if (!m || !(node.flags[i]! & PAGE_FILE_SHARED)) continue;
        readSync(ram, a, 0, 4096, node.paddr[i]!);
        readSync(file, b, 0, 4096, m.offset! + node.vaddr[i]! - m.start);
        assert.ok(a.equals(b), `page ${node.vaddr[i]!.toString(16)} of ${node.exe} is at ${node.paddr[i]!.toString(16)} in IMG/ram`);
        compared++;
      }
    } finally {
      closeSync(ram);
      closeSync(file);
    }
    assert.ok(compared > 1000, `pages compared (${compared})`);
  });

  it('three concurrent restores answer on their own ports with distinct crypto.randomUUID() and the host clock', async () => {
    await threeRestores(img, 'Hello World');
  });

  it('a client that connects while the guest is being restored is refused (no reset, no error page), then answered', async () => {
    const port = await freePort();
    const child = start([join(img, 'start')], { env: { PORT: String(port) } });
    const errors = new Set<string>();
    let body = '';
    try {
      for (let i = 0; i < 4000 && !body && !child.done; i++) {
        try {
          const r = await fetch(`http://127.0.0.1:${port}/uuid`, { signal: AbortSignal.timeout(10_000) });
          body = await r.text();
        } catch (e) {
          const cause = (e as { cause?: { code?: string } }).cause;
          errors.add(cause?.code ?? (e as Error).name);
          await new Promise((r) => setTimeout(r, 5));
        }
      }
      assert.match(body, /^[0-9a-f-]{36}\n$/, child.stderr());
      assert.deepEqual([...errors], ['ECONNREFUSED'], 'before the gate opens a client sees only refused connections');
    } finally {
      await child.kill(5000);
    }
  });

  it('thaw run IMG restores it on $PORT, and SIGTERM leaves no QEMU behind', async () => {
    const port = await freePort();
    const child = start([join(root, 'bin/thaw'), 'run', img], { env: { PORT: String(port), THAW_CLI_NODE: process.execPath } });
    assert.equal((await answer(child, port, '/hello')).body.trim(), 'Hello World');
    const qemu = qemuOf(img);
    assert.ok(qemu.length >= 1, 'a QEMU runs the restored guest');
    child.proc.kill('SIGTERM');
    await child.exited;
    await gone(qemu);
  });

  it('IMG/start --page-log logs the pages the restore loads; --prefetch replays them first (thaw run IMG -- …); SIGTERM keeps the log and leaves nothing in /dev/shm', async () => {
    const log1 = join(dir, 'demand-uffd.log');
    const log2 = join(dir, 'prefetch-uffd.log');
    const first = await serve(img, '/hello', {}, ['--page-log', log1]);
    assert.equal(first.body.trim(), 'Hello World');
    assert.deepEqual(shmOf(first.child.pid), [], 'the memory file is unlinked once QEMU maps it');
    first.child.proc.kill('SIGTERM');
    assert.equal((await first.child.exited).status, 143, first.child.stderr());
    const demand = importUffdLog(readFileSync(log1, 'utf8'), 'demand')!;
    const demandFaults = demand.faults.filter((f) => !f.prefetch).length;
    assert.ok(demandFaults > 100, `the restore loaded pages on demand (${demandFaults})`);
    assert.ok(demand.faults.some((f) => f.action === 'load') && demand.faults.every((f) => f.time >= 0), 'loaded pages with times');

    const port = await freePort();
    const child = start([join(root, 'bin/thaw'), 'run', img, '--', '--prefetch', log1, '--page-log', log2], { env: { PORT: String(port), THAW_CLI_NODE: process.execPath } });
    assert.equal((await answer(child, port, '/hello')).body.trim(), 'Hello World');
    child.proc.kill('SIGTERM');
    await child.exited;
    const text = readFileSync(log2, 'utf8');
    const pf = importUffdLog(text, 'prefetch')!;
    assert.match(text.split('\n').find((l) => l.startsWith('UFFD_'))!, /^UFFD_PREFETCH: /, 'the recorded pages come first');
    const prefetched = pf.faults.filter((f) => f.prefetch).length;
    const after = pf.faults.filter((f) => !f.prefetch).length;
    assert.ok(prefetched >= demandFaults, `every recorded page was prefetched (${prefetched} of ${demandFaults})`);
    assert.ok(after < demandFaults / 4, `few demand faults are left after the prefetch (${after}, against ${demandFaults} without)`);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.partial')), [], 'no partial log left');
  });

  it('three concurrent restores, each with its own page server, answer with distinct UUIDs; kill -9 of IMG/start leaves no QEMU, page server or /dev/shm file', async () => {
    const logs = [0, 1, 2].map((i) => join(dir, `c${i}.log`));
    // The third one prefetches the working set recorded into the image at build time.
    const servers = await Promise.all(logs.map((l, i) => serve(img, '/uuid', {}, ['--page-log', l, ...(i === 2 ? ['--prefetch'] : [])])));
    try {
      assert.equal(new Set(servers.map((s) => s.body.trim())).size, 3, servers.map((s) => s.body).join(' '));
    } finally {
      const pids = servers.map((s) => s.child.pid);
      const kids = pids.flatMap((p) => childrenOf(p));
      assert.ok(kids.length >= 6, `each restore runs QEMU and thaw-uffd (${kids.length} children)`);
      for (const s of servers) s.child.proc.kill('SIGKILL');
      await Promise.all(servers.map((s) => s.child.exited));
      await gone(kids);
      for (const p of pids) assert.deepEqual(shmOf(p), [], 'nothing left in /dev/shm');
    }
    // kill -9 leaves the log unfinished (FILE.PID.partial); the next restore logging to the same
    // FILE removes it.
    assert.equal(readdirSync(dir).filter((f) => f.startsWith('c0.log.') && f.endsWith('.partial')).length, 1);
    const again = await serve(img, '/hello', {}, ['--page-log', logs[0]!]);
    again.child.proc.kill('SIGTERM');
    await again.child.exited;
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('c0.log')), ['c0.log']);
  });

  it('bad page-server options are one line', async () => {
    const r1 = await run([join(img, 'start'), '--page-log', join(dir, 'no/such/dir/x.log')], { env: { PORT: String(await freePort()) } });
    assertCleanFailure(r1, 'E_NOT_FOUND');
    assert.match(r1.stderr, /fix: mkdir -p/);
    const r2 = await run([join(img, 'start'), '--prefetch', join(dir, 'missing.log')], { env: { PORT: String(await freePort()) } });
    assertCleanFailure(r2, 'E_NOT_FOUND');
    const r3 = await run([join(img, 'start'), '--page-logs', 'x'], { env: { PORT: String(await freePort()) } });
    assertCleanFailure(r3, 'E_USAGE');
    assert.match(r3.stderr, /unknown option --page-logs/);
    const r5 = await run([join(img, 'boot'), '--prefetch'], { env: { PORT: String(await freePort()) } });
    assertCleanFailure(r5, 'E_USAGE');
    assert.match(r5.stderr, /--prefetch applies to a restore \(IMG\/start\), not to a cold boot/);
    // thaw pages trace passes what follows -- to IMG/start: its failure is one line, and no
    // trace directory is left.
    const out = join(dir, 'trace-bad');
    const r4 = await thaw(['pages', 'trace', '--image', img, '-o', out, '--', '--prefetch', join(dir, 'missing.log')], { timeoutMs: 60_000 });
    assertCleanFailure(r4, 'E_TRACE_TIMEOUT');
    assert.match(r4.stderr.split('\n')[0]!, /exited before it was ready: \[E_NOT_FOUND\] --prefetch .*missing\.log does not exist/);
    assert.equal(existsSync(out), false);
  });

  it('thaw pages trace --image IMG: the restore\'s page-server log until the app answers, as a trace that thaw pages view draws in Chromium', { skip: needs('chromium') }, async () => {
    const out = join(dir, 'trace');
    const r = await thaw(['pages', 'trace', '--image', img, '-o', out, '--ready', 'http://127.0.0.1:$PORT/hello', '--json'], { timeoutMs: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /thaw pages: \d+ guest pages served \(\d+ loaded from the snapshot, \d+ zero\), ready at [\d.]+ ms/);
    const t = JSON.parse(readFileSync(join(out, 'node-vm.json'), 'utf8')) as { source: string; readyMs: number; faults: Array<{ time: number; physAddr: number; action: string }> };
    assert.equal(t.source, 'uffd');
    assert.ok(t.faults.length > 100, `the restore loaded pages until it answered (${t.faults.length})`);
    assert.ok(t.readyMs > 0 && t.faults.every((f) => f.time <= t.readyMs), 'every page is from before readiness');
    assert.ok(t.faults.every((f) => f.physAddr < 512 * 1024 * 1024), 'guest-physical addresses within guest RAM');
    assert.ok(existsSync(join(out, 'node-vm.uffd.log')), 'the raw page log is kept beside the trace');
    // Each restored page is named by the guest's page map: the node process's mappings, the
    // kernel image, or guest kernel/other.
    assert.match(r.stderr, /[\d.]+% named by the guest's page map/);
    const j = JSON.parse(readFileSync(join(out, 'node-vm.json'), 'utf8')) as { map: PageMapJson; faults: Array<{ pid?: number; mapping: string | null; category?: string }> };
    const node = pageMapFromJson(j.map).owners.find((o) => o.pid > 0)!;
    const inNode = j.faults.filter((f) => f.pid === node.pid && f.mapping);
    const share = (n: number): string => `${((100 * n) / j.faults.length).toFixed(0)}%`;
    assert.ok(inNode.length > 0.4 * j.faults.length, `pages of the guest's node process: ${share(inNode.length)}`);
    assert.ok(j.faults.filter((f) => f.mapping).length > 0.6 * j.faults.length, 'most pages are named');
    const names = new Set(inNode.map((f) => f.mapping));
    for (const n of [node.exe, '[anon]', '[heap]']) assert.ok(names.has(n), `pages of ${n}`);
    assert.ok([...names].some((n) => /\/libc\.so/.test(n!)), 'pages of libc');
    assert.ok(j.faults.some((f) => f.mapping === 'kernel' && f.pid === 0), 'pages of the guest kernel image');
    assert.ok(j.faults.some((f) => !f.mapping && f.category === 'guest kernel/other'), 'pages no process maps');

    const html = join(out, 'view.html');
    const v = await thaw(['pages', 'view', join(out, 'node-vm.json'), '--export', html]);
    assert.equal(v.status, 0, v.stderr);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto('file://' + html);
      await page.waitForFunction(() => (window as unknown as { thawPages?: { ready: boolean } }).thawPages?.ready === true);
      assert.equal(await page.textContent('[data-testid="counter"]'), `0 / ${t.faults.length}`);
      const tl = (await page.locator('[data-testid="timeline"]').boundingBox())!;
      await page.mouse.click(tl.x + tl.width - 1, tl.y + tl.height / 2);
      const drawn = await page.evaluate(() => {
        const c = document.querySelector('[data-testid="grid-0"]') as HTMLCanvasElement;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        const bg = [[0x15, 0x17, 0x1c], [0x1d, 0x20, 0x26]];
        let n = 0;
        for (let j = 0; j < d.length; j += 4) if (!bg.some(([r, g, b]) => d[j] === r && d[j + 1] === g && d[j + 2] === b)) n++;
        return n;
      });
      assert.ok(drawn > 100, `the guest's pages are drawn (${drawn} pixels)`);
      assert.match((await page.textContent(`[data-testid="tree-pid-${node.pid}"]`))!, /node/, 'the guest\'s node process in the tree');
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });

  it('thaw bench: cold boot (IMG/boot) vs restore (IMG), the restore first to answer', async () => {
    const json = join(dir, 'bench.json');
    const r = await thaw(['bench', '--runs', '1', '-t', '180', '--ready', 'http://127.0.0.1:$PORT/hello', '--json', json, '-c', `cold=${img}/boot`, '-c', `vm=${img}`], { timeoutMs: 400_000 });
    assert.equal(r.status, 0, r.stderr);
    const res = (JSON.parse(readFileSync(json, 'utf8')) as { results: Array<{ command: string; mean: number }> }).results;
    const cold = res.find((x) => x.command === 'cold')!;
    const vm = res.find((x) => x.command === 'vm')!;
    assert.ok(vm.mean < cold.mean, `restore ${vm.mean} s answers before a cold boot ${cold.mean} s`);
  });
});

describe('thaw build --engine vm: the Java hello in a microVM', { skip: VM || needs('java') }, () => {
  const dir = scratch('thaw-vm-java-');
  const img = join(dir, 'java-hello');
  after(killAll);

  before(async () => {
    const jar = await run([join(root, 'examples/java-hello/build.sh')], { timeoutMs: 120_000 });
    assert.equal(jar.status, 0, jar.stderr);
    // With Native Memory Tracking: the agent asks the JVM for its NMT report at the checkpoint.
    const r = await thaw(['build', '--engine', 'vm', '-o', img, '--warmup', 'examples/java-hello/warmup.json', '--', 'java', '-XX:NativeMemoryTracking=detail', '-jar', 'examples/java-hello/build/hello.jar'], { cwd: root, timeoutMs: BUILD_MS });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Java, JDK modules java\.base, jdk\.httpserver/);
    assert.match(r.stdout, /guest page map: 1 process\(es\), \d+ present pages at the checkpoint \(.*guest-pages\.json, NMT of JVM \d+\)/);
  });

  it('thaw pages trace --image names the restored pages by the guest JVM\'s mappings and its NMT regions (java heap, metaspace, code cache)', async () => {
    const nmt = readdirSync(img).filter((f) => /^guest-nmt-\d+\.txt$/.test(f));
    assert.equal(nmt.length, 1, 'the JVM\'s NMT report is in the image');
    assert.match(readFileSync(join(img, nmt[0]!), 'utf8'), /^\d+:\n[\s\S]*Native Memory Tracking:[\s\S]*Virtual memory map:/, 'as jcmd PID VM.native_memory detail prints it');
    const out = join(dir, 'trace');
    const r = await thaw(['pages', 'trace', '--image', img, '-o', out, '--ready', 'http://127.0.0.1:$PORT/hello', '--json'], { timeoutMs: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(readFileSync(join(out, 'java-hello.json'), 'utf8')) as { nmt: unknown[]; faults: Array<{ mapping: string | null; category?: string }> };
    assert.equal(j.nmt.length, 1, 'the trace carries the NMT report for thaw pages view');
    const cats = new Set(j.faults.map((f) => f.category));
    for (const c of ['java heap', 'metaspace', 'code cache', 'libraries', 'kernel', 'guest kernel/other']) assert.ok(cats.has(c), `pages of ${c} (${[...cats].join(', ')})`);
    assert.ok(j.faults.some((f) => f.mapping?.endsWith('/libjvm.so')), 'pages of libjvm.so');
    assert.ok(j.faults.filter((f) => f.mapping).length > 0.6 * j.faults.length, 'most pages are named');
  });

  it('three concurrent restores answer with distinct UUID.randomUUID() and the host clock', async () => {
    await threeRestores(img, 'Hello World');
  });
});

/** The page-server memory files in /dev/shm of the restore whose Node has this pid. */
function shmOf(pid: number): string[] {
  return readdirSync('/dev/shm').filter((f) => f.startsWith(`thaw-uffd-${pid}-`));
}

/** Direct children of pid (QEMU and thaw-uffd under IMG/start's Node). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** QEMU processes whose command line names `img` (its RAM file or kernel). */
function qemuOf(img: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
        return cmd.startsWith('/') && cmd.includes('qemu-system') && cmd.includes(img) && !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${p}/stat`, 'utf8'));
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function gone(pids: number[]): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const alive = pids.filter((p) => {
      try {
        return !/^\S+ \(.*\) [ZX]/.test(readFileSync(`/proc/${p}/stat`, 'utf8'));
      } catch {
        return false;
      }
    });
    if (!alive.length) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`QEMU ${pids.join(' ')} still runs`);
}

describe('thaw build --engine vm: bad input and interrupts', { skip: VM }, () => {
  const dir = scratch('thaw-vm-bad-');
  after(killAll);

  it('no command after -- is one clear line', async () => {
    const r = await thaw(['build', '--engine', 'vm', '-o', join(dir, 'x')], { cwd: root });
    assertCleanFailure(r, 'E_USAGE', join(dir, 'x'));
    assert.match(r.stderr, /needs the command that starts the server, after --/);
  });

  it('no QEMU on PATH names the Debian package', async () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    for (const t of ['readlink', 'dirname']) symlinkSync(`/usr/bin/${t}`, join(bin, t));
    symlinkSync(process.execPath, join(bin, 'node'));
    const r = await thaw(['build', '--engine', 'vm', '-o', join(dir, 'y'), '--', 'node', 'examples/node-vm/server.js'], { cwd: root, env: { PATH: bin } });
    assertCleanFailure(r, 'E_VM_REQUIRES', join(dir, 'y'));
    assert.match(r.stderr, /qemu-system-x86_64 is missing/);
    assert.match(r.stderr, /apt-get install qemu-system-x86/);
  });

  it('Ctrl-C while the guest boots stops QEMU and keeps nothing', async () => {
    const out = join(dir, 'int');
    const child: Child = start([join(root, 'bin/thaw'), 'build', '--engine', 'vm', '-o', out, '--', 'node', 'examples/node-vm/server.js'], { cwd: root, env: { THAW_CLI_NODE: process.execPath } });
    let qemu: number[] = [];
    for (let i = 0; i < 1200 && !qemu.length && !child.done; i++) {
      await new Promise((r) => setTimeout(r, 50));
      qemu = qemuOf(`${out}.tmp-`);
    }
    assert.ok(qemu.length, `the build started QEMU: ${child.stderr()}`);
    child.proc.kill('SIGINT');
    const exit = await child.exited;
    assert.equal(exit.status, 130, child.stderr());
    assert.match(child.stderr(), /interrupted \(SIGINT\)/);
    await gone(qemu);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('int')), [], 'no image, temporary directory or lock left');
  });
});

describe('thaw build --engine vm: a server bound to 127.0.0.1 in the guest', { skip: VM }, () => {
  after(killAll);
  it('fails at once, naming the address, instead of waiting for the boot timeout', async () => {
    // examples/hello listens on 127.0.0.1 whatever HOST says.
    const out = join(scratch('thaw-vm-lo-'), 'lo');
    const r = await thaw(['build', '--engine', 'vm', '-o', out, '--', 'node', 'examples/hello/server.js'], { cwd: root, timeoutMs: BUILD_MS });
    assertCleanFailure(r, 'E_NOT_READY', out);
    assert.match(r.stderr, /listens on 127\.0\.0\.1:8080 inside the guest/);
    assert.match(r.stderr, /fix: .*all interfaces/);
  });
});
