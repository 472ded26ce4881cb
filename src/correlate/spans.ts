// One trace's records → its spans: measured from span exports, inferred from the logs that carry span ids.
import type { Instant, LogRecord, Span, SpanStatus } from "../model.js";
import { LEVEL_RANK } from "../model.js";
import {
  compareInstants,
  epochMsInstant,
  maxInstant,
  minInstant,
  toEpochMs,
} from "../util/instant.js";

/** A span while its trace is being assembled; `parentSpanId` set only when some record states it. */
/** What a span keeps of the line it begins with: where it is and what it says (not the whole record). */
export interface Opening {
  readonly source: string;
  readonly line: number;
  readonly time?: Instant | undefined;
  readonly message: string;
}

export interface SpanDraft extends Span {
  /** The span's lines as they are added (the finished span's are read-only). */
  records: LogRecord[];
  // Present from the start, undefined until known: a draft keeps one shape as its lines arrive.
  /** Records with times, for the inference of nesting. */
  firstRecord: Instant | undefined;
  lastRecord: Instant | undefined;
  /** The log line the span begins with (by time): it names a log-only span. */
  opening: Opening | undefined;
  /** Log lines at error level or worse, counted so that spans built without their records know. */
  errorLogs: number;
  /** The service the span's first log line names, and how many lines name it. */
  logService: string | undefined;
  logServiceCount: number;
  /** Lines per service, once the span's lines name more than one. */
  serviceCounts: Map<string, number> | undefined;
}

const NAME_LENGTH = 60;

/** A message's first line, cut to a name's length. */
export function firstLine(text: string): string {
  const nl = text.indexOf("\n");
  const line = nl < 0 ? text : text.slice(0, nl);
  return line.length > NAME_LENGTH ? `${line.slice(0, NAME_LENGTH - 1)}…` : line;
}

function worse(a: SpanStatus, b: SpanStatus): SpanStatus {
  if (a === "error" || b === "error") return "error";
  return a === "ok" || b === "ok" ? "ok" : "unset";
}

export interface SpanSet {
  traceId: string;
  spans: Map<string, SpanDraft>;
  /** Records of the trace that name no span of it. */
  loose: LogRecord[];
}

function isError(r: LogRecord): boolean {
  return LEVEL_RANK[r.level] >= LEVEL_RANK.error;
}

/**
 * One trace's spans, built record by record as they arrive. With `keepRecords` false (output that shows
 * no log lines, such as the summary table) a span keeps what it learned from its lines but not the lines:
 * memory then grows with spans, not with records. Records that name no span are always kept.
 */
export class SpanBuilder {
  readonly spans = new Map<string, SpanDraft>();
  readonly loose: LogRecord[] = [];
  /** The span of the previous record: a span's lines often come one after another. */
  #last: SpanDraft | undefined;
  /** Records waiting for their service to be named; of those naming no span, their place in `loose`. */
  #reserved: LogRecord[] | undefined;
  #reservedLoose: Map<LogRecord, number> | undefined;

  constructor(
    readonly traceId: string,
    readonly keepRecords = true,
  ) {}

  /** The services the trace's spans and loose records name. */
  services(): Set<string> {
    const out = new Set<string>();
    for (const s of this.spans.values()) {
      // A span known so far only from lines whose service is not named yet has none ("").
      if (s.service) out.add(s.service);
      if (s.logService) out.add(s.logService);
      if (s.serviceCounts) for (const name of s.serviceCounts.keys()) out.add(name);
    }
    for (const r of this.loose) out.add(r.service ?? "");
    return out;
  }

  /**
   * Takes a record whose service is not named yet: its span takes its place in the trace's order now
   * (a record naming no span keeps its place among the loose ones); `nameReserved` adds it once named.
   */
  reserve(r: LogRecord): void {
    (this.#reserved ??= []).push(r);
    if (!r.spanId) (this.#reservedLoose ??= new Map()).set(r, this.loose.push(r) - 1);
    else if (!this.spans.has(r.spanId))
      this.spans.set(r.spanId, draftOf(r, r.spanId, this.keepRecords));
  }

  /** Adds the reserved records, each in its named form. */
  nameReserved(named: (r: LogRecord) => LogRecord): void {
    for (const r of this.#reserved ?? []) {
      const at = this.#reservedLoose?.get(r);
      if (at === undefined) this.add(named(r));
      else this.loose[at] = named(r);
    }
    this.#reserved = this.#reservedLoose = undefined;
  }

  /** Adds one record to its span, or to the loose records when it names none. */
  add(r: LogRecord): void {
    if (!r.spanId) {
      this.loose.push(r);
      return;
    }
    let s = this.#last;
    if (s === undefined || s.spanId !== r.spanId) {
      s = this.spans.get(r.spanId);
      if (!s) {
        s = draftOf(r, r.spanId, this.keepRecords);
        this.spans.set(r.spanId, s);
      }
      this.#last = s;
    }
    if (this.keepRecords) s.records.push(r);
    if (r.parentSpanId && r.parentSpanId !== r.spanId && !s.parentSpanId)
      s.parentSpanId = r.parentSpanId;
    if (r.span) {
      s.timing = "measured";
      s.name = r.span.name;
      s.start = r.span.start;
      s.end = r.span.end ?? r.span.start;
      s.status = worse(s.status, r.span.status);
      if (r.span.statusMessage) s.statusMessage = r.span.statusMessage;
      if (r.span.kind) s.kind = r.span.kind;
      if (r.service) s.service = r.service;
      s.attributes = r.attributes ?? {};
      if (r.parentSpanId) s.parentSpanId = r.parentSpanId;
      return;
    }
    noteLine(s, r);
  }

  /** Takes in another builder's spans and records (a trace folded into this one). */
  absorb(other: SpanBuilder): void {
    for (const [id, s] of other.spans) {
      const mine = this.spans.get(id);
      if (mine) mergeDraft(mine, s, this.keepRecords);
      else this.spans.set(id, s);
    }
    const offset = this.loose.length;
    for (const r of other.loose) this.loose.push(r);
    for (const [r, at] of other.#reservedLoose ?? [])
      (this.#reservedLoose ??= new Map()).set(r, offset + at);
    for (const r of other.#reserved ?? []) (this.#reserved ??= []).push(r);
  }

  /** The finished span set: names, times and services of log-only spans settled. */
  finish(): SpanSet {
    const { spans, loose } = this;
    for (const s of spans.values()) {
      if (s.timing === "inferred") {
        // Log-only spans have no span record among theirs.
        s.name = firstLine(s.opening?.message ?? "");
        if (s.firstRecord && s.lastRecord) {
          s.start = s.firstRecord;
          s.end = s.lastRecord;
        }
        s.service = majorityService(s) ?? s.service;
      }
    }
    // A record that names only its caller's span (a received traceparent) belongs to the callee span of its service.
    const remaining: LogRecord[] = [];
    const byParent = new Map<string, SpanDraft[]>();
    for (const s of spans.values()) {
      if (!s.parentSpanId) continue;
      const siblings = byParent.get(s.parentSpanId);
      if (siblings) siblings.push(s);
      else byParent.set(s.parentSpanId, [s]);
    }
    for (const r of loose) {
      const callee = r.parentSpanId
        ? byParent.get(r.parentSpanId)?.find((s) => s.service === r.service)
        : undefined;
      if (!callee) {
        remaining.push(r);
        continue;
      }
      if (this.keepRecords) callee.records.push(r);
      if (!r.span && isError(r)) callee.errorLogs++;
    }
    // In time order, the records moved to their callee span above included.
    for (const s of spans.values()) if (!isSorted(s.records)) s.records.sort(byTime);
    return { traceId: this.traceId, spans, loose: remaining };
  }
}

// Shared by every draft that has none of its own (frozen: nothing may add to them): a span costs less.
const NO_ATTRIBUTES: Span["attributes"] = Object.freeze({});
const NO_RECORDS = Object.freeze([]) as unknown as LogRecord[];

function draftOf(r: LogRecord, spanId: string, keepRecords: boolean): SpanDraft {
  const t = r.time ?? { ms: 0, ns: 0, digits: 0 };
  return {
    spanId,
    parentInferred: false,
    parentConfidence: undefined,
    service: r.service ?? "",
    name: "",
    start: t,
    end: t,
    timing: "inferred",
    status: "unset",
    attributes: NO_ATTRIBUTES,
    records: keepRecords ? [] : NO_RECORDS,
    orphan: false,
    timed: true,
    firstRecord: undefined,
    lastRecord: undefined,
    opening: undefined,
    errorLogs: 0,
    logService: undefined,
    logServiceCount: 0,
    serviceCounts: undefined,
  };
}

/** What a log line tells its span: errors, time range, opening line, service. */
function noteLine(s: SpanDraft, r: LogRecord): void {
  if (isError(r)) {
    s.status = "error";
    s.errorLogs++;
  }
  if (r.time) {
    // "done in 230ms": in a span rebuilt from business ids alone, the work began that long before the
    // line (spans with ids of their own have their first line at their start, as a rule).
    const began =
      r.durationMs && r.idSource?.startsWith("join:")
        ? epochMsInstant(toEpochMs(r.time) - r.durationMs, r.time.digits)
        : r.time;
    s.firstRecord = s.firstRecord ? minInstant(s.firstRecord, began) : began;
    s.lastRecord = s.lastRecord ? maxInstant(s.lastRecord, r.time) : r.time;
  }
  if (!s.opening || byTime(r, s.opening) < 0) {
    const { source, line, time, message } = r;
    s.opening = { source, line, time, message };
  }
  noteService(s, r.service, 1);
}

function noteService(s: SpanDraft, service: string | undefined, n: number): void {
  if (!service) return;
  if (s.serviceCounts) s.serviceCounts.set(service, (s.serviceCounts.get(service) ?? 0) + n);
  else if (s.logService === undefined || s.logService === service) {
    s.logService = service;
    s.logServiceCount += n;
  } else
    s.serviceCounts = new Map([
      [s.logService, s.logServiceCount],
      [service, n],
    ]);
}

/** Two drafts of one span id (a trace folded into another that had the span too). */
function mergeDraft(into: SpanDraft, from: SpanDraft, keepRecords: boolean): void {
  if (keepRecords) for (const r of from.records) into.records.push(r);
  if (from.timing === "measured") {
    const { name, start, end, kind, statusMessage, service, attributes } = from;
    Object.assign(into, { timing: "measured", name, start, end, service, attributes });
    if (kind) into.kind = kind;
    if (statusMessage) into.statusMessage = statusMessage;
  }
  into.status = worse(into.status, from.status);
  if (!into.parentSpanId && from.parentSpanId) into.parentSpanId = from.parentSpanId;
  into.errorLogs += from.errorLogs;
  if (from.firstRecord)
    into.firstRecord = into.firstRecord
      ? minInstant(into.firstRecord, from.firstRecord)
      : from.firstRecord;
  if (from.lastRecord)
    into.lastRecord = into.lastRecord
      ? maxInstant(into.lastRecord, from.lastRecord)
      : from.lastRecord;
  if (from.opening && (!into.opening || byTime(from.opening, into.opening) < 0))
    into.opening = from.opening;
  if (from.serviceCounts) for (const [name, n] of from.serviceCounts) noteService(into, name, n);
  else noteService(into, from.logService, from.logServiceCount);
}

/** Records mostly arrive in time order already: checking is cheaper than sorting. */
function isSorted(records: LogRecord[]): boolean {
  for (let i = 1; i < records.length; i++)
    if (byTime(records[i - 1]!, records[i]!) > 0) return false;
  return true;
}

/** The service most of the span's lines name (nearly always the only one). */
function majorityService(s: SpanDraft): string | undefined {
  if (!s.serviceCounts) return s.logService;
  let best: string | undefined;
  let bestCount = 0;
  for (const [name, n] of s.serviceCounts) {
    if (n > bestCount) {
      best = name;
      bestCount = n;
    }
  }
  return best;
}

/** Orders records by time; records without a time keep their input order after timed ones of the same source. */
export function byTime(a: Opening, b: Opening): number {
  if (a.time && b.time) {
    // Same time and line in two sources (one log through two wrappers): by source, whatever came first.
    const order = compareInstants(a.time, b.time) || a.line - b.line;
    return order !== 0 || a.source === b.source ? order : a.source < b.source ? -1 : 1;
  }
  if (a.source === b.source) return a.line - b.line;
  return a.time ? -1 : b.time ? 1 : 0;
}
