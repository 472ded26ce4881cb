// Plain-text lines kept as records: the line as message, the time and level it starts with, its ids.
import { describe, expect, it } from "vitest";
import { decodeTextLine } from "../../src/decode/text-line.js";

const decode = (text: string) => decodeTextLine(text, "app.log", 7, { joinKeys: true });

describe("decodeTextLine", () => {
  it("keeps a print line as it is, at info, without a time", () => {
    expect(decode("Agent B: Processing data received: 12345")).toEqual({
      source: "app.log",
      line: 7,
      level: "info",
      message: "Agent B: Processing data received: 12345",
      plain: true,
      keys: ["text", "12345"],
    });
  });

  it("reads the time and level a text logger's line starts with; the message is what follows", () => {
    const r = decode("2026-11-30 12:00:01,250 ERROR: job job_8f3k2a9x1 failed");
    expect(r?.level).toBe("error");
    expect(r?.time).toMatchObject({ ms: Date.UTC(2026, 10, 30, 12, 0, 1, 250) });
    expect(r?.message).toBe("job job_8f3k2a9x1 failed");
    expect(r?.keys).toEqual(["text", "job_8f3k2a9x1"]);
    // A level further in is read, and the message keeps everything after the time.
    const threaded = decode("[2026-11-30T12:00:01Z] [worker-3] WARN slow call");
    expect(threaded?.level).toBe("warn");
    expect(threaded?.message).toBe("[worker-3] WARN slow call");
    // Without a time, the line is the message, level word and all.
    expect(decode("ERROR something broke")?.message).toBe("ERROR something broke");
  });

  it("takes ids and long numbers, not short numbers, words or dates", () => {
    expect(
      decode("retry 3 of order 42 at 2026-11-30 for user usr_a5c10a, ref 987654")?.keys,
    ).toEqual(["text", "usr_a5c10a", "text", "987654"]);
  });

  it("returns nothing for blank or binary lines", () => {
    expect(decode("   ")).toBeUndefined();
    expect(decode("\u0000\u0001PK\u0003")).toBeUndefined();
  });

  it("keeps the head of a very long line", () => {
    expect(decode("x".repeat(10_000))?.message).toHaveLength(4096);
  });
});
