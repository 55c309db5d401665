/** A file or directory in a cpio archive; paths are relative ('ucloud/job.env'), parents first. */
export type CpioEntry =
  | { kind: 'directory'; path: string; mode?: number }
  | { kind: 'file'; path: string; data: Buffer | string; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const TRAILER = 'TRAILER!!!';

/**
 * The entries as a "newc" (SVR4, no CRC) cpio archive, the format the kernel unpacks as an
 * initramfs. Everything is owned by root with mtime 0, so equal input gives equal bytes.
 */
export function newcArchive(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  const push = (chunk: Buffer): void => {
    parts.push(chunk);
    offset += chunk.length;
  };
  const pad = (): void => push(Buffer.alloc((4 - (offset % 4)) % 4));

  const record = (ino: number, mode: number, nlink: number, path: string, data: Buffer): void => {
    const name = Buffer.from(`${path}\0`);
    // magic, then ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor
    // namesize check, each as 8 hex digits.
    const fields = [ino, mode, 0, 0, nlink, 0, data.length, 0, 0, 0, 0, name.length, 0];
    push(Buffer.from(`070701${fields.map((f) => f.toString(16).padStart(8, '0')).join('')}`));
    push(name);
    pad();
    push(data);
    pad();
  };

  entries.forEach((entry, index) => {
    if (entry.path === '' || entry.path.startsWith('/') || entry.path.split('/').includes('..')) {
      throw new RangeError(`cpio paths are relative and stay inside the archive: '${entry.path}'`);
    }
    if (entry.kind === 'directory') {
      record(index + 1, S_IFDIR | (entry.mode ?? 0o755), 2, entry.path, Buffer.alloc(0));
    } else {
      const data = typeof entry.data === 'string' ? Buffer.from(entry.data) : entry.data;
      record(index + 1, S_IFREG | (entry.mode ?? 0o644), 1, entry.path, data);
    }
  });
  record(0, 0, 1, TRAILER, Buffer.alloc(0));
  return Buffer.concat(parts);
}
