// The microVM engine with servers that are neither Node nor Java (thaw build --engine vm --
// ANY COMMAND): a Python server run as `python3 app.py` (found on PATH through its symlink
// chain, with its standard library) reading a file brought in with --include, restored twice
// at once with distinct os.urandom values; a C server compiled here with gcc (dynamically
// linked) started through a shell script that execs it. Each kind is built once (TCG boots take
// 10–25 s). And the failures a user meets before any guest boots, or when the app listens on
// a port of its own.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { killAll, run } from '../src/launch/spawn.js';
import { assertCleanFailure, needs, scratch, serve, thaw } from './helpers.js';

const VM = needs('qemu', 'kernel', 'busybox', 'gcc');
const BUILD_MS = 600_000;
/** The system's PATH only: `python3` is then the distribution's, not a version manager's shim. */
const SYS_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

// random.random() is seeded when the app starts, before the checkpoint: without the SIGPWR
// handler every restore would draw the same numbers. The agent signals an app that catches
// SIGPWR after each restore and waits for a line on $THAW_RESEED_ACK.
const PY_APP = (greeting: string): string => `import http.server, os, random, signal
GREETING = ${JSON.stringify(greeting)}
def reseed(signum, frame):
    random.seed()
    with open(os.environ['THAW_RESEED_ACK'], 'w') as ack:
        ack.write('reseeded\\n')
signal.signal(signal.SIGPWR, reseed)
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == '/id':
            body = os.urandom(16).hex()
        elif self.path == '/random':
            body = repr(random.random())
        elif self.path == '/greeting':
            with open(GREETING) as f:
                body = f.read()
        else:
            body = 'hello from python'
        b = body.encode()
        self.send_response(200)
        self.send_header('Content-Length', str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer((os.environ['HOST'], int(os.environ['PORT'])), Handler).serve_forever()
`;

const C_SERVER = `#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>
int main(void) {
  int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons(atoi(getenv("PORT")));
  a.sin_addr.s_addr = htonl(INADDR_ANY);
  if (bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 64)) { perror("listen"); return 1; }
  for (;;) {
    int c = accept(s, 0, 0);
    if (c < 0) continue;
    char req[4096];
    if (read(c, req, sizeof req) < 0) { close(c); continue; }
    unsigned char r[8];
    if (getrandom(r, sizeof r, 0) != sizeof r) return 2;
    char body[64], out[256];
    int n = snprintf(body, sizeof body, "hello from C %02x%02x%02x%02x%02x%02x%02x%02x\\n", r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
    int m = snprintf(out, sizeof out, "HTTP/1.1 200 OK\\r\\nContent-Length: %d\\r\\nConnection: close\\r\\n\\r\\n%s", n, body);
    if (write(c, out, m) != m) perror("write");
    close(c);
  }
}
`;

describe('thaw build --engine vm: a Python server (python3 found on PATH, its standard library, --include)', { skip: VM || needs('python3') }, () => {
  const dir = scratch('thaw-vm-py-');
  const img = join(dir, 'py-vm');
  const greeting = join(dir, 'etc', 'greeting.txt');
  let out = '';
  after(killAll);

  before(async () => {
    mkdirSync(join(dir, 'etc'));
    writeFileSync(greeting, 'hello from an included file\n');
    const app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'app.py'), PY_APP(greeting));
    const r = await thaw(['build', '--engine', 'vm', '-o', img, '--include', greeting, '--ready', '/greeting', '--', 'python3', 'app.py'], { cwd: app, timeoutMs: BUILD_MS, env: { PATH: SYS_PATH } });
    assert.equal(r.status, 0, r.stderr);
    out = r.stdout;
  });

  it('builds an image from `python3 app.py` as typed, naming what it mirrored', () => {
    assert.match(out, /built .*py-vm\/ \(microVM\) from `python3 app\.py` \(python3 and what it needs, mirrored from the host\)/);
    assert.ok(existsSync(join(img, 'start')));
    const m = JSON.parse(readFileSync(join(img, 'manifest.json'), 'utf8')) as { runtime: string; command: string[] };
    assert.equal(m.runtime, 'other');
    assert.deepEqual(m.command, ['python3', 'app.py']);
  });

  it('two restores at once both answer, each with its own os.urandom and, reseeded on SIGPWR, its own random.random(); the included file is there', async () => {
    const servers = await Promise.all([0, 1].map(() => serve(img, '/id')));
    try {
      const ids = servers.map((s) => s.body);
      for (const id of ids) assert.match(id, /^[0-9a-f]{32}$/);
      assert.notEqual(ids[0], ids[1], 'the kernel is reseeded in every restore: os.urandom differs');
      for (const s of servers) {
        const g = await fetch(`http://127.0.0.1:${s.port}/greeting`);
        assert.equal(await g.text(), 'hello from an included file\n');
      }
      const draws = await Promise.all(servers.map(async (s) => (await fetch(`http://127.0.0.1:${s.port}/random`)).text()));
      assert.match(draws[0]!, /^0\.\d+/);
      assert.notEqual(draws[0], draws[1], 'the app reseeded its own generator when the agent signalled it');
    } finally {
      await Promise.all(servers.map((s) => s.child.kill(5000)));
    }
  });
});

describe('thaw build --engine vm: a C server compiled with gcc, started by a shell script that execs it', { skip: VM }, () => {
  const dir = scratch('thaw-vm-c-');
  const img = join(dir, 'c-vm');
  after(killAll);

  before(async () => {
    const app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'server.c'), C_SERVER);
    const cc = await run(['gcc', '-O2', '-o', join(app, 'server'), join(app, 'server.c')], { timeoutMs: 120_000 });
    assert.equal(cc.status, 0, cc.stderr);
    writeFileSync(join(app, 'start.sh'), '#!/bin/sh\ncd "$(dirname "$0")"\nexec ./server\n');
    chmodSync(join(app, 'start.sh'), 0o755);
    const r = await thaw(['build', '--engine', 'vm', '-o', img, '--', './start.sh'], { cwd: app, timeoutMs: BUILD_MS });
    assert.equal(r.status, 0, r.stderr);
  });

  it('a restore answers with fresh kernel randomness', async () => {
    const a = await serve(img, '/');
    try {
      assert.match(a.body, /^hello from C [0-9a-f]{16}\n$/);
      const again = await (await fetch(`http://127.0.0.1:${a.port}/`)).text();
      assert.notEqual(again, a.body);
    } finally {
      await a.child.kill(5000);
    }
  });
});

describe('thaw build --engine vm: commands that cannot run in the guest fail on the host, at once', { skip: VM }, () => {
  const dir = scratch('thaw-vm-anybad-');

  it('a file that is neither a program nor a #! script', async () => {
    writeFileSync(join(dir, 'notes.txt'), 'not a server\n');
    chmodSync(join(dir, 'notes.txt'), 0o755);
    const r = await thaw(['build', '--engine', 'vm', '-o', join(dir, 'x'), '--', './notes.txt'], { cwd: dir });
    assertCleanFailure(r, 'E_VM_COMMAND', join(dir, 'x'));
    assert.match(r.stderr, /notes\.txt is neither a program \(ELF\) nor a script with a #! line/);
    assert.match(r.stderr, /fix: give the program, or its interpreter first/);
  });

  it('--include of a path that does not exist, and --include without --engine vm', async () => {
    const r = await thaw(['build', '--engine', 'vm', '-o', join(dir, 'y'), '--include', 'no/such/conf', '--', 'sh', '-c', 'exit 1'], { cwd: dir });
    assertCleanFailure(r, 'E_NOT_FOUND', join(dir, 'y'));
    assert.match(r.stderr, /--include no\/such\/conf: .*no\/such\/conf does not exist/);
    const v8 = await thaw(['build', 'server.js', '-o', join(dir, 'z'), '--include', 'x'], { cwd: dir });
    assertCleanFailure(v8, 'E_USAGE', join(dir, 'z'));
    assert.match(v8.stderr, /--include is for --engine vm/);
    assert.deepEqual(readdirSync(dir).sort(), ['notes.txt'], 'nothing written');
  });

  it('files that cannot fit the guest\'s memory are named before it boots', async () => {
    const big = join(dir, 'big');
    mkdirSync(big);
    await run(['truncate', '-s', '200M', join(big, 'data.bin')]);
    const r = await thaw(['build', '--engine', 'vm', '-o', join(dir, 'w'), '--include', big, '--', 'sh', '-c', 'exit 1'], { cwd: dir, timeoutMs: 120_000 });
    assertCleanFailure(r, 'E_VM_GUEST', join(dir, 'w'));
    assert.match(r.stderr, /the guest's files add up to \d+ MiB, more than a 512 MiB guest can unpack \(160 MiB\); the biggest: \S+\/big 200 MiB/);
  });
});

describe('thaw build --engine vm: a server on a port of its own choosing', { skip: VM || needs('python3') }, () => {
  after(killAll);
  it('`python3 -m http.server` (port 8000) fails naming the port it listens on and the fix, instead of waiting for the boot timeout', async () => {
    const dir = scratch('thaw-vm-port-');
    const out = join(dir, 'img');
    const r = await thaw(['build', '--engine', 'vm', '-o', out, '--', 'python3', '-m', 'http.server'], { cwd: dir, timeoutMs: BUILD_MS, env: { PATH: SYS_PATH } });
    assertCleanFailure(r, 'E_NOT_READY', out);
    assert.match(r.stderr, /the app listens on port 8000 inside the guest, not on \$PORT \(8080\), for 15 s/);
    assert.match(r.stderr, /fix: make the app listen on port 8080: it is in \$PORT inside the guest \(e\.g\. python3 -m http\.server 8080/);
  });
});
