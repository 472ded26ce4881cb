// Normalizing trace/span ids from every dialect to lowercase hex (FORMATS.md §7, §8, §11).

const HEX = /^[0-9a-f]+$/;
const ZERO = /^0+$/;
const DECIMAL = /^\d{1,20}$/;
const MAX_U64 = (1n << 64n) - 1n;

/** Whether s is lowercase hex with some digit not zero (a loop: ids are checked on every line). */
function isLowerHexNotZero(s: string): boolean {
  let nonZero = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 48) continue;
    if (!((c > 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
    nonZero = true;
  }
  return nonZero;
}

/** Lowercase hex of the given widths (0x prefix and dashes stripped); undefined when malformed or all-zero. */
export function normalizeHexId(value: unknown, widths: readonly number[]): string | undefined {
  if (typeof value !== "string") return undefined;
  // As most loggers write them: already lowercase hex of the right width.
  if (widths.includes(value.length) && isLowerHexNotZero(value)) return value;
  let s = value.trim().toLowerCase();
  if (s.startsWith("0x")) s = s.slice(2);
  if (s.length === 36 && s[8] === "-") s = s.replaceAll("-", "");
  if (!HEX.test(s) || ZERO.test(s) || !widths.includes(s.length)) return undefined;
  return s;
}

/** A trace id: 32 hex, or 16 hex (64-bit B3/Jaeger) left-padded to 32. */
export function normalizeTraceId(value: unknown): string | undefined {
  const s = normalizeHexId(value, [32, 16]);
  return s && s.length === 16 ? s.padStart(32, "0") : s;
}

/** A span id: 16 hex. */
export function normalizeSpanId(value: unknown): string | undefined {
  return normalizeHexId(value, [16]);
}

/** An unsigned 64-bit decimal (Datadog, X-Cloud-Trace-Context) as 16 hex. */
export function decimalToHex16(value: unknown): string | undefined {
  const s = typeof value === "number" ? String(value) : value;
  if (typeof s !== "string" || !DECIMAL.test(s.trim())) return undefined;
  const n = BigInt(s.trim());
  if (n === 0n || n > MAX_U64) return undefined;
  return n.toString(16).padStart(16, "0");
}

/** Datadog trace id: 32 hex (128-bit logging) or decimal of the lower 64 bits (upper 64 zero). */
export function datadogTraceId(value: unknown): string | undefined {
  if (typeof value === "string" && value.length === 32) return normalizeHexId(value, [32]);
  return decimalToHex16(value)?.padStart(32, "0");
}

export interface PropagatedContext {
  traceId: string;
  spanId?: string;
  dialect: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** W3C traceparent, validated per the spec (version ff invalid, version 00 exactly four fields). */
export function parseTraceparent(value: string): PropagatedContext | undefined {
  const m = TRACEPARENT.exec(value.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, , rest] = m;
  if (version === "ff" || ZERO.test(traceId!) || ZERO.test(spanId!)) return undefined;
  if (version === "00" && rest !== undefined) return undefined;
  return { traceId: traceId!, spanId: spanId!, dialect: "traceparent" };
}

/** AWS X-Ray `Root=1-<8 hex>-<24 hex>;Parent=<16 hex>;Sampled=1`, or a bare `1-…-…` trace id. */
export function parseXRay(value: string): PropagatedContext | undefined {
  let root: string | undefined;
  let parent: string | undefined;
  for (const part of value.split(";")) {
    const [k, v] = part.split("=").map((s) => s.trim());
    if (v === undefined && k?.startsWith("1-")) root = k;
    else if (k === "Root") root = v;
    else if (k === "Parent") parent = v;
  }
  const m = root ? /^1-([0-9a-fA-F]{8})-([0-9a-fA-F]{24})$/.exec(root) : null;
  if (!m) return undefined;
  const traceId = normalizeHexId(`${m[1]}${m[2]}`, [32]);
  if (!traceId) return undefined;
  const spanId = normalizeSpanId(parent);
  return spanId ? { traceId, spanId, dialect: "x-ray" } : { traceId, dialect: "x-ray" };
}

/** B3 single header `{TraceId}-{SpanId}[-{Sampled}[-{ParentSpanId}]]`. */
export function parseB3Single(value: string): PropagatedContext | undefined {
  const [t, s] = value.trim().split("-");
  const traceId = normalizeTraceId(t);
  const spanId = normalizeSpanId(s);
  return traceId && spanId ? { traceId, spanId, dialect: "b3" } : undefined;
}

/** Jaeger `uber-trace-id` `{trace}:{span}:{parent}:{flags}`, hex of variable length, maybe URL-encoded. */
export function parseUberTraceId(value: string): PropagatedContext | undefined {
  const parts = decodeURIComponentSafe(value.trim()).split(":");
  if (parts.length !== 4) return undefined;
  const pad = (s: string | undefined, n: number): string | undefined =>
    s && s.length <= n ? s.padStart(n, "0") : undefined;
  const traceId = normalizeHexId(pad(parts[0], 32), [32]);
  const spanId = normalizeHexId(pad(parts[1], 16), [16]);
  return traceId && spanId ? { traceId, spanId, dialect: "uber-trace-id" } : undefined;
}

/** Google `X-Cloud-Trace-Context: TRACE_ID/SPAN_ID;o=1` (span id decimal). */
export function parseCloudTraceContext(value: string): PropagatedContext | undefined {
  const m = /^([0-9a-fA-F]{32})(?:\/(\d+))?/.exec(value.trim());
  const traceId = m ? normalizeHexId(m[1], [32]) : undefined;
  if (!traceId) return undefined;
  const spanId = decimalToHex16(m?.[2]);
  return spanId
    ? { traceId, spanId, dialect: "x-cloud-trace-context" }
    : { traceId, dialect: "x-cloud-trace-context" };
}

function decodeURIComponentSafe(s: string): string {
  try {
    return s.includes("%") ? decodeURIComponent(s) : s;
  } catch {
    return s;
  }
}
