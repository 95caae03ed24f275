import { relative } from 'node:path';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ThawError } from '../errors.js';
import type { BuildReport } from '../runtime/protocol.js';
import { buildImage } from '../snapshot/build.js';
import { buildNotes, describeHandles, groupDraws, StackMapper } from '../snapshot/diagnose.js';
import type { NodeInfo } from '../snapshot/node-info.js';
import { run } from '../launch/spawn.js';
import { progressLine } from './progress.js';
import type { CommandSpec } from './spec.js';

/** `vX.Y.Z` of a Node binary, or '' when it does not run (the failure then says so). */
async function versionOf(node: string): Promise<string> {
  const r = await run([node, '--version'], { timeoutMs: 10_000 }).catch(() => undefined);
  return r?.status === 0 ? r.stdout.trim() : '';
}

/**
 * `thaw doctor ENTRY`: build in a scratch place and say what blocks a checkpoint and where it
 * came from — live handles with the stack that created each (as CRaC's
 * CheckpointOpenSocketException names the socket), native addons, deferred built-ins, env
 * values and entropy baked into the snapshot, modules Node does not vouch for in snapshots.
 */
interface DoctorOptions {
  warmup?: string;
  node: string;
}

export const doctorCommand: CommandSpec<DoctorOptions> = {
  name: 'doctor',
  args: '<entry>',
  summary: 'say what blocks a checkpoint of ENTRY, and where it came from',
  options: [
    { flags: '--warmup <file.json>', description: 'also serve these warm-up requests' },
    { flags: '--node <path>', description: 'Node binary to check with', default: process.execPath },
  ],
  async run([entry], opts) {
    const scratch = join(tmpdir(), `thaw-doctor-${process.pid}`);
    const p = progressLine('thaw doctor');
    let report: BuildReport | undefined;
    let warnings: string[] = [];
    let missing: string[] = [];
    let failure: ThawError | undefined;
    let mapper: StackMapper | undefined;
    let nodeVersion = '';
    let notes: string[] = [];
    try {
      const r = await buildImage({ entry: entry!, out: scratch, warmupFile: opts.warmup, node: opts.node, progress: p.say }, true);
      report = r.report;
      warnings = r.warnings;
      missing = r.missing;
      nodeVersion = r.node.version;
      notes = r.manifest.notes;
      mapper = new StackMapper(join(r.dir, 'bundle.cjs'), join(scratch, 'bundle.cjs'));
      rmSync(r.dir, { recursive: true, force: true });
    } catch (e) {
      if (!(e instanceof ThawError)) throw e;
      failure = e;
      const extra = e as ThawError & { report?: BuildReport; bundleWarnings?: string[]; missing?: string[]; mapper?: StackMapper; node?: NodeInfo; notes?: string[] };
      report = extra.report;
      warnings = extra.bundleWarnings ?? [];
      missing = extra.missing ?? [];
      mapper = extra.mapper;
      notes = extra.notes ?? [];
      // A failure before the build asked its Node (a bad entry or warm-up file) says no version.
      nodeVersion = extra.node?.version ?? (await versionOf(opts.node));
    } finally {
      p.done();
    }
    const out: string[] = [`thaw doctor: ${relative(process.cwd(), entry!)}${nodeVersion ? ` (Node ${nodeVersion})` : ''}`];
    if (failure) {
      out.push(`  ✗ blocked [${failure.code}] ${failure.message.split('\n')[0]}`);
      for (const l of failure.message.split('\n').slice(1)) out.push(`      ${l}`);
      if (failure.detail) for (const l of failure.detail.split('\n')) out.push(`      ${l}`);
      if (failure.hint) out.push(`    fix: ${failure.hint}`);
    } else {
      out.push(`  ✓ a checkpoint can be taken (init ${Math.round(report!.initMs)} ms${report!.warmup.length ? `, ${report!.warmup.length} warm-up request(s)` : ''})`);
    }
    if (report && mapper) {
      if (report.liveAtInit.length && !failure) {
        out.push(`  handles open after init, closed by beforeCheckpoint hooks:`);
        for (const l of describeHandles(report.liveAtInit, mapper).split('\n')) out.push(`    ${l}`);
      }
      const deferred = Object.entries(report.deferred);
      if (deferred.length) {
        out.push('  deferred until restore (snapshot-hostile built-ins; they become the real ones after restore):');
        for (const [m, names] of deferred) out.push(`    ${m === 'globalThis' ? 'globals' : `node:${m}`}: ${names.join(', ')}`);
      }
      if (report.runtimeRequires.length) {
        out.push('  loaded from disk by a computed require(name) during the build (now part of the snapshot):');
        for (const x of report.runtimeRequires.slice(0, 10)) out.push(`    ${x.request} → ${relative(process.cwd(), x.resolved)} (from ${relative(process.cwd(), x.from)})`);
      }
      if (report.reopened.length) out.push(`  append-mode streams closed at checkpoint and reopened by every restore: ${report.reopened.map((f) => relative(process.cwd(), f) || f).join(', ')}`);
      if (report.parkedHooks) out.push(`  ${report.parkedHooks} async hook(s) / AsyncLocalStorage switched off at checkpoint and on again after restore`);
      if (report.envRead.length) out.push(`  env read during the build (values are baked into the snapshot): ${report.envRead.join(', ')}${report.envEnumerated ? ` — and the whole environment was enumerated${mapper.site(report.envEnumeratedAt) ? `, first at ${mapper.site(report.envEnumeratedAt)}` : ''}` : ''}`);
      if (report.filesRead.length) {
        out.push('  files of the app read during the build (their contents are baked in; rebuild after editing one):');
        for (const f of report.filesRead.slice(0, 20)) out.push(`    ${relative(process.cwd(), f) || f}`);
        if (report.filesRead.length > 20) out.push(`    … and ${report.filesRead.length - 20} more (report.json of a built image lists all)`);
      }
      const init = report.entropy.filter((d) => d.phase === 'init' || d.phase === 'prelude');
      const later = report.entropy.filter((d) => !(d.phase === 'init' || d.phase === 'prelude'));
      const count = (g: { n: number }) => (g.n > 1 ? ` ×${g.n}` : '');
      if (init.length) {
        out.push('  randomness drawn during init (every restore shares it — draw it in onRestore() instead):');
        for (const g of groupDraws(init, mapper).slice(0, 10)) out.push(`    ${g.text}${count(g)}`);
      }
      if (later.length) {
        out.push(`  randomness drawn while serving the warm-up (${later.length}; shared by every restore only if the app keeps it, e.g. a session id in a store):`);
        for (const g of groupDraws(later, mapper).slice(0, 5)) out.push(`    ${g.text}${count(g)}`);
      }
      for (const w of report.warnings) out.push(`  warning: ${w}`);
      // The same notes thaw build prints (snapshot/diagnose.ts).
      for (const n of buildNotes(report, notes)) out.push(`  note: ${n}`);
      if (report.resources) out.push(`  ${report.resources} resource(s) registered for checkpoint/restore`);
    }
    if (missing.length) {
      out.push('  not installed, so they fail only where reached (as under node):');
      for (const m of missing.slice(0, 10)) out.push(`    ${m}`);
    }
    for (const w of warnings.slice(0, 10)) out.push(`  bundler: ${w}`);
    process.stdout.write(out.join('\n') + '\n');
    return failure ? 1 : 0;
  },
};
