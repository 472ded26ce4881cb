// Unit tests of candidate join keys: which fields and values of a log record may name its operation.
import { describe, expect, it } from "vitest";
import {
  isIdShaped,
  joinKeysOf as keysAsPairs,
  laneOf as laneIn,
  NameKinds,
} from "../../src/decode/join-keys.js";

/** One run's name classes for the whole file, as one run of the CLI would use. */
const names = new NameKinds();

/** The keys as `field=value` entries, easier to read in expectations than the flat pair list. */
function joinKeysOf(obj: Record<string, unknown>, message?: string): string[] | undefined {
  const pairs = keysAsPairs(obj, names, message);
  if (!pairs) return undefined;
  const out: string[] = [];
  for (let i = 0; i < pairs.length; i += 2) out.push(`${pairs[i]}=${pairs[i + 1]}`);
  return out;
}

const UUID = "3f2a9c1e-7b4d-4e8a-9f10-2c3d4e5f6a7b";
const ULID = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
const HEX16 = "a3f9c2e1b4d5f6a7";
const laneOf = (obj: Record<string, unknown>): string | undefined => laneIn(obj, names);

describe("joinKeysOf: id-like field names", () => {
  it.each([
    ["request_id", { request_id: "abc" }, "request_id=abc"],
    ["requestId", { requestId: "abc" }, "requestId=abc"],
    ["x-request-id header", { "x-request-id": "abc" }, "x-request-id=abc"],
    ["flat dotted data.id", { "data.id": "abc" }, "data.id=abc"],
    ["orderRef", { orderRef: "R-17" }, "orderRef=R-17"],
    ["idempotency_key", { idempotency_key: "k1" }, "idempotency_key=k1"],
    ["uuid", { uuid: "x1" }, "uuid=x1"],
  ])("%s", (_name, obj, entry) => {
    expect(joinKeysOf(obj)).toEqual([entry]);
  });

  it("reaches into nested objects and names the key by its path", () => {
    expect(joinKeysOf({ ctx: { orderId: "o-42", note: "plain" } })).toEqual(["ctx.orderId=o-42"]);
    expect(joinKeysOf({ a: { b: { jobId: "j7" } } })).toEqual(["a.b.jobId=j7"]);
  });

  it("ignores short plain values under names that are not id-like", () => {
    expect(joinKeysOf({ status: "ok", model: "gpt-4o-mini", attempt: "2" })).toBeUndefined();
    // `valid`, `paid`, `monkey` end in id/key letters but not as a word of their own.
    expect(joinKeysOf({ valid: "yes", paid: "no", monkey: "x" })).toBeUndefined();
  });
});

describe("joinKeysOf: id-shaped values under any name", () => {
  it.each([
    ["UUID", UUID],
    ["ULID", ULID],
    ["16 hex digits", HEX16],
    ["40 hex digits (a sha)", "0123456789abcdef0123456789abcdef01234567"],
    ["prefixed id", "req_8f3k2a9x1"],
    ["prefixed with dash", "job-3fa2c9d1"],
  ])("%s", (_name, value) => {
    expect(joinKeysOf({ subject: value })).toEqual([`subject=${value}`]);
  });
});

describe("joinKeysOf: numbers", () => {
  it("are keys only under id-like names", () => {
    expect(joinKeysOf({ order_id: 4217 })).toEqual(["order_id=4217"]);
    expect(joinKeysOf({ ctx: { userId: 9 } })).toEqual(["ctx.userId=9"]);
    expect(joinKeysOf({ count: 4217, duration_ms: 123456789 })).toBeUndefined();
  });

  it("drop zero and non-integers", () => {
    expect(joinKeysOf({ order_id: 0, job_id: 1.5 })).toBeUndefined();
  });
});

describe("joinKeysOf: placeholders never glue records together", () => {
  it.each(["null", "NULL", "0", "-", "unknown", "none", "n/a", "undefined", "", "anonymous"])(
    "%j",
    (value) => {
      expect(joinKeysOf({ request_id: value, user_id: value })).toBeUndefined();
    },
  );

  it("drops JSON null and arrays", () => {
    expect(joinKeysOf({ request_id: null, ids: [UUID] })).toBeUndefined();
  });

  it("drops over-long values", () => {
    expect(joinKeysOf({ request_id: "a".repeat(129) })).toBeUndefined();
  });
});

describe("joinKeysOf: trace context and infrastructure are never keys", () => {
  it.each([
    ["hostname", { hostname: HEX16 }],
    ["pid", { pid: 4242 }],
    ["flat host.id", { "host.id": UUID }],
    ["nested host.id", { host: { id: UUID } }],
    ["flat k8s.pod.uid", { "k8s.pod.uid": UUID }],
    ["nested k8s.pod.uid", { k8s: { pod: { uid: UUID } } }],
    ["trace_id", { trace_id: "4bf92f3577b34da6a3ce929d0e0e4736" }],
    ["span_id", { span_id: "00f067aa0ba902b7" }],
    ["dd.trace_id flat", { "dd.trace_id": "1234567890123456789" }],
    ["dd.trace_id nested", { dd: { trace_id: "1234567890123456789", span_id: "42" } }],
    ["otelSpanID", { otelSpanID: "00f067aa0ba902b7" }],
    ["otelTraceID", { otelTraceID: "4bf92f3577b34da6a3ce929d0e0e4736" }],
    ["container.id", { container: { id: HEX16 } }],
    ["service.instance.id", { "service.instance.id": UUID }],
  ])("%s", (_name, obj) => {
    expect(joinKeysOf(obj as Record<string, unknown>)).toBeUndefined();
  });

  it("keeps the business key next to them", () => {
    expect(joinKeysOf({ hostname: "web-1", pid: 12, trace_id: HEX16, request_id: "r-1" })).toEqual([
      "request_id=r-1",
    ]);
  });
});

describe("joinKeysOf: message text", () => {
  it("takes a UUID inside the message", () => {
    expect(joinKeysOf({ msg: `processing ${UUID} now` }, `processing ${UUID} now`)).toEqual([
      `message=${UUID}`,
    ]);
  });

  it("takes nothing from a message without a UUID", () => {
    expect(joinKeysOf({}, "processing order 42 for req_8f3k2a9x1 now")).toBeUndefined();
  });

  it("keeps the message's UUID next to a field holding the same value", () => {
    expect(joinKeysOf({ job_id: UUID }, `job ${UUID} started`)).toEqual([
      `job_id=${UUID}`,
      `message=${UUID}`,
    ]);
  });
});

describe("joinKeysOf: limits", () => {
  it("keeps at most 8 keys", () => {
    const obj: Record<string, unknown> = {};
    for (let i = 0; i < 12; i++) obj[`k${i}_id`] = `v${i}`;
    const keys = joinKeysOf(obj, `and ${UUID} in the text`);
    expect(keys).toHaveLength(8);
    expect(keys).toEqual(Array.from({ length: 8 }, (_, i) => `k${i}_id=v${i}`));
  });

  it("does not repeat an entry", () => {
    expect(joinKeysOf({ order_id: "o1", nested: { x: 1 } }, "no uuid")).toEqual(["order_id=o1"]);
  });
});

describe("isIdShaped", () => {
  it.each([
    UUID,
    UUID.toUpperCase(),
    ULID,
    HEX16,
    "req_8f3k2a9x1",
    "chatcmpl-AbC12xYz9Q",
    "acct_0022",
    "usr_a5c10a",
    "INV-2026-004101",
  ])("%s is an id", (value) => {
    expect(isIdShaped(value)).toBe(true);
  });

  it.each([
    "gpt-4o-mini",
    "gpt-4o-2024-08-06",
    "claude-3-5-sonnet-20241022",
    "text-embedding-3-small",
    "deadbeef",
    "hello world",
    "12345",
    "2024-05-01T12:00:00Z",
    "req_abcdefghij",
    "us-east-1",
    "tenant_07",
    "page-12",
    "qwen2-72b-instruct",
    "order-7971-fulfilment",
    "2026-10",
  ])("%s is not an id", (value) => {
    expect(isIdShaped(value)).toBe(false);
  });
});

describe("laneOf", () => {
  it("names the process and thread", () => {
    expect(laneOf({ pid: 1234, threadName: "main" })).toBe("1234/main");
    expect(laneOf({ pid: 1234, thread: "worker-3" })).toBe("1234/worker-3");
    expect(laneOf({ thread: 7 })).toBe("7");
    expect(laneOf({ threadName: "MainThread" })).toBe("MainThread");
  });

  it("is undefined without process or thread fields", () => {
    expect(laneOf({ msg: "x", hostname: "web-1" })).toBeUndefined();
    expect(laneOf({ pid: null, thread: { id: 1 } })).toBeUndefined();
  });
});
