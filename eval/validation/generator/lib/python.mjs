// Helpers shared by the definitions of the Python systems (the services themselves are py/*.py).
// Keys that opentelemetry-instrumentation-logging puts on every stdlib LogRecord (python-json-logger writes them).
export const OTEL_LOGGING_FIELDS = ['otelTraceID', 'otelSpanID', 'otelTraceSampled', 'otelServiceName'];
export function readOtelLogging(o) {
  return typeof o.otelTraceID === 'string' && o.otelTraceID !== '0' ? { traceId: o.otelTraceID, spanId: o.otelSpanID } : null;
}
// instrumentation-logging's default text format: "... [trace_id=<hex> span_id=<hex> resource.service.name=<s> trace_sampled=<b>] - msg"
const OTEL_TEXT_BRACKET = / \[trace_id=[0-9a-f]+ span_id=[0-9a-f]+ resource\.service\.name=[^ \]]* trace_sampled=(?:True|False)\]/;
// Stripping a service that prints ConsoleSpanExporter blocks and text lines: a span export IS the span's
// trace context, so its multi-line block ("{" … "}" at column 0) is dropped whole; the text format loses its
// [trace_id=… span_id=… …] bracket; JSON lines are re-serialised without the trace keys; other lines stay.
export function stripPythonLines(lines, stripJson) {
  const out = [];
  let inBlock = false;
  for (const l of lines) {
    if (inBlock) { out.push(null); if (l === '}') inBlock = false; continue; }
    if (l === '{') { inBlock = true; out.push(null); continue; }
    if (OTEL_TEXT_BRACKET.test(l)) { out.push(l.replace(OTEL_TEXT_BRACKET, '')); continue; }
    out.push(stripJson(l));
  }
  return out;
}
