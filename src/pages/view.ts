/**
 * `thaw pages view`: turn page maps, traces and NMT reports into the visualizer's panels, bundle
 * src/ui with esbuild, and inline everything (script, style, data) into one HTML file that works
 * offline — or serve that page on localhost.
 */
import { browserBundle } from '../browser.js';
import { scriptJson } from '../html.js';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ThawError } from '../errors.js';
import { importPagesFile, type PagesInput } from '../import/page-inputs.js';
import type { FaultTrace } from '../model/faults.js';
import type { PageMap } from '../model/page-map.js';
import type { NmtReport } from '../model/pages-nmt.js';
import { attributeFaults } from '../model/pages-summary.js';
import { buildView, type PanelInput, type ViewJson } from '../model/pages-view.js';

const uiDir = fileURLToPath(new URL('../../../src/ui/', import.meta.url));

export interface LoadedInputs {
  inputs: PagesInput[];
  problems: string[];
}

export function loadInputs(files: readonly string[]): LoadedInputs {
  const inputs: PagesInput[] = [];
  const problems: string[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ThawError('E_NOT_FOUND', `cannot read ${f} (${code})`, { hint: 'check the path' });
    }
    const input = importPagesFile(f, text);
    inputs.push(input);
    const own = input.kind === 'map' ? input.map.problems : input.kind === 'trace' ? input.trace.problems : input.nmt.problems;
    for (const p of own) problems.push(`${f}: ${p}`);
  }
  return { inputs, problems };
}

/**
 * Panels: one per trace, paired with its own snapshot or else the nearest page map given before
 * it (else the first one); with no trace, one per page map. NMT reports apply to every panel.
 */
export function panelsFrom(inputs: readonly PagesInput[], problems: readonly string[] = []): PanelInput[] {
  const nmt: NmtReport[] = inputs.filter((i): i is Extract<PagesInput, { kind: 'nmt' }> => i.kind === 'nmt').map((i) => i.nmt);
  const maps = inputs.filter((i): i is Extract<PagesInput, { kind: 'map' }> => i.kind === 'map');
  const out: PanelInput[] = [];
  let lastMap: { name: string; map: PageMap } | undefined;
  for (const i of inputs) {
    if (i.kind === 'map') lastMap = i;
    if (i.kind !== 'trace') continue;
    const pair = i.map ? { name: i.name, map: i.map } : (lastMap ?? maps[0]);
    const allNmt = [...nmt, ...i.nmt];
    const trace: FaultTrace = attributeFaults(i.trace, pair?.map, allNmt);
    const title = pair && pair.name !== i.name ? `${basename(i.name)} on ${basename(pair.name)}` : basename(i.name);
    out.push({ title, map: pair?.map, trace, nmt: allNmt, problems });
  }
  if (out.length === 0) for (const m of maps) out.push({ title: basename(m.name), map: m.map, nmt, problems });
  if (out.length === 0) throw new ThawError('E_PAGES_NOTHING', 'nothing to show: give a page map or a fault trace (NMT alone has no pages)', { hint: 'thaw pages view mem_mapping.txt uffd.log [nmt.txt]' });
  return out;
}

async function bundleUi(): Promise<string> {
  return browserBundle('ui/main.ts');
}

export async function renderHtml(view: ViewJson, title: string): Promise<string> {
  const js = await bundleUi();
  const css = readFileSync(uiDir + 'style.css', 'utf8');
  const safeTitle = title.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>thaw pages — ${safeTitle}</title>`,
    '<meta name="generator" content="thaw pages view">',
    `<style>${css}</style></head>`,
    '<body><div id="app"></div>',
    `<script type="application/json" id="thaw-data">${scriptJson(view)}</script>`,
    `<script>${js.replace(/<\/script/gi, '<\\/script')}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}

export async function buildHtml(files: readonly string[]): Promise<{ html: string; problems: string[]; view: ViewJson }> {
  const { inputs, problems } = loadInputs(files);
  const view = buildView(panelsFrom(inputs, problems));
  const html = await renderHtml(view, files.map((f) => basename(f)).join(', '));
  return { html, problems, view };
}

/** Serve one page on 127.0.0.1 until the process is interrupted. */
export function serve(html: string, port: number): Promise<{ url: string; close: () => void }> {
  return new Promise((resolve, reject) => {
    const srv = createServer((req, res) => {
      if (req.url === '/' || req.url?.startsWith('/?')) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(html);
      } else {
        res.writeHead(404).end();
      }
    });
    srv.once('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'EADDRINUSE' ? new ThawError('E_PORT_IN_USE', `port ${port} is in use`, { hint: 'give another --port, or 0 for any free one' }) : e);
    });
    srv.listen(port, '127.0.0.1', () => {
      const a = srv.address();
      const p = typeof a === 'object' && a ? a.port : port;
      resolve({ url: `http://127.0.0.1:${p}/`, close: () => srv.close() });
    });
  });
}
