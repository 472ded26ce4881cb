// Helpers shared by the system definitions (no instrumented module is loaded here).
export const STD_TRACE_FIELDS = ['trace_id', 'span_id', 'trace_flags'];
export function readStd(o) {
  return typeof o.trace_id === 'string' && typeof o.span_id === 'string' ? { traceId: o.trace_id, spanId: o.span_id } : null;
}
// exponential backoff with jitter: base * 2^(attempt-1) * (0.8..1.2)
export function backoff(rng, base, attempt) { return Math.round(base * 2 ** (attempt - 1) * (0.8 + rng.next() * 0.4)); }
export function errObj(e) { return { message: e.message, code: e.code, stack: e.stack, type: e.name }; }
