/**
 * What the target Node is: version, V8, arch, and the export shapes of the built-ins thaw
 * defers (their names and data values), asked of that very binary so the stand-ins match it.
 */
import { statSync } from 'node:fs';
import { ThawError, tail } from '../errors.js';
import { run } from '../launch/spawn.js';
import { DEFERRED_GLOBALS, DEFERRED_MODULES, type ModuleShape } from '../runtime/protocol.js';

export interface NodeInfo {
  path: string;
  version: string;
  v8: string;
  arch: string;
  platform: string;
  modules: string;
  /** Size and mtime of the binary: the cheap identity check IMG/start makes. */
  size: number;
  mtimeS: number;
  shapes: Record<string, ModuleShape>;
  /** The deferred web globals this Node defines. */
  webGlobals: string[];
}

const PROBE = `
const mods = ${JSON.stringify(DEFERRED_MODULES)};
const plain = (v, d = 0) => v === null || ['string', 'number', 'boolean'].includes(typeof v) ||
  (d < 3 && Array.isArray(v) && v.every((x) => plain(x, d + 1))) ||
  (d < 3 && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype && Object.values(v).every((x) => plain(x, d + 1)));
const shapes = {};
for (const m of mods) {
  let mod;
  try { mod = require(m); } catch { continue; }
  const s = { functions: [], classes: [], values: {} };
  for (const k of Object.keys(mod)) {
    const v = mod[k];
    if (typeof v === 'function') (/^[A-Z]/.test(k) ? s.classes : s.functions).push(k);
    // Large data (tls.rootCertificates) is left to the real module after restore.
    else if (plain(v) && JSON.stringify(v).length < 8192) s.values[k] = v;
  }
  shapes[m] = s;
}
const webGlobals = ${JSON.stringify(DEFERRED_GLOBALS)}.filter((g) => typeof globalThis[g] !== 'undefined');
process.stdout.write(JSON.stringify({ version: process.version, v8: process.versions.v8, arch: process.arch,
  platform: process.platform, modules: process.versions.modules, shapes, webGlobals }));
`;

export async function probeNode(nodePath: string): Promise<NodeInfo> {
  let st;
  try {
    st = statSync(nodePath);
  } catch {
    throw new ThawError('E_NODE_MISSING', `Node binary ${nodePath} does not exist`, { hint: 'pass --node with the path of an installed node binary' });
  }
  const r = await run([nodePath, '--no-warnings', '--no-deprecation', '-e', PROBE], { timeoutMs: 30_000 });
  if (r.status !== 0) throw new ThawError('E_NODE_BROKEN', `${nodePath} did not run (exit ${r.status})`, { hint: 'pass --node with a working node binary', detail: tail(r.stderr) });
  const info = JSON.parse(r.stdout) as Omit<NodeInfo, 'path' | 'size' | 'mtimeS'>;
  const major = Number(info.version.slice(1).split('.')[0]);
  if (major < 20) throw new ThawError('E_NODE_TOO_OLD', `${nodePath} is Node ${info.version}; thaw images need Node 20 or newer`, { hint: 'pass --node with Node >= 20' });
  return { ...info, path: nodePath, size: st.size, mtimeS: Math.floor(st.mtimeMs / 1000) };
}
