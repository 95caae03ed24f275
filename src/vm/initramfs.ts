/**
 * An initramfs writer: the kernel's "newc" cpio format (Documentation/driver-api/early-userspace/
 * buffer-format.rst), uncompressed (the kernel unpacks it without a decompression stage, which
 * under a software CPU costs seconds). Entries are added by guest path; parent directories are
 * made implicitly; host files are streamed, not held in memory (a Node binary is ~100 MB).
 */
import { closeSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { posix } from 'node:path';

type Entry =
  | { kind: 'dir'; mode: number }
  | { kind: 'file'; mode: number; source: string }
  | { kind: 'data'; mode: number; data: Buffer }
  | { kind: 'symlink'; target: string }
  | { kind: 'char'; mode: number; major: number; minor: number };

export class Initramfs {
  private readonly entries = new Map<string, Entry>();

  private parents(path: string): void {
    const parts = path.split('/').filter(Boolean);
    for (let i = 1; i < parts.length; i++) {
      const d = '/' + parts.slice(0, i).join('/');
      if (!this.entries.has(d)) this.entries.set(d, { kind: 'dir', mode: 0o755 });
    }
  }

  private put(path: string, e: Entry): void {
    const p = posix.normalize('/' + path);
    this.parents(p);
    this.entries.set(p, e);
  }

  has(path: string): boolean {
    return this.entries.has(posix.normalize('/' + path));
  }

  dir(path: string, mode = 0o755): this {
    this.put(path, { kind: 'dir', mode });
    return this;
  }

  /** A host file at guest path `path` (mode from the host file unless given). */
  file(path: string, source: string, mode?: number): this {
    this.put(path, { kind: 'file', source, mode: mode ?? statSync(source).mode & 0o7777 });
    return this;
  }

  data(path: string, data: string | Buffer, mode = 0o644): this {
    this.put(path, { kind: 'data', data: typeof data === 'string' ? Buffer.from(data) : data, mode });
    return this;
  }

  symlink(path: string, target: string): this {
    this.put(path, { kind: 'symlink', target });
    return this;
  }

  char(path: string, major: number, minor: number, mode = 0o600): this {
    this.put(path, { kind: 'char', mode, major, minor });
    return this;
  }

  /** Write the archive; returns its size in bytes. */
  write(out: string): number {
    const fd = openSync(out, 'w');
    let pos = 0;
    const emit = (b: Buffer): void => {
      for (let at = 0; at < b.length; ) at += writeSync(fd, b, at, b.length - at);
      pos += b.length;
    };
    const pad = (): void => {
      if (pos % 4) emit(Buffer.alloc(4 - (pos % 4)));
    };
    const header = (name: string, mode: number, size: number, ino: number, rdev: [number, number] = [0, 0]): void => {
      const f = [ino, mode, 0, 0, 1, 0, size, 0, 0, rdev[0], rdev[1], Buffer.byteLength(name) + 1, 0];
      emit(Buffer.from('070701' + f.map((n) => n.toString(16).padStart(8, '0')).join('') + name + '\0'));
      pad();
    };
    try {
      let ino = 1;
      // Directories sort before what they hold: a path sorts after its parent.
      for (const [path, e] of [...this.entries].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
        // The kernel's unpacker creates each entry at its path without following symlinks: an
        // entry below a symlink (or a file) would be lost.
        const parent = posix.dirname(path);
        if (parent !== '/' && this.entries.get(parent)?.kind !== 'dir') throw new Error(`initramfs: ${path} sits below ${parent}, which is not a directory`);
        const name = path.slice(1);
        ino++;
        if (e.kind === 'dir') header(name, 0o040000 | e.mode, 0, ino);
        else if (e.kind === 'symlink') {
          header(name, 0o120000 | 0o777, Buffer.byteLength(e.target), ino);
          emit(Buffer.from(e.target));
          pad();
        } else if (e.kind === 'char') header(name, 0o020000 | e.mode, 0, ino, [e.major, e.minor]);
        else if (e.kind === 'data') {
          header(name, 0o100000 | e.mode, e.data.length, ino);
          emit(e.data);
          pad();
        } else {
          const size = statSync(e.source).size;
          header(name, 0o100000 | e.mode, size, ino);
          const src = openSync(e.source, 'r');
          try {
            const chunk = Buffer.allocUnsafe(1 << 20);
            let left = size;
            while (left > 0) {
              const n = readSync(src, chunk, 0, Math.min(chunk.length, left), null);
              if (n <= 0) throw new Error(`${e.source} shrank while being archived`);
              emit(n === chunk.length ? chunk : chunk.subarray(0, n));
              left -= n;
            }
          } finally {
            closeSync(src);
          }
          pad();
        }
      }
      header('TRAILER!!!', 0, 0, 0);
      return pos;
    } finally {
      closeSync(fd);
    }
  }
}
