/**
 * The dispatcher for page inputs: try the importer the file name suggests, then every
 * importer on the content. Inputs: fireCRaCer mem_mapping text, fireCRaCer uffd handler logs,
 * HotSpot NMT detail output, and thaw's own JSON (`thaw pages snapshot -o X.json`, trace JSON).
 */
import { ThawError } from '../errors.js';
import type { FaultTrace } from '../model/faults.js';
import type { PageMap } from '../model/page-map.js';
import { PAGEMAP_FORMAT, pageMapFromJson, TRACE_FORMAT, traceFromJson, type PageMapJson, type TraceJson } from '../model/pages-format.js';
import type { NmtReport } from '../model/pages-nmt.js';
import { importMemMapping } from './mem-mapping.js';
import { importNmt } from './nmt.js';
import { importUffdLog } from './uffd-log.js';

export type PagesInput =
  | { kind: 'map'; name: string; map: PageMap }
  | { kind: 'trace'; name: string; trace: FaultTrace; map?: PageMap; nmt: NmtReport[] }
  | { kind: 'nmt'; name: string; nmt: NmtReport };

function importJson(text: string, name: string): PagesInput | null {
  if (!/^\s*\{/.test(text)) return null;
  let j: { format?: string };
  try {
    j = JSON.parse(text) as { format?: string };
  } catch (e) {
    throw new ThawError('E_PAGES_JSON', `${name} is not valid JSON: ${(e as Error).message}`);
  }
  try {
    if (j.format === PAGEMAP_FORMAT) return { kind: 'map', name, map: pageMapFromJson(j as PageMapJson) };
    if (j.format === TRACE_FORMAT) {
      const t = traceFromJson(j as TraceJson);
      return { kind: 'trace', name, trace: t.trace, map: t.map, nmt: t.nmt };
    }
  } catch (e) {
    // Recognised by its format field, but damaged (truncated columns, missing fields).
    throw new ThawError('E_PAGES_JSON', `${name} is a damaged ${j.format} document: ${(e as Error).message}`, { hint: 'write it again with thaw pages snapshot / trace' });
  }
  return null;
}

type Importer = (text: string, name: string) => PagesInput | null;
const importers: Record<string, Importer> = {
  json: importJson,
  uffd: (t, n) => {
    const trace = importUffdLog(t, n);
    return trace ? { kind: 'trace', name: n, trace, nmt: [] } : null;
  },
  nmt: (t, n) => {
    const nmt = importNmt(t);
    return nmt ? { kind: 'nmt', name: n, nmt } : null;
  },
  memMapping: (t, n) => {
    const map = importMemMapping(t, n);
    return map ? { kind: 'map', name: n, map } : null;
  },
};

function guess(fileName: string): string | undefined {
  const base = fileName.toLowerCase().replace(/^.*\//, '');
  if (base.endsWith('.json')) return 'json';
  if (base.includes('uffd')) return 'uffd';
  if (base.includes('nmt') || base.includes('native_memory')) return 'nmt';
  if (base.includes('mem_mapping') || base.includes('mapping')) return 'memMapping';
  return undefined;
}

/** Import one file; throws E_PAGES_FORMAT when no importer recognises it. */
export function importPagesFile(fileName: string, text: string): PagesInput {
  const first = guess(fileName);
  const order = [first, ...Object.keys(importers).filter((k) => k !== first)].filter((k): k is string => !!k);
  for (const k of order) {
    const r = importers[k]!(text, fileName);
    if (r) return r;
  }
  throw new ThawError('E_PAGES_FORMAT', `${fileName}: not a page map, fault trace or NMT report thaw can read`, {
    hint: 'give a mem_mapping text (thaw pages snapshot), a uffd handler log, `jcmd PID VM.native_memory detail` output or a thaw pages JSON',
  });
}
