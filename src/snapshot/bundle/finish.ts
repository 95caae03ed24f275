/**
 * The bundle esbuild wrote, made ready for the snapshot: one read, at most one acorn parse and
 * one write for the three rewrites below. Each keeps every line and column (what it takes out
 * becomes spaces or `?`), so the source map holds.
 *
 * - keepNames calls that keep a name the function has anyway are taken out (names.ts);
 * - esbuild's expanded-require lookup tries Node's extensions (packages.ts resolveLikeNode);
 * - the source is made one byte per character where only comments keep it two-byte. V8 keeps a
 *   script's source as one byte per character only when every character is Latin-1; one `’` or
 *   `—` anywhere makes the whole bundle two bytes per character in the snapshot (markdown-app:
 *   14 comments, 2 MB of bundle held as 4 MB). esbuild escapes non-ASCII characters in strings,
 *   templates and names but keeps comments (and regular expression literals) as written, so each
 *   UTF-16 unit above U+00FF inside a comment becomes `?`. Where something else would keep the
 *   source two-byte anyway (a regular expression literal), comments are left as they are. The
 *   footer's `//# sourceURL=` (the image's path, which may be anything) is kept as it is.
 *
 * What acorn cannot parse is left as esbuild wrote it but for the lookup (correct, only slower
 * or larger).
 */
import * as acorn from 'acorn';
import { readFileSync, writeFileSync } from 'node:fs';
import { redundantNameRanges, SAME_NAME, type Node } from './names.js';
import { resolveLikeNode } from './packages.js';

// acorn takes ~0.15 s and ~20 MB per MB of bundle: a bundle past 32 MB (all of Next.js with
// --bundle-packages) keeps its keepNames calls, which are correct, only slower.
const NAMES_PARSE_LIMIT = 32 * 1024 * 1024;

const WIDE = /[^\u0000-\u00ff]/;
const ALL_WIDE = new RegExp(WIDE.source, 'g');

/** Spaces for every character of text but its line breaks. */
const blank = (text: string): string => text.replace(/[^\n\r\u2028\u2029]/g, ' ');

/** The finished text of a bundle (pure; finishBundleFile reads and writes it). */
export function finishBundle(text: string, esm: boolean): string {
  text = resolveLikeNode(text.replace(SAME_NAME, '$1'));
  const footer = text.lastIndexOf('\n//# sourceURL=');
  const bodyEnd = footer >= 0 ? footer : text.length;
  const wide = WIDE.test(text.slice(0, bodyEnd));
  const names = text.includes('__name(') && text.length <= NAMES_PARSE_LIMIT;
  if (!wide && !names) return text;
  const comments: Array<[number, number]> = [];
  let tree: Node;
  try {
    tree = acorn.parse(text, {
      ecmaVersion: 'latest',
      sourceType: esm ? 'module' : 'script',
      allowHashBang: true,
      allowReturnOutsideFunction: true,
      allowAwaitOutsideFunction: true,
      onComment: wide ? (_block, _text, start, end) => void (end <= bodyEnd && comments.push([start, end])) : undefined,
    }) as unknown as Node;
  } catch {
    return text;
  }
  const edits: Array<[number, number, (s: string) => string]> = [];
  if (names) for (const [from, to] of redundantNameRanges(tree, text)) edits.push([from, to, blank]);
  if (wide && onlyInComments(text, bodyEnd, comments)) {
    for (const [from, to] of comments) if (WIDE.test(text.slice(from, to))) edits.push([from, to, (s) => s.replace(ALL_WIDE, '?')]);
  }
  if (!edits.length) return text;
  // A comment never overlaps a call's head or tail, and no two calls' ranges overlap.
  edits.sort((a, b) => a[0] - b[0]);
  const out: string[] = [];
  let at = 0;
  for (const [from, to, edit] of edits) {
    out.push(text.slice(at, from), edit(text.slice(from, to)));
    at = to;
  }
  out.push(text.slice(at));
  return out.join('');
}

/** Every character above U+00FF before `end` lies inside one of `comments` (in source order). */
function onlyInComments(text: string, end: number, comments: ReadonlyArray<[number, number]>): boolean {
  let c = 0;
  ALL_WIDE.lastIndex = 0;
  for (let m = ALL_WIDE.exec(text); m && m.index < end; m = ALL_WIDE.exec(text)) {
    while (c < comments.length && comments[c]![1] <= m.index) c++;
    if (c === comments.length || comments[c]![0] > m.index) return false;
  }
  return true;
}

/** Rewrites `file` with `edit` of its text, when that changes it. */
export function rewriteFile(file: string, edit: (text: string) => string): void {
  const text = readFileSync(file, 'utf8');
  const out = edit(text);
  if (out !== text) writeFileSync(file, out);
}

export function finishBundleFile(file: string, esm: boolean): void {
  rewriteFile(file, (text) => finishBundle(text, esm));
}
