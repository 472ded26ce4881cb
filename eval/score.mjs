// Scoring of one `agtrace correlate --format json` document against the truth of a validation
// system (eval/validation/<system>/truth/<variant>/). Small pure functions: no I/O, no globals.
//
// Records are identified by `file:line`, where `file` is the file name only (truth `source`), so an
// output `source` such as `eval/validation/x/ids/a.jsonl` is reduced to `a.jsonl`.

/** File name of a path (`/` or `\` separated). */
export function fileName(source) {
  const i = Math.max(source.lastIndexOf("/"), source.lastIndexOf("\\"));
  return i < 0 ? source : source.slice(i + 1);
}

/** The key of a record: `file:line`. */
export function recordKey(source, line) {
  return `${fileName(source)}:${line}`;
}

/** Every record of the document with where it sits: trace index (or -1 for unmatched) and span. */
export function* outputRecords(doc) {
  for (let t = 0; t < doc.traces.length; t++) {
    const trace = doc.traces[t];
    for (const span of trace.spans)
      for (const r of span.records) yield { trace: t, span, record: r };
    for (const r of trace.records) yield { trace: t, span: null, record: r };
  }
  for (const r of doc.unmatched) yield { trace: -1, span: null, record: r };
}

/** Number of records the document holds (spans' records + traces' records + unmatched). */
export function countDocRecords(doc) {
  let n = 0;
  for (const _ of outputRecords(doc)) n++;
  return n;
}

/** `file:line` → output trace index, for records in a trace (unmatched records are left out). */
export function predictedGroups(doc) {
  const out = new Map();
  for (const { trace, record } of outputRecords(doc))
    if (trace >= 0) out.set(recordKey(record.source, record.line), trace);
  return out;
}

const pairs = (n) => (n * (n - 1)) / 2;

/**
 * Pairwise precision / recall / F1 of "same group" over the items of `truth` (item → true label).
 * An item missing from `predicted` (item → predicted label) is a singleton. With no predicted
 * (or no true) pair at all, precision (or recall) is 1.
 */
export function pairwiseF1(predicted, truth) {
  const cells = new Map();
  const predSizes = new Map();
  const trueSizes = new Map();
  const bump = (m, k) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const [item, t] of truth) {
    const p = predicted.has(item) ? `p:${predicted.get(item)}` : `single:${item}`;
    bump(cells, `${p}\u0000${t}`);
    bump(predSizes, p);
    bump(trueSizes, t);
  }
  let tp = 0;
  for (const n of cells.values()) tp += pairs(n);
  let predPairs = 0;
  for (const n of predSizes.values()) predPairs += pairs(n);
  let truePairs = 0;
  for (const n of trueSizes.values()) truePairs += pairs(n);
  const precision = predPairs === 0 ? 1 : tp / predPairs;
  const recall = truePairs === 0 ? 1 : tp / truePairs;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, truePairs, predictedPairs: predPairs, correctPairs: tp };
}

/**
 * Grouping: pairwise P/R/F1 of "same operation" over the truth records whose `op` is not null.
 * Records left in `unmatched` or absent from the output (skipped lines) are singletons; output
 * records without a truth line are ignored. `opsFound` = output traces holding at least one of
 * these records; `opsTrue` = distinct truth ops.
 */
export function groupingScore(doc, truthRecords) {
  const truth = new Map();
  for (const r of truthRecords) if (r.op != null) truth.set(recordKey(r.source, r.line), r.op);
  const predicted = predictedGroups(doc);
  const score = pairwiseF1(predicted, truth);
  const found = new Set();
  for (const item of truth.keys()) if (predicted.has(item)) found.add(predicted.get(item));
  return {
    ...score,
    records: truth.size,
    opsFound: found.size,
    opsTrue: new Set(truth.values()).size,
  };
}

/**
 * Output service name → truth service name, by the majority truth service of the records the
 * output attributes to that name (services name themselves in logs, e.g. `sandbox-runtime` for
 * truth's `sandbox`). Names never seen map to themselves.
 */
export function serviceNameMap(doc, truthRecords) {
  const truthService = new Map(truthRecords.map((r) => [recordKey(r.source, r.line), r.service]));
  const votes = new Map();
  const vote = (name, key) => {
    const t = truthService.get(key);
    if (name == null || t == null) return;
    let m = votes.get(name);
    if (!m) votes.set(name, (m = new Map()));
    m.set(t, (m.get(t) ?? 0) + 1);
  };
  for (const { span, record } of outputRecords(doc)) {
    const key = recordKey(record.source, record.line);
    vote(record.service, key);
    if (span) vote(span.service, key);
  }
  const out = new Map();
  for (const [name, m] of votes) {
    let best = null;
    let bestN = -1;
    for (const [t, n] of m) if (n > bestN || (n === bestN && t < best)) [best, bestN] = [t, n];
    out.set(name, best);
  }
  return out;
}

const mapped = (names, name) => (name == null ? null : (names.get(name) ?? name));

/**
 * Parents: for output spans with records whose `spanId` is a truth span, the right parent is the
 * nearest truth ancestor that also appears with records in the output (null for none). Counts the
 * share whose output parent is that span (`exact`) and whose output parent's service (mapped to
 * truth names) is that span's service (`service`); a root is right when both are null.
 */
export function parentScore(doc, truthSpans, truthRecords) {
  const names = serviceNameMap(doc, truthRecords);
  const truthById = new Map(truthSpans.map((s) => [s.spanId, s]));
  const withRecords = new Set();
  for (const t of doc.traces)
    for (const s of t.spans) if (s.records.length > 0) withRecords.add(s.spanId);
  let spans = 0;
  let exact = 0;
  let service = 0;
  for (const t of doc.traces) {
    const inTrace = new Map(t.spans.map((s) => [s.spanId, s]));
    for (const s of t.spans) {
      if (s.records.length === 0) continue;
      const ts = truthById.get(s.spanId);
      if (!ts) continue;
      let anc = ts.parentSpanId ? truthById.get(ts.parentSpanId) : undefined;
      const seen = new Set();
      while (anc && !withRecords.has(anc.spanId) && !seen.has(anc.spanId)) {
        seen.add(anc.spanId);
        anc = anc.parentSpanId ? truthById.get(anc.parentSpanId) : undefined;
      }
      const rightId = anc?.spanId ?? null;
      const rightService = anc?.service ?? null;
      const outParentId = s.parentSpanId ?? null;
      let outParentService = null;
      if (outParentId != null) {
        const p = inTrace.get(outParentId);
        outParentService = p
          ? mapped(names, p.service)
          : (truthById.get(outParentId)?.service ?? "?");
      }
      spans++;
      if (outParentId === rightId) exact++;
      if (outParentService === rightService) service++;
    }
  }
  return {
    spans,
    exact: spans === 0 ? null : exact / spans,
    service: spans === 0 ? null : service / spans,
  };
}

/**
 * Logged spans present: share of truth spans with at least one truth record that appear as an
 * output span (by `spanId`, in any trace).
 */
export function loggedSpansPresent(doc, truthSpans, truthRecords) {
  const loggedIds = new Set();
  for (const r of truthRecords) if (r.spanId != null) loggedIds.add(r.spanId);
  const outIds = new Set();
  for (const t of doc.traces) for (const s of t.spans) outIds.add(s.spanId);
  let logged = 0;
  let present = 0;
  for (const s of truthSpans) {
    if (!loggedIds.has(s.spanId)) continue;
    logged++;
    if (outIds.has(s.spanId)) present++;
  }
  return { logged, present, share: logged === 0 ? null : present / logged };
}

/**
 * Breaks: a `propagation-break` finding of a trace matches a truth break when its `linkedTraceId`
 * or the trace it sits in is the break's `downstreamTraceId` and its `services` (mapped to truth
 * names) are the break's [upstream, downstream]. `found` = truth breaks matched by a finding;
 * `precision` = share of findings that match some truth break (null with no finding).
 */
export function breakScore(doc, truthBreaks, truthRecords = []) {
  const names = serviceNameMap(doc, truthRecords);
  const byDownstream = new Map();
  for (const b of truthBreaks) {
    let l = byDownstream.get(b.downstreamTraceId);
    if (!l) byDownstream.set(b.downstreamTraceId, (l = []));
    l.push(b);
  }
  const found = new Set();
  let findings = 0;
  let matched = 0;
  for (const t of doc.traces) {
    for (const f of t.findings ?? []) {
      if (f.kind !== "propagation-break") continue;
      findings++;
      const [up, down] = (f.services ?? []).map((n) => mapped(names, n));
      const candidates = [
        ...(byDownstream.get(f.linkedTraceId) ?? []),
        ...(f.linkedTraceId === t.traceId ? [] : (byDownstream.get(t.traceId) ?? [])),
      ];
      const hits = candidates.filter(
        (b) => b.upstreamService === up && b.downstreamService === down,
      );
      if (hits.length > 0) matched++;
      for (const b of hits) found.add(b);
    }
  }
  return {
    breaks: truthBreaks.length,
    found: found.size,
    recall: truthBreaks.length === 0 ? null : found.size / truthBreaks.length,
    findings,
    unmatchedFindings: findings - matched,
    precision: findings === 0 ? null : matched / findings,
  };
}

/** Mean of the numbers among `values` (null/undefined left out); null when there is none. */
export function mean(values) {
  const xs = values.filter((v) => typeof v === "number" && Number.isFinite(v));
  return xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/**
 * The 1-based lines of a log text that continue a JSON value begun on an earlier line (a
 * pretty-printed span export): part of the record that starts where the value starts, not records
 * of their own, so they are not scored apart from it.
 */
export function continuationLines(text) {
  const lines = text.split("\n");
  const out = new Set();
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i].trim();
    if (first !== "{" && first !== "[") continue;
    let acc = lines[i];
    for (let j = i + 1; j < lines.length && j < i + 10_000; j++) {
      acc += `\n${lines[j]}`;
      if (!/^\s*[}\]]/.test(lines[j])) continue;
      try {
        JSON.parse(acc);
      } catch {
        continue;
      }
      for (let k = i + 1; k <= j; k++) out.add(k + 1);
      i = j;
      break;
    }
  }
  return out;
}

/** Truth records less those on continuation lines (`continued`: file name → set of lines). */
export function withoutContinuations(truthRecords, continued) {
  return truthRecords.filter((r) => !continued.get(fileName(r.source))?.has(r.line));
}
