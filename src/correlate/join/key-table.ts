// Every record's candidate keys, interned as it arrives: per occurrence two integers (record, key), so a
// million records with ids cost a few typed arrays rather than a million string lists.
import { isIdShaped } from "../../decode/join-keys.js";
import { TEXT_FIELD } from "../../decode/text-line.js";
import type { LogRecord } from "../../model.js";

/** A field's family: its last segment lowercased, separators and an `x-` header prefix dropped. */
export function familyOf(field: string): string {
  const last = field.slice(field.lastIndexOf(".") + 1);
  const bare = last.toLowerCase().replace(/[^a-z0-9]/g, "");
  return /^x[-_]/i.test(last) ? bare.slice(1) : bare;
}

/** Epoch ms of a record's time (NaN without one). */
export function timeMs(r: LogRecord): number {
  return r.time ? r.time.ms + r.time.ns / 1e6 : Number.NaN;
}

/** A typed array that grows. */
class Column<T extends Int32Array | Float64Array> {
  length = 0;
  constructor(public data: T) {}
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new (this.data.constructor as new (length: number) => T)(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  view(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

/** An Int32Array that grows. */
export class IntColumn extends Column<Int32Array> {
  constructor() {
    super(new Int32Array(1024));
  }
}

/** A Float64Array that grows. */
class FloatColumn extends Column<Float64Array> {
  constructor() {
    super(new Float64Array(1024));
  }
}

/** How `settle` reads a record's trace and service. */
export interface SettleBy {
  trace(record: LogRecord): string | undefined;
  traceOfId(traceId: string): string;
  service(record: LogRecord): string | undefined;
}

export class KeyTable {
  /**
   * The records that have at least one key, by index; undefined where only the ids were kept (a record
   * with explicit ids whose line is not kept: see `add`).
   */
  readonly records: (LogRecord | undefined)[] = [];
  readonly #lines = new IntColumn();
  readonly #times = new FloatColumn();
  /** Per record index: its row in the columns below when the record is not kept, else -1. */
  readonly #slimRow = new IntColumn();
  // What the join reads of a record that is not kept: columns, no object per record.
  readonly #traceIds: string[] = [];
  readonly #spanIds: (string | undefined)[] = [];
  readonly #services: (string | undefined)[] = [];
  readonly #sources: string[] = [];
  /** Occurrence i: record `occRec[i]` holds key `occKey[i]`. */
  readonly occRec = new IntColumn();
  readonly occKey = new IntColumn();
  /** Per key: its family, the field it was first seen in, and its value as written. */
  readonly keyFamily: number[] = [];
  readonly keyField: number[] = [];
  readonly keyValue: string[] = [];
  readonly families: string[] = [];
  /** Per field id: the field name and its family. */
  readonly fields: string[] = [];
  readonly fieldFamily: number[] = [];
  readonly #keyIds = new Map<string, number>();
  readonly #familyIds = new Map<string, number>();
  /** Field name → field id, or -1 for a field the settings exclude. */
  readonly #fieldIds = new Map<string, number>();
  readonly #allowed: (family: string, field: string) => boolean;
  /** Per record index, once settled: its trace by ids and its service. */
  #trace: (string | undefined)[] = [];
  #service: (string | undefined)[] = [];

  constructor(allowed: (family: string, field: string) => boolean = () => true) {
    this.#allowed = allowed;
  }

  #field(name: string): number {
    let id = this.#fieldIds.get(name);
    if (id !== undefined) return id;
    const family = familyOf(name);
    if (!this.#allowed(family, name)) id = -1;
    else {
      let fam = this.#familyIds.get(family);
      if (fam === undefined) {
        fam = this.families.length;
        this.families.push(family);
        this.#familyIds.set(family, fam);
      }
      id = this.fields.length;
      this.fields.push(name);
      this.fieldFamily.push(fam);
    }
    this.#fieldIds.set(name, id);
    return id;
  }

  /**
   * Notes the record's `keys`; false when it has none that count. Without `keep` only what the join
   * reads of a record with explicit ids is kept, not the record (`traceId`: its trace id as the core holds
   * it, one string per trace). `whenUntimed`: the time the join reads for a record that has none (a
   * plain line: that of the line before it in its source).
   */
  add(
    record: LogRecord,
    entries = record.keys,
    keep = true,
    whenUntimed = Number.NaN,
    traceId = record.traceId,
  ): boolean {
    if (!entries) return false;
    const index = this.records.length;
    const from = this.occRec.length;
    for (let e = 0; e + 1 < entries.length; e += 2) {
      const field = this.#field(entries[e]!);
      if (field < 0) continue;
      const value = entries[e + 1]!;
      const family = this.fieldFamily[field]!;
      // Id-shaped values join across field names (`request_id` here, `requestId` there); others within a
      // family. A value seen before as an id is found by itself, without testing its shape again.
      const known = value.includes("=") ? undefined : this.#keyIds.get(value);
      const canonical =
        known !== undefined || isIdShaped(value) ? value : `${this.families[family]}=${value}`;
      let key = known ?? this.#keyIds.get(canonical);
      if (key === undefined) {
        key = this.keyValue.length;
        this.#keyIds.set(canonical, key);
        this.keyFamily.push(family);
        this.keyField.push(field);
        this.keyValue.push(value);
      }
      let repeated = false;
      for (let o = from; o < this.occKey.length; o++)
        if (this.occKey.data[o] === key) repeated = true;
      if (repeated) continue;
      this.occRec.push(index);
      this.occKey.push(key);
    }
    if (this.occRec.length === from) return false;
    this.#lines.push(record.line);
    this.#times.push(record.time ? timeMs(record) : whenUntimed);
    if (keep || record.traceId === undefined) {
      this.records.push(record);
      this.#slimRow.push(-1);
      return true;
    }
    this.records.push(undefined);
    this.#slimRow.push(this.#traceIds.length);
    this.#traceIds.push(traceId ?? record.traceId);
    this.#spanIds.push(record.spanId);
    this.#services.push(record.service);
    this.#sources.push(record.source);
    return true;
  }

  get size(): number {
    return this.records.length;
  }

  #isText(key: number): boolean {
    return this.fields[this.keyField[key]!] === TEXT_FIELD;
  }

  /**
   * Reads each family under its alias root (`root[f]`, see aliases.ts): its fields and keys move there,
   * and keys of one value that now share a family become one key. Called once every record is added.
   */
  mergeFamilies(root: Int32Array): void {
    if (root.every((r, f) => r === f)) return;
    for (let f = 0; f < this.fieldFamily.length; f++)
      this.fieldFamily[f] = root[this.fieldFamily[f]!]!;
    // One key per value; it keeps the name of a field a record wrote, not that of a plain line's text.
    const same = new Map<string, number>();
    const canonicalOf: string[] = [];
    for (let k = 0; k < this.keyValue.length; k++) {
      const family = root[this.keyFamily[k]!]!;
      this.keyFamily[k] = family;
      const value = this.keyValue[k]!;
      const canonical = isIdShaped(value) ? value : `${family}=${value}`;
      canonicalOf.push(canonical);
      const kept = same.get(canonical);
      if (kept === undefined || (this.#isText(kept) && !this.#isText(k))) same.set(canonical, k);
    }
    const into = Int32Array.from(canonicalOf, (c) => same.get(c)!);
    // Occurrences come record by record: a record that named one value under two aliases keeps one.
    const occRec = this.occRec.data;
    const occKey = this.occKey.data;
    let kept = 0;
    let from = 0;
    for (let o = 0; o < this.occKey.length; o++) {
      if (o > 0 && occRec[o] !== occRec[o - 1]) from = kept;
      const key = into[occKey[o]!]!;
      let repeated = false;
      for (let p = from; p < kept; p++) if (occKey[p] === key) repeated = true;
      if (repeated) continue;
      occRec[kept] = occRec[o]!;
      occKey[kept] = key;
      kept++;
    }
    this.occRec.length = kept;
    this.occKey.length = kept;
  }

  /**
   * Settles each record's trace and service once grouping by ids has seen every record: the trace its
   * ids place it in (after merges; undefined for none), and its service (named late for some).
   */
  settle(resolve: SettleBy): void {
    this.#trace = this.records.map((record, r) =>
      record ? resolve.trace(record) : resolve.traceOfId(this.#traceIds[this.#slimRow.data[r]!]!),
    );
    this.#service = this.records.map((record, r) =>
      record ? resolve.service(record) : this.#services[this.#slimRow.data[r]!],
    );
  }

  /** The trace the record's own ids place it in (after `settle`). */
  traceIdOf(r: number): string | undefined {
    return this.#trace[r];
  }

  serviceOf(r: number): string | undefined {
    return this.#service[r];
  }

  spanIdOf(r: number): string | undefined {
    const record = this.records[r];
    return record ? record.spanId : this.#spanIds[this.#slimRow.data[r]!];
  }

  timeMsOf(r: number): number {
    return this.#times.data[r]!;
  }

  originOf(r: number): { source: string; line: number } {
    const source = this.records[r]?.source ?? this.#sources[this.#slimRow.data[r]!]!;
    return { source, line: this.#lines.data[r]! };
  }

  /** The record at index r, which came without explicit ids (such records are always kept). */
  recordOf(r: number): LogRecord {
    return this.records[r]!;
  }

  /** Table of the given records, settled by their own ids and services (tests and one-off callers). */
  static of(records: LogRecord[], allowed?: (family: string, field: string) => boolean): KeyTable {
    const table = new KeyTable(allowed);
    for (const r of records) table.add(r);
    table.settle({ trace: (r) => r.traceId, traceOfId: (id) => id, service: (r) => r.service });
    return table;
  }
}
