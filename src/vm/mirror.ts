/**
 * Host paths mirrored into the guest as they are on the host. Each path is resolved one
 * component at a time, as the kernel resolves it (path_resolution(7)): every symlink met on the
 * way is kept as the same symlink in the guest (merged /usr's `/lib → usr/lib`, `python3 →
 * python3.11`, a venv's `bin/python3 → /usr/bin/python3`), and files and directories sit at
 * their real paths. So a name the app uses resolves in the guest to what it resolves to on the
 * host, and no guest entry ever sits below a symlink (the kernel's initramfs unpacker does not
 * follow them).
 */
import { lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { posix } from 'node:path';

/** Directory entries never mirrored: version control and thaw's own output. */
const SKIP = new Set(['.git', '.thaw']);

export interface TreeScan {
  files: string[];
  dirs: string[];
  links: Array<[string, string]>;
  bytes: number;
}

export class Mirror {
  /** Guest path → symlink target, as on the host. */
  readonly links = new Map<string, string>();
  /** Real host paths of files, mirrored at the same path. */
  readonly files = new Set<string>();
  /** Real host paths of directories (their contents are added separately). */
  readonly dirs = new Set<string>();

  /**
   * The real path of `p` (absolute), recording every symlink on the way; undefined when `p`
   * does not exist (a dangling link is kept all the same).
   */
  resolve(p: string): string | undefined {
    let parts = p.split('/').filter(Boolean);
    let cur = '';
    let hops = 0;
    while (parts.length) {
      const comp = parts.shift()!;
      if (comp === '.') continue;
      if (comp === '..') {
        cur = posix.dirname(cur || '/');
        if (cur === '/') cur = '';
        continue;
      }
      const next = `${cur}/${comp}`;
      let st: Stats;
      try {
        st = lstatSync(next);
      } catch {
        return undefined;
      }
      if (st.isSymbolicLink()) {
        if (++hops > 40) return undefined; // ELOOP
        const target = readlinkSync(next);
        this.links.set(next, target);
        parts = [...(target.startsWith('/') ? target : `${cur}/${target}`).split('/').filter(Boolean), ...parts];
        cur = '';
      } else cur = next;
    }
    return cur || '/';
  }

  /** Mirror one file (the file itself; a directory: only the directory). Returns its real path. */
  file(p: string): string | undefined {
    const real = this.resolve(p);
    if (!real) return undefined;
    const st = lstatSync(real);
    if (st.isFile()) this.files.add(real);
    else if (st.isDirectory()) this.dirs.add(real);
    return real;
  }

  /** Mirror the directory `p` (resolved) only: its parents come implicitly. Returns its real path. */
  dir(p: string): string | undefined {
    return this.file(p);
  }

  /**
   * The files, directories and symlinks below `p` (resolved), or undefined once they add up to
   * more than `maxBytes` or `maxFiles` (the walk stops there: a home directory is not read
   * through). `skip(path)` leaves out a directory, `skipFile(path)` a file.
   */
  scan(p: string, maxBytes = Infinity, maxFiles = Infinity, skip: (path: string) => boolean = () => false, skipFile: (path: string) => boolean = () => false): (TreeScan & { root: string }) | undefined {
    const root = this.resolve(p);
    if (!root) return undefined;
    const out: TreeScan = { files: [], dirs: [], links: [], bytes: 0 };
    const walk = (dir: string): boolean => {
      out.dirs.push(dir);
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return true; // unreadable: mirrored empty, as the app would find it
      }
      for (const e of entries) {
        if (SKIP.has(e.name)) continue;
        const path = `${dir === '/' ? '' : dir}/${e.name}`;
        if (e.isSymbolicLink()) out.links.push([path, readlinkSync(path)]);
        else if (e.isDirectory()) {
          if (skip(path)) continue;
          if (!walk(path)) return false;
        } else if (e.isFile()) {
          if (skipFile(path)) continue;
          out.files.push(path);
          out.bytes += lstatSync(path).size;
          if (out.bytes > maxBytes || out.files.length > maxFiles) return false;
        }
      }
      return true;
    };
    const st = lstatSync(root);
    if (st.isFile()) {
      out.files.push(root);
      out.bytes = st.size;
      return out.bytes > maxBytes ? undefined : { ...out, root };
    }
    return walk(root) ? { ...out, root } : undefined;
  }

  /**
   * Add a scanned tree. A symlink inside it is kept; what it points at outside the tree is
   * mirrored when it is a file (a venv's python), not when it is a directory (that could be
   * anything: --include it).
   */
  addScan(t: TreeScan): void {
    for (const d of t.dirs) this.dirs.add(d);
    for (const f of t.files) this.files.add(f);
    for (const [path, target] of t.links) {
      this.links.set(path, target);
      const real = this.resolve(path);
      if (real && lstatSync(real).isFile()) this.files.add(real);
    }
  }

  /** The guest path `p` exists in the mirror (following its symlinks). */
  has(p: string): boolean {
    let parts = p.split('/').filter(Boolean);
    let cur = '';
    for (let hops = 0; parts.length && hops < 40; ) {
      const next = `${cur}/${parts.shift()!}`;
      const link = this.links.get(next);
      if (link !== undefined) {
        hops++;
        parts = [...(link.startsWith('/') ? link : `${cur}/${link}`).split('/').filter(Boolean), ...parts];
        cur = '';
      } else cur = next;
    }
    if (parts.length) return false;
    return this.files.has(cur) || this.dirs.has(cur) || [...this.files, ...this.dirs].some((f) => f.startsWith(cur + '/'));
  }
}
