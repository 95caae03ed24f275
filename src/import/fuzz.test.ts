/**
 * Fuzzing the importers: real fixtures cut, spliced and corrupted by a seeded generator. Every
 * input must end in a result or in one ThawError (what the CLI prints as one line) — never a
 * TypeError, a RangeError or a hang. Profiles that import are also drawn and exported, since a
 * damaged profile that imports must not break what comes after.
 *
 * Reproduce a failure with the seed it prints: THAW_FUZZ_SEED=1234 node --test dist/src/import/fuzz.test.js
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { mulberry32 } from '../bench/stats.js';
import { ThawError } from '../errors.js';
import { diffProfiles } from '../model/profile-diff.js';
import { flameChart, reverseProfile, type Profile } from '../model/profile.js';
import { serializeFolded } from '../profile/export/folded.js';
import { serializePprof } from '../profile/export/pprof.js';
import { serializeSpeedscope } from '../profile/export/speedscope.js';
import { chartData, diffFlameData, flameData, renderFlameSvg } from '../render/flame.js';
import { importPagesFile } from './page-inputs.js';
import { importProfile } from './profiles.js';

const fx = (p: string): string => fileURLToPath(new URL('../../../src/import/fixtures/' + p, import.meta.url));
const read = (p: string): string => (p.endsWith('.gz') ? gunzipSync(readFileSync(fx(p))) : readFileSync(fx(p))).toString('latin1');

const SEED = Number(process.env.THAW_FUZZ_SEED ?? 20261130);
const ROUNDS = Number(process.env.THAW_FUZZ_ROUNDS ?? 150);

/** Characters that matter to these formats: separators, digits, JSON punctuation, odd bytes. */
const ALPHABET = [';', ' ', '\t', '\n', '\r\n', '0', '9', '.', '-', '+', 'e', ':', ',', '{', '}', '[', ']', '"', '\\', '(', ')', '#', '/', '_[j]', '_[k]', '0x', 'ffffffff', '\u0000', '\u00e9', '\ud83d\ude00', '\ud800', 'NaN', '1e309', '-1', '99999999999999999999', '    ', 'cpu-clock:', 'UFFD_EVENT_PAGEFAULT (r): '];

type Mutator = (text: string, rand: () => number, others: string[]) => string;
const at = (text: string, rand: () => number): number => Math.floor(rand() * (text.length + 1));
const pick = <T>(xs: readonly T[], rand: () => number): T => xs[Math.floor(rand() * xs.length)]!;

const MUTATORS: Record<string, Mutator> = {
  cut: (t, r) => t.slice(0, at(t, r)),
  cutHead: (t, r) => t.slice(at(t, r)),
  delete: (t, r) => {
    const a = at(t, r);
    return t.slice(0, a) + t.slice(Math.min(t.length, a + 1 + Math.floor(r() * 200)));
  },
  splice: (t, r, others) => {
    const o = pick(others, r);
    const a = at(o, r);
    const piece = o.slice(a, a + 1 + Math.floor(r() * 400));
    const b = at(t, r);
    return t.slice(0, b) + piece + t.slice(b);
  },
  corrupt: (t, r) => {
    let s = t;
    const n = 1 + Math.floor(r() * 8);
    for (let i = 0; i < n; i++) {
      const a = at(s, r);
      s = s.slice(0, a) + pick(ALPHABET, r) + s.slice(a + (r() < 0.5 ? 1 : 0));
    }
    return s;
  },
  numbers: (t, r) => t.replace(/\d+/g, (m) => (r() < 0.05 ? pick(['0', '-1', '1e309', '99999999999999999999', '', '1.5', 'NaN'], r) : m)),
  lines: (t, r) => {
    const ls = t.split('\n');
    const a = Math.floor(r() * ls.length);
    const b = Math.floor(r() * ls.length);
    if (r() < 0.5) [ls[a], ls[b]] = [ls[b]!, ls[a]!];
    else ls.splice(a, 0, ...ls.slice(b, b + 1 + Math.floor(r() * 20)));
    return ls.join('\n');
  },
  json: (t, r) => {
    // Structure-aware: a .cpuprofile whose nodes, samples or times are damaged but still JSON.
    let j: Record<string, unknown>;
    try {
      j = JSON.parse(t) as Record<string, unknown>;
    } catch {
      return t;
    }
    if (typeof j !== 'object' || j === null || Array.isArray(j)) return t;
    const nodes = Array.isArray(j.nodes) ? (j.nodes as unknown[]).filter((n): n is Record<string, unknown> => typeof n === 'object' && n !== null) : [];
    const ids = nodes.map((n) => n?.id);
    const weird = (): unknown => pick([null, -1, 'x', {}, [], 1e309, pick(ids, r), undefined, true], r);
    const n = pick(nodes.length ? nodes : [{}], r);
    switch (Math.floor(r() * 9)) {
      case 0: if (n && Array.isArray(n.children)) (n.children as unknown[]).push(r() < 0.5 ? n.id : pick(ids, r)); break;
      case 1: if (n) n.children = weird(); break;
      case 2: if (n) n.callFrame = weird(); break;
      case 3: if (n) n.id = weird(); break;
      case 4: j.samples = Array.isArray(j.samples) ? (j.samples as unknown[]).map((s) => (r() < 0.05 ? weird() : s)) : weird(); break;
      case 5: j.timeDeltas = Array.isArray(j.timeDeltas) ? (j.timeDeltas as unknown[]).slice(0, Math.floor(r() * (j.timeDeltas as unknown[]).length)) : weird(); break;
      case 6: j.nodes = r() < 0.5 ? nodes.slice(0, Math.floor(r() * nodes.length)) : weird(); break;
      case 7: if (nodes.length) nodes.splice(Math.floor(r() * nodes.length), 0, ...nodes.slice(0, 2)); break;
      default: j.startTime = weird(); j.endTime = weird();
    }
    return JSON.stringify(j);
  },
};

/** A window of a large fixture, so each round stays cheap: whole lines, at most ~max characters. */
function windowOf(text: string, rand: () => number, max = 60_000): string {
  if (text.length <= max) return text;
  const a = text.indexOf('\n', Math.floor(rand() * (text.length - max)));
  return text.slice(a + 1, a + 1 + max);
}

interface Corpus {
  name: string;
  files: Array<[name: string, text: string]>;
  /** Imports (and uses) one input; counts what became a result and what a ThawError. */
  run: (fileName: string, text: string, seen: { results: number; errors: number }) => void;
}

/** The CLI prints a ThawError as one line: its message must be one. */
function oneLine(e: ThawError): void {
  if (/[\n\r]/.test(e.message)) throw new Error(`a ThawError of more than one line: ${JSON.stringify(e.message.slice(0, 200))}`);
}

/** A profile that imported must also draw and export. */
function useProfile(p: Profile): void {
  renderFlameSvg(flameData(p));
  renderFlameSvg(flameData(reverseProfile(p), { minWidth: { px: 0.5 }, palette: 'java' }));
  const chart = flameChart(p);
  if (chart) renderFlameSvg(chartData(chart));
  if (p.base) renderFlameSvg(diffFlameData(diffProfiles(p.base, p, 'counts')));
  serializeFolded(p);
  serializeSpeedscope(p);
  serializePprof(p);
}

const corpora: Corpus[] = [
  {
    name: 'profiles',
    files: [
      ['edge.folded', read('folded/edge.folded')],
      ['hot.collapsed', read('collapsed/hot.collapsed')],
      ['work.cpuprofile', read('cpuprofile/work.cpuprofile')],
      ['node10.cpuprofile', read('speedscope/node10-example.cpuprofile')],
      ['simple.cpuprofile', read('speedscope/chrome65-simple.cpuprofile')],
      ['simple-with-invalids.txt', read('speedscope/simple-with-invalids.txt')],
      ['edge.perf-script.txt', read('perf-script/edge.perf-script.txt')],
      ['node-jit.perf-script.txt', read('perf-script/node-jit.perf-script.txt.gz')],
      ['java-jit.perf-script.txt', read('perf-script/java-jit.perf-script.txt.gz')],
      ['node-jit-damaged.perf-script.txt', read('perf-script/node-jit-damaged.perf-script.txt.gz')],
      ['node-jit.folded', read('perf-script/node-jit.stackcollapse-perf.folded')],
    ],
    run: (fileName, text, seen) => {
      for (const name of [fileName, 'input']) {
        let p: Profile;
        try {
          p = importProfile(name, text);
        } catch (e) {
          if (!(e instanceof ThawError)) throw e;
          oneLine(e);
          seen.errors++;
          continue;
        }
        seen.results++;
        useProfile(p);
      }
    },
  },
  {
    name: 'pages',
    files: [
      ['thread-id.uffd.log', read('uffd-log/thread-id.log')],
      ['no-thread-id.uffd.log', read('uffd-log/no-thread-id.log')],
      ['malformed.uffd.log', read('uffd-log/malformed.log')],
      ['mem_mapping.txt', read('mem-mapping/firecracer-readme.txt')],
      ['malformed.mem_mapping.txt', read('mem-mapping/malformed.txt')],
      ['jdk17.nmt.txt', read('nmt/jdk17-detail.txt')],
      ['malformed.nmt.txt', read('nmt/malformed.txt')],
    ],
    run: (fileName, text, seen) => {
      for (const name of [fileName, 'input']) {
        try {
          importPagesFile(name, text);
          seen.results++;
        } catch (e) {
          if (!(e instanceof ThawError)) throw e;
          oneLine(e);
          seen.errors++;
        }
      }
    },
  },
];

for (const c of corpora) {
  test(`fuzz ${c.name}: ${ROUNDS} cut, spliced and corrupted inputs per fixture end in a result or one ThawError (seed ${SEED})`, () => {
    const texts = c.files.map(([, t]) => t);
    const failures: string[] = [];
    const names = Object.keys(MUTATORS);
    const seen = { results: 0, errors: 0 };
    for (const [k, [fileName, original]] of c.files.entries()) {
      for (let round = 0; round < ROUNDS; round++) {
        const seed = SEED + k * 100_003 + round;
        const rand = mulberry32(seed);
        let text = windowOf(original, rand);
        const applied: string[] = [];
        const steps = 1 + Math.floor(rand() * 3);
        for (let s = 0; s < steps; s++) {
          const m = fileName.endsWith('.cpuprofile') && rand() < 0.5 ? 'json' : pick(names, rand);
          applied.push(m);
          text = MUTATORS[m]!(text, rand, texts);
        }
        try {
          c.run(fileName, text, seen);
        } catch (e) {
          const err = e as Error;
          failures.push(`${fileName} round ${round} (${applied.join('+')}): ${err.name}: ${err.message.slice(0, 160)}\n    at ${err.stack?.split('\n')[1]?.trim()}`);
        }
      }
    }
    assert.deepEqual(failures, [], `${failures.length} inputs crashed an importer:\n${failures.slice(0, 15).join('\n')}`);
    // Both ends are reached: damaged inputs that still import, and inputs refused with a reason.
    const all = seen.results + seen.errors;
    assert.ok(seen.results > all * 0.2 && seen.errors > all * 0.02, `${seen.results} results, ${seen.errors} ThawErrors`);
  });
}
