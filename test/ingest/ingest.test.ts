// Every source through decoding; reading waits while the consumer is not ready.
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ingest } from "../../src/ingest/index.js";
import type { LogRecord } from "../../src/model.js";

const line = (n: number): string =>
  `${JSON.stringify({ level: 30, time: 1_795_000_000_000 + n, trace_id: "a".repeat(32), msg: `m${n}` })}\n`;

describe("ingest", () => {
  it("pulls the next chunk only once the consumer is ready again", async () => {
    const stdin = Readable.from([Buffer.from(line(1)), Buffer.from(line(2)), Buffer.from(line(3))]);
    const seen: string[] = [];
    let release: (() => void) | undefined;
    let waits = 0;
    const done = ingest(
      [{ name: "-" }],
      stdin,
      {},
      {
        record: (r) => seen.push(r.message),
        problem: () => undefined,
        ready: () => {
          if (waits++ > 0) return undefined;
          return new Promise<void>((resolve) => (release = resolve));
        },
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen).toEqual(["m1"]);
    release!();
    const stats = await done;
    expect(seen).toEqual(["m1", "m2", "m3"]);
    expect(stats.records).toBe(3);
  });

  it("two runs share no decoding cache: neighbours share an instant within a run, not across", async () => {
    const run = async (): Promise<LogRecord[]> => {
      const out: LogRecord[] = [];
      await ingest(
        [{ name: "-" }],
        Readable.from([Buffer.from(line(7) + line(7))]),
        {},
        {
          record: (r) => out.push(r),
          problem: () => undefined,
        },
      );
      return out;
    };
    const [a1, a2] = await run();
    const [b1] = await run();
    expect(a2!.time).toBe(a1!.time);
    expect(b1!.time).toEqual(a1!.time);
    expect(b1!.time).not.toBe(a1!.time);
  });
});
