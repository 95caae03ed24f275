/** What a thaw process does around its command: the full CLI (main.ts) and `thaw fold` (fold-entry.ts) alike. */
import { formatError, ThawError } from '../errors.js';

/**
 * bin/thaw starts Node without NODE_EXTRA_CA_CERTS (Node 20 reads it eagerly at start): the apps,
 * builds and tools thaw runs get it back. Output piped into a reader that stops early (`thaw
 * --help | head`, `thaw fold … | head`) ends the command quietly, as for any Unix tool, instead
 * of an unhandled EPIPE.
 */
export function prepareProcess(): void {
  if (process.env.THAW_NODE_EXTRA_CA_CERTS !== undefined) {
    process.env.NODE_EXTRA_CA_CERTS = process.env.THAW_NODE_EXTRA_CA_CERTS;
    delete process.env.THAW_NODE_EXTRA_CA_CERTS;
  }
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
}

/** A command's failure: one `thaw: error: …` line (and its fix), and the exit code. */
export function reportError(err: unknown): void {
  process.stderr.write(formatError(err) + '\n');
  process.exitCode = err instanceof ThawError ? err.exitCode : 70;
}
