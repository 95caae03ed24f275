/**
 * IMG/start: the launcher of an image. POSIX sh, so a restore costs one tiny shell and one
 * Node start — no second Node in front of the app. Before exec'ing Node it makes the checks
 * that turn a V8 crash into one clear line:
 *
 * - fast path: one `stat` of the blob and the Node binary compared with the stamp
 *   IMG/.verified written when the blob's sha256 was last verified (inode, size, mtime, ctime);
 * - slow path, when anything changed (or the image was copied): sha256 of the blob against the
 *   manifest's, and `node --version` against the recorded version; the stamp is renewed when
 *   both hold and the directory is writable.
 *
 * THAW_NODE overrides the recorded Node binary; it must be the same Node version.
 */
import type { Manifest } from './manifest.js';

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The fields the fast path compares, in the order `stamp()` prints them. */
export const STAT_FORMAT = '%i:%s:%Y:%Z;';

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
now=$(stat -L --printf '${STAT_FORMAT}' "$blob" "$node" 2>/dev/null)
stamp=
[ -f "$d/.verified" ] && read -r stamp < "$d/.verified"
if [ "$now" != "$stamp" ]; then
  sum=$(sha256sum "$blob" 2>/dev/null); sum=\${sum%% *}
  if [ "$sum" != ${q(m.blob.sha256)} ]; then
    echo "thaw: error: [E_IMAGE_CORRUPT] $blob fails its sha256 check (truncated or modified since the build); rebuild the image: thaw build ${m.entry} -o $d" >&2; exit 1
  fi
  ver=$("$node" --version 2>/dev/null)
  if [ "$ver" != ${q(m.node.version)} ]; then
    echo "thaw: error: [E_NODE_MISMATCH] this image was built with Node ${m.node.version} but $node is \${ver:-not runnable}; a V8 snapshot restores only on the Node that built it: rebuild the image with this Node (thaw build --node $node)" >&2; exit 1
  fi
  printf '%s\\n' "$now" > "$d/.verified" 2>/dev/null || :
fi
exec "$node" ${flags}${flags ? ' ' : ''}--snapshot-blob "$blob" -- "$@"
`;
}
