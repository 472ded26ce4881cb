// Bytes → physical lines, numbered from 1; CRLF and a leading BOM are stripped; overlong lines are dropped.

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

export interface LineSink {
  line(text: string, lineNo: number): void;
  /** A line longer than the limit, dropped without being held in memory. */
  tooLong(lineNo: number, bytes: number): void;
}

function emit(sink: LineSink, text: string, lineNo: number): void {
  let t = text;
  if (t.charCodeAt(t.length - 1) === 13) t = t.slice(0, -1);
  if (lineNo === 1 && t.charCodeAt(0) === 0xfeff) t = t.slice(1);
  sink.line(t, lineNo);
}

/** Feeds every line of the chunks to the sink; returns the number of lines. */
export async function splitLines(
  chunks: AsyncIterable<Buffer>,
  sink: LineSink,
  maxLineBytes = DEFAULT_MAX_LINE_BYTES,
): Promise<number> {
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let overflowBytes = 0;
  let lineNo = 0;
  const finishLine = (chunk: Buffer, start: number, end: number): void => {
    lineNo++;
    if (overflowBytes > 0 || carryBytes + end - start > maxLineBytes) {
      sink.tooLong(lineNo, overflowBytes + carryBytes + end - start);
      overflowBytes = 0;
    } else if (carryBytes > 0) {
      carry.push(chunk.subarray(start, end));
      emit(sink, Buffer.concat(carry).toString("utf8"), lineNo);
    } else emit(sink, chunk.toString("utf8", start, end), lineNo);
    carry = [];
    carryBytes = 0;
  };
  for await (const chunk of chunks) {
    let start = 0;
    let nl = chunk.indexOf(10, start);
    while (nl !== -1) {
      finishLine(chunk, start, nl);
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    if (start < chunk.length) {
      const rest = chunk.length - start;
      if (overflowBytes > 0) overflowBytes += rest;
      else if (carryBytes + rest > maxLineBytes) {
        overflowBytes = carryBytes + rest;
        carry = [];
        carryBytes = 0;
      } else {
        carry.push(chunk.subarray(start));
        carryBytes += rest;
      }
    }
  }
  if (carryBytes > 0 || overflowBytes > 0) finishLine(Buffer.alloc(0), 0, 0);
  return lineNo;
}
