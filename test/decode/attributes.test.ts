// What a record keeps beyond its normalized fields: which fields are left out, the caps, prototype
// keys, exact big integers, the error shapes without a case file of their own, and the off switch.
import { describe, expect, it } from "vitest";
import {
  attributesOf,
  capValue,
  flatAttributes,
  MAX_DEPTH,
  MAX_ENTRIES,
  MAX_STRING,
  TOO_DEEP,
} from "../../src/decode/attributes.js";
import { MAX_STACK } from "../../src/decode/error.js";
import { DecodeMemo, type DecodeOptions, decodeValue } from "../../src/decode/index.js";
import type { JsonValue, LogRecord } from "../../src/model.js";
import { parseJson } from "../../src/util/json.js";

function decode(line: string | object, options: DecodeOptions = {}): LogRecord[] {
  const text = typeof line === "string" ? line : JSON.stringify(line);
  return decodeValue(parseJson(text), { source: "t", line: 1, options, memo: new DecodeMemo() });
}
const one = (line: string | object, options?: DecodeOptions): LogRecord => {
  const [r] = decode(line, options);
  return r!;
};

/** How deep objects nest under a value. */
function depthOf(v: JsonValue | undefined): number {
  if (v === null || typeof v !== "object") return 0;
  const children = Array.isArray(v) ? v : Object.values(v);
  return 1 + Math.max(0, ...children.map((c) => depthOf(c as JsonValue)));
}

describe("attributes of a log line", () => {
  it("keep every field but the time, level, message, service and id fields read, nested as written", () => {
    const r = one({
      level: 30,
      time: 1795479993449,
      pid: 9077,
      hostname: "vm",
      name: "gateway",
      trace_id: "2f113476f6e8bc9ca23dd87be9f924dc",
      span_id: "7afb40de7fd97a5f",
      trace_flags: "01",
      task_id: "t-42",
      http: { status_code: 502, method: "POST" },
      usage: { prompt_tokens: 12, completion_tokens: 3 },
      tags: ["a", "b"],
      msg: "upstream failed",
    });
    expect(r.service).toBe("gateway");
    expect(r.traceId).toBe("2f113476f6e8bc9ca23dd87be9f924dc");
    expect(r.attributes).toEqual({
      pid: 9077,
      hostname: "vm",
      trace_flags: "01",
      task_id: "t-42",
      http: { status_code: 502, method: "POST" },
      usage: { prompt_tokens: 12, completion_tokens: 3 },
      tags: ["a", "b"],
    });
  });

  it("leave out a nested field read as a dotted name, and an object it leaves empty", () => {
    const r = one({
      "@timestamp": "2026-11-24T01:08:00.020Z",
      log: { level: "ERROR", logger: "com.acme.Pool" },
      trace: { id: "4bf92f3577b34da6a3ce929d0e0e4736" },
      span: { id: "00f067aa0ba902b7" },
      service: { name: "orders", version: "1.8.0" },
      message: "pool exhausted",
    });
    expect([r.level, r.service, r.spanId]).toEqual(["error", "orders", "00f067aa0ba902b7"]);
    expect(r.attributes).toEqual({
      log: { logger: "com.acme.Pool" },
      service: { version: "1.8.0" },
    });
  });

  it("leave out a received message's traceparent the ids came from, and keep the payload", () => {
    const r = one({
      level: "info",
      message: "processing",
      trace_context: { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" },
      data: { id: 12345, size: 3 },
    });
    expect(r.idSource).toBe("traceparent@trace_context.traceparent");
    expect(r.attributes).toEqual({ data: { id: 12345, size: 3 } });
  });

  it("keep the id fields when the heuristic join reads no trace context", () => {
    const r = one(
      { level: "info", msg: "x", trace_id: "2f113476f6e8bc9ca23dd87be9f924dc" },
      { explicitIds: false },
    );
    expect(r.attributes).toEqual({ trace_id: "2f113476f6e8bc9ca23dd87be9f924dc" });
  });

  it("leave out the fields named on the command line", () => {
    const r = one(
      { when: "2026-11-24T01:08:00Z", who: "billing", what: "hi", tid: "abc", rest: 1 },
      { time: "when", service: "who", message: "what", trace: "tid" },
    );
    expect([r.service, r.message]).toEqual(["billing", "hi"]);
    expect(r.attributes).toEqual({ rest: 1 });
  });

  it("are absent when nothing is left", () => {
    expect(one({ level: "info", msg: "x", time: 1795479993449 }).attributes).toBeUndefined();
  });

  it("keep integers past 2^53 exact, as text", () => {
    const r = one('{"msg":"x","order":12345678901234567890,"small":42}');
    expect(r.attributes).toEqual({ order: "12345678901234567890", small: 42 });
  });

  it("drop __proto__ and constructor keys at any depth", () => {
    const r = one(
      '{"msg":"x","__proto__":{"polluted":1},"a":{"constructor":{"prototype":{"p":1}},"b":1}}',
    );
    expect(r.attributes).toEqual({ a: { b: 1 } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Also when handed an object that still has them (JSON.parse makes `__proto__` an own key).
    const raw = JSON.parse('{"__proto__":{"x":1},"constructor":2,"ok":{"__proto__":3,"k":4}}');
    expect(attributesOf(raw, [])).toEqual({ ok: { k: 4 } });
    expect(Object.getPrototypeOf(attributesOf(raw, [])!)).toBe(Object.prototype);
  });

  it("are not built when DecodeOptions.attributes is false", () => {
    const r = one(
      { level: 50, msg: "x", err: { type: "Error", message: "boom", stack: "Error: boom\n at x" } },
      { attributes: false },
    );
    expect(r.attributes).toBeUndefined();
    expect(r.error).toBeUndefined();
  });
});

describe("caps", () => {
  it("cut a 100k-character string to its first 4096, saying how much was cut", () => {
    const long = "x".repeat(100_000);
    const r = one({ msg: "x", prompt: long });
    const kept = r.attributes!.prompt as string;
    expect(kept.startsWith("x".repeat(MAX_STRING))).toBe(true);
    expect(kept.slice(MAX_STRING)).toBe(`…(${100_000 - MAX_STRING} more chars)`);
  });

  it("never cut inside a surrogate pair", () => {
    const text = `${"a".repeat(MAX_STRING - 1)}😀tail`;
    expect(capValue(text, 1)).toBe(
      `${"a".repeat(MAX_STRING - 1)}…(${text.length - (MAX_STRING - 1)} more chars)`,
    );
  });

  it("replace objects nested deeper than 8 levels (20 levels in)", () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 20; i++) deep = { [`l${i}`]: deep };
    const r = one({ msg: "x", deep });
    // The attributes object itself, then 8 levels of objects; the 9th is a string.
    expect(depthOf(r.attributes as JsonValue)).toBe(MAX_DEPTH + 1);
    let v: JsonValue = r.attributes!.deep!;
    for (let i = 0; i < MAX_DEPTH - 1; i++) v = Object.values(v as Record<string, JsonValue>)[0]!;
    expect(Object.values(v as Record<string, JsonValue>)).toEqual([TOO_DEEP]);
  });

  it("keep the first 256 of 1000 keys and count the rest", () => {
    const wide: Record<string, number> = {};
    for (let i = 0; i < 1000; i++) wide[`k${i}`] = i;
    const r = one({ msg: "x", wide });
    const kept = r.attributes!.wide as Record<string, JsonValue>;
    expect(Object.keys(kept)).toHaveLength(MAX_ENTRIES + 1);
    expect(kept.k255).toBe(255);
    expect(kept.k256).toBeUndefined();
    expect(kept["…"]).toBe("744 more");
    // The record's own top level too.
    const top = one({ msg: "x", ...wide });
    expect(Object.keys(top.attributes!)).toHaveLength(MAX_ENTRIES + 1);
    expect(top.attributes!["…"]).toBe("744 more");
  });

  it("keep the first 256 of 1000 array entries and count the rest", () => {
    const r = one({ msg: "x", list: Array.from({ length: 1000 }, (_, i) => i) });
    const list = r.attributes!.list as JsonValue[];
    expect(list).toHaveLength(MAX_ENTRIES + 1);
    expect(list[255]).toBe(255);
    expect(list[256]).toEqual({ "…": "744 more" });
  });

  it("copy only what they change, keeping the order of the rest", () => {
    const long = "z".repeat(MAX_STRING + 10);
    const r = one({ msg: "x", a: { x: 1, y: long, z: [1, long, 3] } });
    const a = r.attributes!.a as Record<string, JsonValue>;
    expect(Object.keys(a)).toEqual(["x", "y", "z"]);
    expect(a.x).toBe(1);
    expect(a.y).toBe(`${"z".repeat(MAX_STRING)}…(10 more chars)`);
    expect(a.z).toEqual([1, a.y, 3]);
  });

  it("share values within the caps rather than copy them", () => {
    const inner = { a: [1, 2, { b: "c" }] };
    expect(capValue(inner, 1)).toBe(inner);
  });

  it("apply to span attributes, flattened to dotted keys", () => {
    const flat = flatAttributes({ a: { b: { c: 1 } }, s: "y".repeat(5000), arr: [1, 2] });
    expect(flat["a.b.c"]).toBe(1);
    expect(flat.arr).toEqual([1, 2]);
    expect((flat.s as string).length).toBeLessThan(4200);
  });

  it("bound the error's parts: stack traces at 16384 characters, the rest at 4096", () => {
    const r = one({
      level: 50,
      msg: "x",
      err: {
        type: "Error",
        message: "m".repeat(10_000),
        stack: `Error: m\n${"    at f\n".repeat(5000)}`,
      },
    });
    expect(r.error!.message!.startsWith("m".repeat(MAX_STRING))).toBe(true);
    expect(r.error!.message!.length).toBeLessThan(MAX_STRING + 40);
    expect(r.error!.stack!.length).toBeLessThan(MAX_STACK + 40);
    expect(r.error!.stack).toMatch(/…\(\d+ more chars\)$/);
  });
});

describe("error shapes without a case file", () => {
  it.each([
    [
      "OTel semantic conventions in a JSON log line (flat exception.*)",
      {
        severity_text: "ERROR",
        body: "charge failed",
        "exception.type": "CardDeclined",
        "exception.message": "card declined",
        "exception.stacktrace": "CardDeclined: card declined\n  at charge",
      },
      {
        type: "CardDeclined",
        message: "card declined",
        stack: "CardDeclined: card declined\n  at charge",
      },
    ],
    [
      "OTel exception nested",
      { level: "error", msg: "x", exception: { type: "KeyError", message: "'input'" } },
      { type: "KeyError", message: "'input'" },
    ],
    [
      "Node system error code alone at top level",
      { level: "warn", msg: "retrying", code: "ECONNRESET", errno: -104 },
      { code: "ECONNRESET" },
    ],
    [
      "winston error object with message and stack",
      {
        level: "error",
        message: "step failed",
        error: { message: "bad step", stack: "Error: bad step\n    at run (a.js:1:1)" },
      },
      { type: "Error", message: "bad step", stack: "Error: bad step\n    at run (a.js:1:1)" },
    ],
    [
      "Python stdlib exc_text",
      {
        levelname: "ERROR",
        message: "x",
        exc_text: "Traceback (most recent call last):\n  File \"a.py\", line 1\nKeyError: 'k'",
      },
      {
        type: "KeyError",
        message: "'k'",
        stack: "Traceback (most recent call last):\n  File \"a.py\", line 1\nKeyError: 'k'",
      },
    ],
  ])("%s", (_name, line, error) => {
    expect(one(line).error).toEqual(error);
  });

  it.each([
    ["an HTTP status code", { level: "info", msg: "GET /", code: 200 }],
    ["a one-line stack field", { level: "info", msg: "deploy", stack: "prod" }],
    ["a boolean error tag", { level: "info", msg: "x", error: false }],
    ["an empty err", { level: "error", msg: "x", err: {} }],
  ])("not read from %s", (_name, line) => {
    expect(one(line).error).toBeUndefined();
  });
});

describe("span exports", () => {
  it("OTLP/JSON: events with times and attributes, the exception event fills the error, resource shared", () => {
    const kv = (key: string, v: string) => ({ key, value: { stringValue: v } });
    const records = decode({
      resourceSpans: [
        {
          resource: { attributes: [kv("service.name", "pay"), kv("host.name", "h1")] },
          scopeSpans: [
            {
              spans: ["1", "2"].map((n) => ({
                traceId: "af16e2b152aa3abcd942cde1a22959ee",
                spanId: `472b4812d570298${n}`,
                name: "charge",
                startTimeUnixNano: "1795482660400000101",
                endTimeUnixNano: "1795482660612880417",
                attributes: [
                  kv("http.route", "/charge"),
                  { key: "tags", value: { arrayValue: { values: [{ stringValue: "a" }] } } },
                ],
                events: [
                  {
                    timeUnixNano: "1795482660500000000",
                    name: "exception",
                    attributes: [kv("exception.type", "Declined"), kv("exception.message", "no")],
                  },
                ],
                status: { code: 2, message: "declined" },
              })),
            },
          ],
        },
      ],
    });
    expect(records).toHaveLength(2);
    const [a, b] = records;
    expect(a!.attributes).toEqual({ "http.route": "/charge", tags: ["a"] });
    expect(a!.span!.statusMessage).toBe("declined");
    expect(a!.span!.events).toEqual([
      {
        name: "exception",
        time: { ms: 1795482660500, ns: 0, digits: 9 },
        attributes: { "exception.type": "Declined", "exception.message": "no" },
      },
    ]);
    expect(a!.error).toEqual({ type: "Declined", message: "no" });
    expect(a!.resource).toEqual({ "service.name": "pay", "host.name": "h1" });
    expect(b!.resource).toBe(a!.resource);
  });

  it("a failed span without an exception says why by its status", () => {
    const [r] = decode({
      id: "01a20b15-c316-7442-9d91-21b5d22bdd77",
      name: "lookup",
      run_type: "tool",
      start_time: "2026-11-24T01:05:05.302870+00:00",
      end_time: "2026-11-24T01:05:05.313137+00:00",
      error:
        "TimeoutError('db')\n\nTraceback (most recent call last):\n  File \"t.py\", line 3\nTimeoutError: db",
    });
    expect(r!.error).toMatchObject({ type: "TimeoutError", message: "db" });
    expect(r!.span!.statusMessage).toMatch(/^TimeoutError\('db'\)/);
  });

  it("builds no events, resource or error when attributes are off, but keeps the span's own attributes", () => {
    const line = {
      name: "charge_card",
      context: { trace_id: `0x${"ab".repeat(16)}`, span_id: `0x${"1".repeat(16)}` },
      start_time: "2026-11-24T01:03:07.614238Z",
      attributes: { "peer.service": "payments" },
      events: [{ name: "exception", timestamp: "2026-11-24T01:03:07.615Z", attributes: {} }],
      resource: { attributes: { "service.name": "a" } },
    };
    const r = one(line, { attributes: false });
    expect(r.attributes).toEqual({ "peer.service": "payments" });
    expect(r.span!.events).toBeUndefined();
    expect(r.resource).toBeUndefined();
    expect(r.error).toBeUndefined();
    expect(one(line).span!.events).toHaveLength(1);
  });
});
