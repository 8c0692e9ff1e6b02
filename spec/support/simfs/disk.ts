/**
 * The durable side of the simulated disk: inodes with their synced content, directories with their
 * synced entries, and the operations still waiting for a sync (the "pending" ops). A crash image is
 * a copy of this with some pending ops applied (see crash.ts).
 *
 * Files are inodes, not paths, so a rename carries a file's synced content and its pending writes
 * along, as on a real file system.
 */

/** A disk as the program would find it after a reboot: absolute paths, content by path. */
export interface DiskImage {
  /** Every directory, parents before children, always including '/'. */
  readonly dirs: readonly string[];
  /** Every regular file reachable from '/', by absolute path. */
  readonly files: ReadonlyMap<string, Uint8Array>;
}

/** A change made since the last sync that covers it; it reaches the disk only if a sync or a crash lets it. */
export type PendingOp =
  | { readonly kind: 'write'; readonly seq: number; readonly ino: number; readonly offset: number; readonly data: Uint8Array }
  | { readonly kind: 'truncate'; readonly seq: number; readonly ino: number; readonly size: number }
  | { readonly kind: 'link'; readonly seq: number; readonly dir: number; readonly name: string; readonly ino: number }
  | { readonly kind: 'unlink'; readonly seq: number; readonly dir: number; readonly name: string; readonly ino: number }
  | {
      readonly kind: 'rename';
      readonly seq: number;
      readonly fromDir: number;
      readonly fromName: string;
      readonly toDir: number;
      readonly toName: string;
      readonly ino: number;
    };

export type PendingWrite = Extract<PendingOp, { kind: 'write' }>;

/** Data ops (write, truncate) are flushed by fsync of their file; the others by fsyncDir. */
export function isDataOp(op: PendingOp): op is Extract<PendingOp, { kind: 'write' | 'truncate' }> {
  return op.kind === 'write' || op.kind === 'truncate';
}

/** The directory whose fsyncDir makes a metadata op durable (a rename: the one it moves into). */
export function syncDirOf(op: PendingOp): number | undefined {
  switch (op.kind) {
    case 'link':
    case 'unlink':
      return op.dir;
    case 'rename':
      return op.toDir;
    default:
      return undefined;
  }
}

interface FileNode {
  kind: 'file';
  buf: Uint8Array;
  size: number;
}
interface DirNode {
  kind: 'dir';
  entries: Map<string, number>;
}
type Node = FileNode | DirNode;

export class Disk {
  private readonly nodes = new Map<number, Node>();

  constructor(readonly root: number) {
    this.nodes.set(root, { kind: 'dir', entries: new Map() });
  }

  clone(): Disk {
    const copy = new Disk(this.root);
    for (const [ino, node] of this.nodes) {
      copy.nodes.set(
        ino,
        node.kind === 'file' ? { kind: 'file', buf: Uint8Array.prototype.slice.call(node.buf, 0, node.size), size: node.size } : { kind: 'dir', entries: new Map(node.entries) },
      );
    }
    return copy;
  }

  addFile(ino: number, content: Uint8Array = new Uint8Array(0)): void {
    this.nodes.set(ino, { kind: 'file', buf: Uint8Array.prototype.slice.call(content), size: content.byteLength });
  }

  addDir(ino: number): void {
    this.nodes.set(ino, { kind: 'dir', entries: new Map() });
  }

  isFile(ino: number): boolean {
    return this.nodes.get(ino)?.kind === 'file';
  }

  size(ino: number): number {
    return this.file(ino).size;
  }

  /** The synced content of a file inode (a copy). */
  content(ino: number): Uint8Array {
    const f = this.file(ino);
    return Uint8Array.prototype.slice.call(f.buf, 0, f.size);
  }

  entries(dir: number): ReadonlyMap<string, number> {
    return this.dir(dir).entries;
  }

  write(ino: number, offset: number, data: Uint8Array): void {
    const f = this.file(ino);
    if (data.byteLength === 0) return; // an empty write changes nothing, not even the size
    const end = offset + data.byteLength;
    this.reserve(f, end);
    f.buf.set(data, offset);
    if (end > f.size) f.size = end;
  }

  truncate(ino: number, size: number): void {
    const f = this.file(ino);
    if (size > f.size) {
      this.reserve(f, size);
      f.buf.fill(0, f.size, size);
    }
    f.size = size;
  }

  /** Applies one pending op. Metadata ops that no longer fit (their entry is gone) are skipped. */
  apply(op: PendingOp): void {
    switch (op.kind) {
      case 'write':
        return this.write(op.ino, op.offset, op.data);
      case 'truncate':
        return this.truncate(op.ino, op.size);
      case 'link':
        this.dir(op.dir).entries.set(op.name, op.ino);
        return;
      case 'unlink': {
        const entries = this.dir(op.dir).entries;
        if (entries.get(op.name) === op.ino) entries.delete(op.name);
        return;
      }
      case 'rename': {
        const from = this.dir(op.fromDir).entries;
        if (from.get(op.fromName) === op.ino) from.delete(op.fromName);
        this.dir(op.toDir).entries.set(op.toName, op.ino);
        return;
      }
    }
  }

  /** What a reboot finds: everything reachable from the root. */
  image(): DiskImage {
    const dirs: string[] = [];
    const files = new Map<string, Uint8Array>();
    const seen = new Set<number>();
    const walk = (ino: number, path: string) => {
      seen.add(ino);
      dirs.push(path);
      const entries = [...this.dir(ino).entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      for (const [name, child] of entries) {
        const node = this.nodes.get(child);
        const childPath = path === '/' ? `/${name}` : `${path}/${name}`;
        if (node?.kind === 'file') files.set(childPath, Uint8Array.prototype.slice.call(node.buf, 0, node.size));
        else if (node?.kind === 'dir' && !seen.has(child)) walk(child, childPath);
      }
    };
    walk(this.root, '/');
    return { dirs, files };
  }

  private file(ino: number): FileNode {
    const node = this.nodes.get(ino);
    if (node?.kind !== 'file') throw new Error(`simfs internal: inode ${ino} is not a file`);
    return node;
  }

  private dir(ino: number): DirNode {
    const node = this.nodes.get(ino);
    if (node?.kind !== 'dir') throw new Error(`simfs internal: inode ${ino} is not a directory`);
    return node;
  }

  private reserve(f: FileNode, size: number): void {
    if (size <= f.buf.byteLength) return;
    const grown = new Uint8Array(Math.max(size, f.buf.byteLength * 2, 64));
    grown.set(f.buf.subarray(0, f.size));
    f.buf = grown;
  }
}

/** Two images are equal when they hold the same directories and the same bytes at the same paths. */
export function sameImage(a: DiskImage, b: DiskImage): boolean {
  if (a.dirs.length !== b.dirs.length || a.files.size !== b.files.size) return false;
  if (a.dirs.some((d, i) => d !== b.dirs[i])) return false;
  for (const [path, data] of a.files) {
    const other = b.files.get(path);
    if (!other || other.byteLength !== data.byteLength || !other.every((x, i) => x === data[i])) return false;
  }
  return true;
}

/** A short, stable description of an image, for failure messages and snapshots. */
export function describeImage(image: DiskImage, maxBytes = 16): string {
  const lines = image.dirs.filter((d) => d !== '/').map((d) => `${d}/`);
  for (const [path, data] of image.files) {
    const head = Buffer.from(data.subarray(0, maxBytes)).toString('hex');
    lines.push(`${path} (${data.byteLength} B${data.byteLength ? `: ${head}${data.byteLength > maxBytes ? '…' : ''}` : ''})`);
  }
  return lines.sort().join('\n') || '(empty disk)';
}
