/**
 * `perf script` text → folded stacks / Profile, by the rules of Brendan Gregg's
 * stackcollapse-perf.pl (every option of it), line for line, so `thaw fold` prints the same
 * lines. The pieces live in perf-script/: text rules (text.ts), one frame line (frame.ts), the
 * options (options.ts), addr2line for --inline (addr2line.ts), the hash tables (tables.ts), frame
 * kinds (kinds.ts), statistics and timeline (types.ts), the streaming folder (folder.ts) and the
 * Profile side (profile.ts).
 */
export { PerfScriptFolder } from './perf-script/folder.js';
export type { BadLine, FoldStats, FolderOptions, FolderTimeline } from './perf-script/types.js';
export type { PerfMapInfo } from './perf-script/kinds.js';
export type { CollapseOptions } from './perf-script/options.js';
export { importPerfScript, looksLikePerfScript, profileFromFolder, profileFromStacks, toProfileTimeline, type ImportPerfScriptOptions } from './perf-script/profile.js';
