// `tail -F` for `--follow`: a file's bytes as they are appended, surviving truncation and rotation.
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

const CHUNK = 1 << 20;

/**
 * Yields the file's content from its start, then what is appended, until `signal` aborts. A file that
 * shrinks (truncated) or is replaced (rotated: another inode) is read again from its start.
 */
export async function* tailFile(
  path: string,
  signal: AbortSignal,
  pollMs = 250,
): AsyncGenerator<Buffer> {
  let position = 0;
  let inode: number | undefined;
  const buffer = Buffer.alloc(CHUNK);
  while (!signal.aborted) {
    let size: number;
    try {
      const st = statSync(path);
      if (inode !== undefined && st.ino !== inode) position = 0;
      if (st.size < position) position = 0;
      inode = st.ino;
      size = st.size;
    } catch {
      // Between a rotation's rename and the new file's creation the path may not exist.
      await sleep(pollMs, undefined, { signal }).catch(() => undefined);
      continue;
    }
    if (size <= position) {
      await sleep(pollMs, undefined, { signal }).catch(() => undefined);
      continue;
    }
    const fd = openSync(path, "r");
    try {
      while (position < size && !signal.aborted) {
        const read = readSync(fd, buffer, 0, Math.min(CHUNK, size - position), position);
        if (read <= 0) break;
        position += read;
        yield Buffer.from(buffer.subarray(0, read));
      }
    } finally {
      closeSync(fd);
    }
  }
}
