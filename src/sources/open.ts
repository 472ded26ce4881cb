import { closeSync, createReadStream, openSync, readSync } from "node:fs";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import type { SourceSpec } from "./resolve.js";

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/** Chunks of a source's bytes, gunzipped when the content starts with the gzip magic number. */
export async function* readSource(spec: SourceSpec, stdin: Readable): AsyncGenerator<Buffer> {
  const raw: AsyncIterable<Buffer> = spec.path
    ? createReadStream(spec.path, { highWaterMark: 1 << 20 })
    : stdin;
  const iterator = raw[Symbol.asyncIterator]();
  // The magic number is two bytes; a stream may hand them over in separate chunks.
  let head: Buffer = Buffer.alloc(0);
  while (head.length < 2) {
    const next = await iterator.next();
    if (next.done) break;
    head = head.length === 0 ? next.value : Buffer.concat([head, next.value]);
  }
  if (head.length === 0) return;
  const rest: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => iterator };
  if (head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1) {
    const gunzip = createGunzip();
    const feed = async (): Promise<void> => {
      try {
        if (!gunzip.write(head)) await onceDrain(gunzip);
        for await (const chunk of rest) if (!gunzip.write(chunk)) await onceDrain(gunzip);
        gunzip.end();
      } catch (err) {
        gunzip.destroy(err as Error);
      }
    };
    void feed();
    yield* gunzip as AsyncIterable<Buffer>;
    return;
  }
  yield head;
  yield* rest;
}

function onceDrain(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => stream.once("drain", () => resolve()));
}

/** Whether a file starts with the gzip magic number (such files are read whole, not tailed). */
export function isGzipFile(path: string): boolean {
  const head = Buffer.alloc(2);
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    return (
      readSync(fd, head, 0, 2, 0) === 2 && head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1
    );
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
