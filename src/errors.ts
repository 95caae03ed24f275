/**
 * Errors a person can act on: a stable code, the thing that failed, what to do,
 * and the tail of a child's stderr where one was involved. The CLI prints
 * `thaw: error: [CODE] message` and, on the next line, the hint — never a stack trace.
 */
export class ThawError extends Error {
  readonly code: string;
  readonly hint?: string;
  readonly detail?: string;
  readonly exitCode: number;

  constructor(code: string, message: string, opts: { hint?: string; detail?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ThawError';
    this.code = code;
    this.hint = opts.hint;
    this.detail = opts.detail;
    this.exitCode = opts.exitCode ?? 1;
  }
}

/** The last `lines` non-empty lines of a child's output, for attaching to an error. */
export function tail(text: string, lines = 12): string {
  const all = text.split('\n').filter((l) => l.trim() !== '');
  return all.slice(-lines).join('\n');
}

/**
 * A file-system failure a person can act on, as a ThawError: a full disk or quota (ENOSPC,
 * EDQUOT) or a read-only file system (EROFS). Anything else: undefined.
 */
export function fsFault(err: unknown): ThawError | undefined {
  const e = err as NodeJS.ErrnoException | undefined;
  if (!e || typeof e.code !== 'string') return undefined;
  if (e.code === 'ENOSPC' || e.code === 'EDQUOT') return new ThawError('E_DISK_FULL', `no space left on the device${e.path ? ` writing ${e.path}` : ''} (${e.code})`, { hint: 'free space there, or write to another folder; nothing half-written was kept' });
  if (e.code === 'EROFS') return new ThawError('E_READ_ONLY', `${e.path ?? 'the output'} is on a read-only file system (EROFS)`, { hint: 'write to a writable folder' });
  return undefined;
}

/** One line for the terminal: `thaw: error: [CODE] message` plus an indented hint/detail. */
export function formatError(err: unknown): string {
  if (err instanceof ThawError) {
    let out = `thaw: error: [${err.code}] ${err.message}`;
    if (err.hint) out += `\n  fix: ${err.hint}`;
    if (err.detail) out += '\n' + err.detail.split('\n').map((l) => `  | ${l}`).join('\n');
    return out;
  }
  const fault = fsFault(err);
  if (fault) return formatError(fault);
  const e = err as NodeJS.ErrnoException;
  if (e && e.code === 'ENOENT' && e.path) return `thaw: error: [E_NOT_FOUND] ${e.path} does not exist`;
  if (e && e.code === 'EACCES' && e.path) return `thaw: error: [E_ACCESS] permission denied: ${e.path}`;
  // An unexpected failure is a thaw bug: keep the stack so it can be reported.
  return `thaw: internal error: ${e && e.stack ? e.stack : String(err)}`;
}
