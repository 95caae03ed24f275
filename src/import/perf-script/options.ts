/** stackcollapse-perf.pl's command-line options, with the same names and meanings. */
export interface CollapseOptions {
  /** --pid: the process name becomes `comm-PID` (`comm-?` when the line has no PID). */
  pid?: boolean;
  /** --tid: `comm-PID/TID`. */
  tid?: boolean;
  /** --kernel: kernel frames (module `[…]` or `…vmlinux`) get `_[k]`. */
  kernel?: boolean;
  /** --jit: frames from a `/tmp/perf-PID.map` get `_[j]`. */
  jit?: boolean;
  /** --all: --kernel and --jit. */
  all?: boolean;
  /** --addrs: `[module <address>]` instead of `[module]` for frames without a symbol. */
  addrs?: boolean;
  /** --inline: frames of ELF files are expanded into their inlined calls by addr2line. */
  inline?: boolean;
  /** --context: with --inline, each frame gets `:file:line`. */
  context?: boolean;
  /** --srcline: the input is `perf script -F+srcline`; each frame line's source line is appended. */
  srcline?: boolean;
  /** --event-filter=EVENT: keep this event type (default: the first one seen). */
  eventFilter?: string;
}

/** The options in the form the folder reads them: --all expanded, every flag a boolean. */
export interface ResolvedOptions {
  pid: boolean;
  tid: boolean;
  kernel: boolean;
  jit: boolean;
  addrs: boolean;
  inline: boolean;
  context: boolean;
  srcline: boolean;
  eventFilter: string;
}

export function resolveOptions(o: CollapseOptions = {}): ResolvedOptions {
  return {
    pid: !!o.pid,
    tid: !!o.tid,
    kernel: !!(o.kernel || o.all),
    jit: !!(o.jit || o.all),
    addrs: !!o.addrs,
    inline: !!o.inline,
    context: !!o.context,
    srcline: !!o.srcline,
    eventFilter: o.eventFilter ?? '',
  };
}
