// The JVM example of the README, end to end: javac build, AppCDS archive, thaw bench of cold vs
// AppCDS vs C1-only on the real JDK.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort } from '../src/launch/port.js';
import { killAll, run } from '../src/launch/spawn.js';
import { needs, root, scratch, thaw } from './helpers.js';

const ex = join(root, 'examples/java-hello');

describe('thaw bench on examples/java-hello (JDK)', { skip: needs('java') }, () => {
  after(killAll);

  it('builds, archives with AppCDS and benches three JVM configurations', async () => {
    const build = await run([join(ex, 'build.sh')], { timeoutMs: 120_000 });
    assert.equal(build.status, 0, build.stderr);
    const cds = await run([join(ex, 'appcds.sh')], { timeoutMs: 120_000, env: { PORT: String(await freePort()) } });
    assert.equal(cds.status, 0, cds.stderr);
    assert.ok(existsSync(join(ex, 'build/app.jsa')));
    const json = join(scratch(), 'java.json');
    const jar = join(ex, 'build/hello.jar');
    const r = await thaw([
      'bench', '--ready', 'http://127.0.0.1:$PORT/hello', '--expect', 'Hello World', '--runs', '2', '--after', '3', '--json', json,
      '-c', `cold=java -cp ${jar} Hello`,
      '-c', `appcds=java -XX:SharedArchiveFile=${join(ex, 'build/app.jsa')} -Xshare:on -cp ${jar} Hello`,
      '-c', `c1=java -XX:TieredStopAtLevel=1 -cp ${jar} Hello`,
    ]);
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(readFileSync(json, 'utf8'));
    assert.deepEqual(doc.results.map((x: { command: string }) => x.command), ['cold', 'appcds', 'c1']);
    for (const x of doc.results) {
      assert.equal(x.times.length, 2);
      assert.equal(x.warmup_curve.length, 3);
      assert.ok(x.rss_kb > 20_000, `${x.command}: a JVM's RSS at ready is tens of MB, got ${x.rss_kb} kB`);
    }
  });
});
