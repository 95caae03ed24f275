import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ThawError } from '../errors.js';
import { which } from '../launch/which.js';
import { commandFiles, execTargets, lddLibraries, missingInGuest, withoutBootNoise } from './command-files.js';
import { describeApp } from './guest.js';
import { Mirror } from './mirror.js';

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'thaw-cmdfiles-')));
after(() => rmSync(dir, { recursive: true, force: true }));
const SYS_PATH = '/usr/local/bin:/usr/bin:/bin';
const python = which('python3', SYS_PATH);

function script(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  chmodSync(p, 0o755);
  return p;
}

async function rejects(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof ThawError && e.code === code && message.test(e.message));
}

test('mirror: every symlink on the way is kept, files sit at their real paths, nothing below a symlink', () => {
  mkdirSync(join(dir, 'real/deep'), { recursive: true });
  writeFileSync(join(dir, 'real/deep/file.txt'), 'x');
  symlinkSync('real', join(dir, 'alias'));
  symlinkSync(join(dir, 'alias/deep/file.txt'), join(dir, 'abs-link'));
  symlinkSync('abs-link', join(dir, 'chain'));
  const m = new Mirror();
  assert.equal(m.file(join(dir, 'chain')), join(dir, 'real/deep/file.txt'));
  assert.deepEqual([...m.files], [join(dir, 'real/deep/file.txt')]);
  assert.deepEqual(new Map(m.links), new Map([[join(dir, 'chain'), 'abs-link'], [join(dir, 'abs-link'), join(dir, 'alias/deep/file.txt')], [join(dir, 'alias'), 'real']]));
  for (const p of [join(dir, 'chain'), join(dir, 'alias/deep/file.txt'), join(dir, 'real/deep')]) assert.ok(m.has(p), p);
  assert.equal(m.has(join(dir, 'alias/other')), false);
  assert.equal(m.resolve(join(dir, 'missing')), undefined);
  // A tree over its budget is not read through.
  assert.equal(m.scan(join(dir, 'real'), 0), undefined);
  assert.equal(m.scan(join(dir, 'alias'))!.files.length, 1);
});

test('a python3 found on PATH: its symlink chain, the interpreter, and its standard library as sys.path lists it', { skip: !python && 'no python3' }, async () => {
  const m = new Mirror();
  const r = await commandFiles(['python3', '-m', 'http.server'], dir, m, { PATH: SYS_PATH });
  const real = realpathSync(python!);
  assert.deepEqual(r.programs, [real]);
  assert.ok(m.has(python!), `${python} resolves in the guest`);
  if (real !== python) assert.ok(m.links.has(python!), `${python} stays a symlink (to ${m.links.get(python!)})`);
  const q = spawnSync(python!, ['-c', 'import os, json, http.server, sys; print(json.dumps([os.__file__, http.server.__file__, sys.path]))'], { encoding: 'utf8' });
  const [os, server, path] = JSON.parse(q.stdout) as [string, string, string[]];
  for (const f of [os, server]) assert.ok(m.files.has(realpathSync(f)), f);
  const dynload = path.find((p) => p.endsWith('lib-dynload'));
  if (dynload) assert.ok(r.modules.some((f) => f.startsWith(realpathSync(dynload))), 'extension modules of lib-dynload, for their libraries');
  assert.ok(![...m.files].some((f) => /\/python3\.\d+\/test\/regrtest\.py$/.test(f)), "Python's regression tests stay out");
  assert.ok(![...m.files].some((f) => /\.opt-[12]\.pyc$|\/config-3\.\d+[^/]*\/|\/idlelib\//.test(f)), 'nor -O bytecode, config-3.x build files, IDLE');
});

test('scripts: the #! interpreter (also through env), what a shell script execs, and a shim named like an interpreter', { skip: !python && 'no python3' }, async () => {
  const m1 = new Mirror();
  const app = script('app.py', '#!/usr/bin/env python3\nprint(1)\n');
  const r1 = await commandFiles([app], dir, m1, { PATH: SYS_PATH });
  assert.ok(m1.files.has(app));
  assert.ok(m1.has('/usr/bin/env') && m1.has(python!), 'env and python3');
  assert.ok(r1.programs.includes(realpathSync(python!)));

  const server = script('run.sh', '#!/bin/sh\nset -e\ncd "$(dirname "$0")"\nexec env A=1 python3 -m http.server "$PORT"\n');
  assert.deepEqual(execTargets(server), ['python3']);
  const m2 = new Mirror();
  const r2 = await commandFiles(['./run.sh'], dir, m2, { PATH: SYS_PATH });
  assert.ok(m2.has('/bin/sh') && m2.has(python!), 'the shell and the program it execs');
  assert.ok(r2.programs.includes(realpathSync(python!)));

  // A version manager's shim: a script named python3 that runs the real one.
  mkdirSync(join(dir, 'shims'));
  const shim = script('shims/python3', `#!/bin/sh\nexec ${python} "$@"\n`);
  const m3 = new Mirror();
  const r3 = await commandFiles(['python3', '-V'], dir, m3, { PATH: `${join(dir, 'shims')}:${SYS_PATH}` });
  assert.equal(m3.links.get(shim), python, 'the shim becomes a symlink to the interpreter it runs');
  assert.equal(m3.files.has(shim), false);
  assert.match(r3.notes.join('\n'), /shims\/python3 is a script .*the guest runs the interpreter it runs here/);
});

test('--include of an interpreter a script runs without exec brings its library tree too', { skip: !python && 'no python3' }, async () => {
  const wrapper = script('wrap.sh', '#!/bin/sh\npython3 -m http.server "$PORT"\n');
  const without = await describeApp([wrapper], dir);
  assert.equal(without.mirror.has(python!), false, 'thaw follows exec, not every line of a script');
  const app = await describeApp([wrapper], dir, [python!]);
  assert.ok(app.mirror.has(python!));
  assert.ok(app.programs.includes(realpathSync(python!)));
  const os = spawnSync(python!, ['-c', 'import os; print(os.__file__)'], { encoding: 'utf8' }).stdout.trim();
  assert.ok(app.mirror.files.has(realpathSync(os)), 'its standard library');
});

test('what cannot run in the guest fails on the host with one line', async () => {
  const text = script('notes.txt', 'just text\n');
  await rejects(commandFiles([text], dir, new Mirror()), 'E_VM_COMMAND', /neither a program \(ELF\) nor a script with a #! line/);
  // An ELF header for AArch64 (e_machine 183).
  const h = Buffer.alloc(64);
  h.writeUInt32BE(0x7f454c46, 0);
  h[4] = 2;
  h[5] = 1;
  h.writeUInt16LE(2, 16);
  h.writeUInt16LE(183, 18);
  writeFileSync(join(dir, 'arm-server'), h);
  chmodSync(join(dir, 'arm-server'), 0o755);
  await rejects(commandFiles(['./arm-server'], dir, new Mirror()), 'E_VM_COMMAND', /is a program for AArch64, and the guest is x86-64/);
  const bad = script('bad.sh', '#!/no/such/interpreter\n');
  await rejects(commandFiles([bad], dir, new Mirror()), 'E_VM_COMMAND', /bad\.sh needs \/no\/such\/interpreter, which is not an executable file/);
  await rejects(commandFiles(['no-such-server-xyz'], dir, new Mirror(), { PATH: SYS_PATH }), 'E_COMMAND_NOT_FOUND', /command not found: no-such-server-xyz/);
});

test('ldd: a program whose library is missing here fails the build; an extension module\'s only loses that library', { skip: !which('gcc') && 'no gcc' }, async () => {
  const lib = join(dir, 'libthawgone.so');
  const prog = join(dir, 'needs-gone');
  writeFileSync(join(dir, 'gone.c'), 'int gone(void) { return 1; }\n');
  writeFileSync(join(dir, 'main.c'), 'int gone(void);\nint main(void) { return gone(); }\n');
  assert.equal(spawnSync('gcc', ['-shared', '-fPIC', '-o', lib, join(dir, 'gone.c')]).status, 0);
  assert.equal(spawnSync('gcc', ['-o', prog, join(dir, 'main.c'), `-L${dir}`, '-lthawgone']).status, 0);
  rmSync(lib);
  await rejects(lddLibraries([prog]), 'E_VM_COMMAND', /needs-gone needs libthawgone\.so, which ldd cannot find on this machine/);
  const libs = await lddLibraries([], [prog]);
  assert.ok(libs.some((l) => /\/libc\.so\.6$/.test(l)) && !libs.some((l) => l.includes('thawgone')), libs.join(' '));
});

test('an app that exits in the guest: its output names what is missing, and the fix', () => {
  const cases: Array<[string, RegExp, RegExp]> = [
    ['thaw-agent: cannot run /opt/srv/bin/server: No such file or directory\n', /\/opt\/srv\/bin\/server \(or the interpreter or loader it names\) is not in the guest/, /--include \/opt\/srv\/bin\/server/],
    ['./start.sh: 3: gunicorn: not found\n', /the command gunicorn is not in the guest/, /--include \$\(command -v gunicorn\)/],
    ["Traceback (most recent call last):\nFileNotFoundError: [Errno 2] No such file or directory: '/etc/app/config.toml'\n", /\/etc\/app\/config\.toml is not in the guest/, /--include \/etc\/app\/config\.toml/],
    ["ModuleNotFoundError: No module named 'flask'\n", /the Python module flask is not in the guest/, /--include the directory that holds it/],
    ['./server: error while loading shared libraries: libfoo.so.3: cannot open shared object file: No such file or directory\n', /the library libfoo\.so\.3 is not in the guest/, /--include/],
  ];
  for (const [out, what, hint] of cases) {
    const m = missingInGuest(`[    7.696332] PCI: Fatal: No config space access function found\n${out}`)!;
    assert.match(m.what, what, out);
    assert.match(m.hint, hint, out);
  }
  assert.equal(missingInGuest('listening on 8080\nTraceback: ValueError: bad\n'), undefined);
  assert.equal(withoutBootNoise('[    7.696332] PCI: Fatal: No config space access function found\nthe app\n'), 'the app\n');
});
