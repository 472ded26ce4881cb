// Every source through decoding; reading waits while the consumer is not ready.
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ingest } from "../../src/ingest/index.js";

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
});
