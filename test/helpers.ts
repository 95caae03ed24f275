/** Shared helpers for the end-to-end specs: they drive bin/thaw exactly as a user would. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/launch/port.js';
import { descendants, run, start, type Child, type RunResult, type SpawnOptions } from '../src/launch/spawn.js';
import { which } from '../src/launch/which.js';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const thawBin = join(root, 'bin/thaw');
/** Node binaries of the test matrix: the system one plus the npm packages node22/24/26. */
export const nodes: Record<string, string> = {
  system: process.execPath,
  '22': join(root, 'node_modules/node22/bin/node'),
  '24': join(root, 'node_modules/node24/bin/node'),
  '26': join(root, 'node_modules/node26/bin/node'),
};

/** The machine's tools the end-to-end specs drive, with the Debian package of each. */
const TOOLS = {
  perf: { path: 'perf', deb: 'linux-perf' },
  chromium: { path: process.env.CHROMIUM ?? '/usr/bin/chromium', deb: 'chromium' },
  java: { path: 'javac', deb: 'openjdk-17-jdk-headless' },
  openssl: { path: 'openssl', deb: 'openssl' },
  perl: { path: 'perl', deb: 'perl-base' },
  python3: { path: 'python3', deb: 'python3' },
  addr2line: { path: 'addr2line', deb: 'binutils' },
  // The microVM engine: QEMU, a distribution kernel (not executable: its file is checked), a
  // static busybox, gcc for the guest agent.
  qemu: { path: 'qemu-system-x86_64', deb: 'qemu-system-x86' },
  kernel: { path: '/boot', deb: 'linux-image-amd64', present: () => existsSync('/boot') && readdirSync('/boot').some((f) => f.startsWith('vmlinuz-')) },
  busybox: { path: '/bin/busybox', deb: 'busybox-static' },
  gcc: { path: 'gcc', deb: 'gcc' },
} as const satisfies Record<string, { path: string; deb: string; present?: () => boolean }>;


/**
 * A test's `skip` option: false when every tool is there, else the reason with the packages to
 * install (`npm test` counts skips; CI, which installs them all, fails on any).
 */
export function needs(...tools: Array<keyof typeof TOOLS>): false | string {
  const absent = tools.filter((t) => {
    const tool: { path: string; present?: () => boolean } = TOOLS[t];
    return tool.present ? !tool.present() : !which(tool.path);
  });
  return absent.length ? `needs ${absent.join(' and ')}: apt-get install ${[...new Set(absent.map((t) => TOOLS[t].deb))].join(' ')}` : false;
}

/** Run `thaw ARGS…` through bin/thaw with the Node that runs the tests. */
export function thaw(args: string[], opts: SpawnOptions & { timeoutMs?: number } = {}): Promise<RunResult> {
  return run([thawBin, ...args], { timeoutMs: 180_000, ...opts, env: { THAW_CLI_NODE: process.execPath, ...opts.env } });
}

/** A scratch directory removed when the process exits. */
export function scratch(prefix = 'thaw-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Start an image and wait until GET path answers; returns the child and the first body. */
export async function serve(img: string, path = '/', env: Record<string, string> = {}, args: string[] = [], attempt = 1, cwd?: string): Promise<{ child: Child; port: number; body: string; status: number }> {
  const port = await freePort();
  const child = start([join(img, 'start'), ...args], { env: { PORT: String(port), ...env }, cwd });
  try {
    return { child, port, ...(await answer(child, port, path)) };
  } catch (e) {
    // Another test process may take the free port between freePort() and listen(): retry.
    if (child.done && /E_PORT_IN_USE/.test(child.stderr()) && attempt < 3) return serve(img, path, env, args, attempt + 1, cwd);
    throw e;
  }
}

/** Poll GET path on the child's port until it answers (or the child exits, or 20 s pass). */
export async function answer(child: Child, port: number, path = '/'): Promise<{ body: string; status: number }> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.done) throw new Error(`${child.argv[0]} exited early: ${child.stderr()}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}${path}`);
      return { body: await r.text(), status: r.status };
    } catch {
      if (Date.now() > deadline) throw new Error(`no answer from ${child.argv[0]} on ${port}: ${child.stderr()}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

export function assertCleanFailure(r: { status: number; stderr: string; stdout: string }, code: string, out?: string): void {
  assert.notEqual(r.status, 0, `expected failure, got exit 0: ${r.stdout}`);
  const lines = r.stderr.split('\n');
  assert.match(lines[0]!, new RegExp(`^thaw: error: \\[${code}\\] `), r.stderr);
  assert.doesNotMatch(r.stderr, /Fatal error|Native stack|==== C stack|at Object\.<anonymous>.*dist\/src/, 'no V8 crash dump or thaw stack');
  if (out) {
    assert.equal(existsSync(out), false, `${out} must not exist after a failed build`);
    const leftovers = readdirSync(join(out, '..')).filter((f) => f.startsWith(`${out.split('/').pop()}.tmp-`));
    assert.deepEqual(leftovers, [], 'no temporary image directory left behind');
  }
}


export { processesUnder, settled } from '../src/launch/orphans.js';

/** The `node --build-snapshot` a running `thaw build` started, once it runs (undefined if it never did). */
export async function builderOf(cli: Child, timeoutMs = 30_000): Promise<number | undefined> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs && !cli.done) {
    for (const pid of descendants(cli.pid)) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--build-snapshot')) return pid;
      } catch {
        /* gone */
      }
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return undefined;
}
