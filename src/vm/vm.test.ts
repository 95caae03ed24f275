import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AGENT_TAG, ConsoleReader, restoreLine, type AgentEvent } from './agent.js';
import { Initramfs } from './initramfs.js';
import { detectAccel } from './kvm.js';
import { bootArgv, kernelAppend, restoreArgv, type Machine } from './qemu.js';

test('initramfs: a newc archive the cpio tool lists and extracts byte for byte, parents first', () => {
  const dir = mkdtempSync(join(tmpdir(), 'thaw-initramfs-'));
  try {
    const src = join(dir, 'payload.bin');
    const payload = Buffer.from(Array.from({ length: 70001 }, (_, i) => i % 251));
    writeFileSync(src, payload);
    const out = join(dir, 'initrd.cpio');
    const bytes = new Initramfs().data('/init', '#!/bin/sh\n', 0o755).file('/opt/app/deep/payload.bin', src, 0o644).symlink('/bin/sh', 'busybox').char('/dev/console', 5, 1).write(out);
    assert.equal(bytes, readFileSync(out).length);
    assert.equal(bytes % 4, 0, 'newc pads every record to 4 bytes');
    const list = spawnSync('cpio', ['-it', '--quiet'], { input: readFileSync(out) });
    if (list.error) return; // no cpio tool: the extraction below is the kernel's job anyway
    const names = list.stdout.toString().trim().split('\n');
    assert.deepEqual(names, ['bin', 'bin/sh', 'dev', 'dev/console', 'init', 'opt', 'opt/app', 'opt/app/deep', 'opt/app/deep/payload.bin']);
    const x = join(dir, 'x');
    const ex = spawnSync('sh', ['-c', `mkdir -p ${x} && cd ${x} && cpio -idm --quiet --nonmatching 'dev/*' < ${out}`]);
    assert.equal(ex.status, 0, ex.stderr.toString());
    assert.deepEqual(readFileSync(join(x, 'opt/app/deep/payload.bin')), payload);
    assert.equal(readFileSync(join(x, 'init'), 'utf8'), '#!/bin/sh\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('console: agent lines become events, the app output passes through untouched', () => {
  const events: AgentEvent[] = [];
  let app = '';
  const r = new ConsoleReader((e) => events.push(e), (t) => (app += t));
  r.feed(`booting\n${AGENT_TAG}started 42\nlistening on 8080\n${AGENT_TAG}resto`);
  r.feed(`red ab12 3.5\n${AGENT_TAG}port 8080 loopback\nprompt> `);
  r.feed(`${AGENT_TAG}port 8080 none 8000,9090\n${AGENT_TAG}exited 3\n`);
  assert.deepEqual(events, [
    { kind: 'started', pid: 42 },
    { kind: 'restored', id: 'ab12', ms: 3.5 },
    { kind: 'port', port: 8080, listen: 'loopback', others: [] },
    { kind: 'port', port: 8080, listen: 'none', others: [8000, 9090] },
    { kind: 'exited', status: 3 },
  ]);
  assert.equal(app, 'booting\nlistening on 8080\nprompt> ');
});

test('restore line: the host clock in seconds and nanoseconds, and fresh entropy every time', () => {
  const a = restoreLine('id1', 1_700_000_000_123, 456_789n);
  const b = restoreLine('id1', 1_700_000_000_123, 456_789n);
  const m = /^restore id1 (\d+) (\d+) ([0-9a-f]{128})\n$/.exec(a);
  assert.ok(m, a);
  assert.equal(m![1], '1700000000');
  assert.equal(m![2], String(123_000_000 + 456_789));
  assert.notEqual(a, b, 'two restores never get the same bytes');
});

test('qemu argv: a restore describes the boot machine exactly, paused and waiting for its state, its port not yet forwarded', () => {
  const m: Machine = { qemu: '/usr/bin/qemu-system-x86_64', accel: 'tcg', kernel: '/i/vmlinux', initrd: '/i/initrd.cpio', memMiB: 512, cpus: 1, append: kernelAppend(2_300_000) };
  const boot = bootArgv(m, { ramPath: '/i/ram', qmpName: '/s/q', hostPort: 4000, guestPort: 8080 });
  const restore = restoreArgv(m, { ram: { mode: 'image', path: '/i/ram' }, qmpName: '/s/q' });
  const served = restoreArgv(m, { ram: { mode: 'page-server', path: '/dev/shm/thaw-ram' }, qmpName: '/s/q' });
  assert.ok(boot.includes('memory-backend-file,id=mem,size=512M,mem-path=/i/ram,share=on'), 'the build writes guest RAM into the image file');
  assert.ok(restore.includes('memory-backend-file,id=mem,size=512M,mem-path=/i/ram,share=off'), 'a restore maps it copy-on-write');
  assert.ok(served.includes('memory-backend-file,id=mem,size=512M,mem-path=/dev/shm/thaw-ram,share=on'), 'a page server fills a fresh shared file');
  assert.ok(boot.some((a) => a.includes('hostfwd=tcp:127.0.0.1:4000-:8080')));
  assert.ok(!restore.some((a) => a.includes('hostfwd')), 'the restore forwards its port only once the guest runs');
  assert.deepEqual(restore.slice(-3), ['-S', '-incoming', 'defer']);
  const machine = (argv: string[]): string[] => argv.map((a) => a.replace(/,hostfwd=.*/, '').replace(/mem-path=[^,]*,share=\w+/, 'RAM')).filter((a) => !['-S', '-incoming', 'defer'].includes(a));
  assert.deepEqual(machine(restore), machine(boot));
  assert.match(m.append, /tsc_early_khz=2300000 .*init_on_free=1/);
  assert.deepEqual(boot.slice(boot.indexOf('-accel'), boot.indexOf('-accel') + 4), ['-accel', 'tcg,thread=multi', '-cpu', 'max']);
});

test('accelerator: THAW_VM_ACCEL overrides the detection, and a bad value is one clear line', () => {
  assert.equal(detectAccel('tcg').kind, 'tcg');
  assert.equal(detectAccel('kvm').kind, 'kvm');
  assert.throws(() => detectAccel('hvf'), /THAW_VM_ACCEL=hvf is not an accelerator/);
  const auto = detectAccel(undefined);
  const cpu = readFileSync('/proc/cpuinfo', 'utf8');
  if (!/\b(vmx|svm)\b/.test(cpu)) assert.equal(auto.kind, 'tcg', `no VMX/SVM here, so TCG: ${auto.why}`);
});
