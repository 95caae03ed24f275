/**
 * `perf script` text → folded stacks / Profile, by the rules of Brendan Gregg's
 * stackcollapse-perf.pl (every option of it), line for line, so `thaw fold` prints the same
 * lines. The pieces live in perf-script/: text rules (text.ts), one frame line (frame.ts), the
 * options (options.ts), addr2line for --inline (addr2line.ts), the hash tables (tables.ts), the
 * streaming folder (folder.ts) and the Profile side (profile.ts).
 */
export { PerfScriptFolder, type BadLine, type FoldStats, type FolderOptions, type FolderTimeline, type PerfMapInfo } from './perf-script/folder.js';
export type { CollapseOptions } from './perf-script/options.js';
export { importPerfScript, looksLikePerfScript, profileFromFolder, profileFromStacks, toProfileTimeline, type ImportPerfScriptOptions } from './perf-script/profile.js';
