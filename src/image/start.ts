/**
 * IMG/start: the launcher of an image. POSIX sh, so a restore costs one tiny shell and one
 * Node start — no second Node in front of the app, and on the fast path no other process at
 * all. Before exec'ing Node it makes the checks that turn a V8 crash into one clear line:
 *
 * - fast path, shell built-ins only: the stamp IMG/.verified is newer than both the blob and
 *   the Node binary (`test -nt`; strictly newer, so a shell whose clock has whole seconds
 *   takes the slow path in doubt). Writing to the blob (truncating it, editing it) or
 *   installing another file in its place updates its mtime; a hard link to the Node binary
 *   (perf's build-id cache makes one) changes only its ctime and costs nothing. Spawning
 *   `stat` instead cost ~2 ms of every restore (measured with thaw bench --timeline);
 * - slow path, when either is newer (or the stamp is missing, or THAW_NODE is set): sha256 of
 *   the blob against the manifest's, and `node --version` against the recorded version; the
 *   stamp is renewed when both hold and the directory is writable.
 *
 * A blob put back with an older mtime (cp -p of another build) passes the fast path; Node
 * then still refuses a blob of another Node version with its own line.
 *
 * THAW_NODE overrides the recorded Node binary; it must be the same Node version.
 *
 * Unless GLIBC_TUNABLES is set already, Node starts with glibc.malloc.hugetlb=1: malloc backs
 * large blocks with transparent huge pages where the kernel allows them (THP "madvise" or
 * "always"), so reading and deserialising the snapshot faults in 2 MB pages instead of 4 kB ones
 * (ts-service: time to first response 1.13x sooner, RSS +2 MB; BENCHMARKS.md). Other C libraries
 * ignore the variable. The restored process removes it again (see TUNABLES_MARK).
 *
 * When the image holds the blob mapper (image/blob-map.ts), Node starts with it preloaded
 * (LD_PRELOAD, before any the caller set; THAW_BLOB_MAP names the blob): Node's read of the
 * blob then maps the file instead of copying it twice (1.10x less CPU to the first
 * response). It takes itself off LD_PRELOAD before Node starts, so the app's own children do not
 * inherit it. THAW_NO_BLOB_MAP=1 starts without it; so does an image directory whose path holds
 * a space or a colon (LD_PRELOAD's separators).
 */
import type { Manifest } from './manifest.js';
import { GLIBC_TUNABLES, TUNABLES_MARK } from '../runtime/protocol.js';

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export function startScript(m: Manifest, thawVersion: string): string {
  const flags = m.flags.restore.map(q).join(' ');
  return `#!/bin/sh
# thaw ${thawVersion} image launcher: starts ${m.entry} restored from its V8 startup snapshot.
# Built ${m.createdAt} with Node ${m.node.version} (${m.node.arch}). Do not edit; rebuild with thaw build.
case $0 in */*) d=\${0%/*} ;; *) d=. ;; esac
node=\${THAW_NODE:-${q(m.node.path)}}
blob="$d/${m.blob.file}"
if [ ! -f "$blob" ]; then
  echo "thaw: error: [E_IMAGE_BLOB_MISSING] $blob is missing; rebuild the image: thaw build ${m.entry} -o $d" >&2; exit 1
fi
if [ ! -x "$node" ]; then
  echo "thaw: error: [E_NODE_MISSING] $node, the Node that built this image, is gone; install Node ${m.node.version} there, set THAW_NODE, or rebuild the image" >&2; exit 1
fi
if [ -n "\${THAW_NODE-}" ] || ! [ "$d/.verified" -nt "$blob" ] || ! [ "$d/.verified" -nt "$node" ]; then
  sum=$(sha256sum "$blob" 2>/dev/null); sum=\${sum%% *}
  if [ "$sum" != ${q(m.blob.sha256)} ]; then
    echo "thaw: error: [E_IMAGE_CORRUPT] $blob fails its sha256 check (truncated or modified since the build); rebuild the image: thaw build ${m.entry} -o $d" >&2; exit 1
  fi
  ver=$("$node" --version 2>/dev/null)
  if [ "$ver" != ${q(m.node.version)} ]; then
    echo "thaw: error: [E_NODE_MISMATCH] this image was built with Node ${m.node.version} but $node is \${ver:-not runnable}; a V8 snapshot restores only on the Node that built it: rebuild the image with this Node (thaw build --node $node)" >&2; exit 1
  fi
  # (A read-only image directory just keeps the slow path; braces keep the shell quiet.)
  [ -n "\${THAW_NODE-}" ] || { printf '' > "$d/.verified"; } 2>/dev/null || :
fi
[ -n "\${GLIBC_TUNABLES+x}" ] || { GLIBC_TUNABLES=${GLIBC_TUNABLES} ${TUNABLES_MARK}=1; export GLIBC_TUNABLES ${TUNABLES_MARK}; }
${m.blobMap ? `case $d in *[[:space:]:]*) ;; *) [ -n "\${THAW_NO_BLOB_MAP-}" ] || ! [ -r "$d/${m.blobMap}" ] || { LD_PRELOAD="$d/${m.blobMap}\${LD_PRELOAD:+ $LD_PRELOAD}" THAW_BLOB_MAP=$blob; export LD_PRELOAD THAW_BLOB_MAP; } ;; esac
` : ''}exec "$node" ${flags}${flags ? ' ' : ''}--snapshot-blob "$blob" -- "$@"
`;
}
