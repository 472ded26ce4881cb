// Parses the CLI's `--format json` / `ndjson` output and checks it against the contract's schema
// (src/output/json-schema.ts): a test that reads the output fails, naming each violation, when the
// output breaks the contract.
import type { z } from "zod";
import {
  documentSchema,
  type JsonDocument,
  type JsonNdjsonLine,
  ndjsonLineSchema,
} from "../../src/output/json-schema.js";

/** The value at a zod issue's path, shortened, so a failure shows what was there. */
function valueAt(root: unknown, path: readonly PropertyKey[]): string {
  let v: unknown = root;
  for (const key of path) {
    if (v === null || typeof v !== "object") return "(absent)";
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  if (v === undefined) return "(absent)";
  const text = JSON.stringify(v);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

/** One issue per line: `traces[0].spans[1].records[0].line: Too small: … (was 0)`. */
export function describeIssues(error: z.ZodError, value: unknown, limit = 20): string {
  const lines = error.issues.slice(0, limit).map((issue) => {
    const where = issue.path
      .map((k, i) => (typeof k === "number" ? `[${k}]` : `${i === 0 ? "" : "."}${String(k)}`))
      .join("");
    return `  ${where || "(document)"}: ${issue.message} (was ${valueAt(value, issue.path)})`;
  });
  if (error.issues.length > limit) lines.push(`  … and ${error.issues.length - limit} more`);
  return lines.join("\n");
}

function check<T>(schema: z.ZodType<unknown>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new Error(`${what} breaks the output contract:\n${describeIssues(result.error, value)}`);
  }
  return result.data as T;
}

function parse(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const head = text.length > 200 ? `${text.slice(0, 197)}…` : text;
    throw new Error(`${what} is not JSON (${(err as Error).message}): ${head}`, { cause: err });
  }
}

/** `--format json` stdout → the document, validated. */
export function parseDocument(stdout: string): JsonDocument {
  return check<JsonDocument>(
    documentSchema,
    parse(stdout, "the JSON document"),
    "the JSON document",
  );
}

/** `--format ndjson` stdout (with `--follow`: continuation lines too) → its lines, each validated. */
export function parseNdjson(stdout: string): JsonNdjsonLine[] {
  return stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line, i) => {
      const what = `ndjson line ${i + 1}`;
      return check<JsonNdjsonLine>(ndjsonLineSchema, parse(line, what), what);
    });
}

/** One ndjson line, validated. */
export function parseNdjsonLine(line: string): JsonNdjsonLine {
  return check<JsonNdjsonLine>(ndjsonLineSchema, parse(line, "ndjson line"), "ndjson line");
}

export function isContinuation(
  line: JsonNdjsonLine,
): line is Extract<JsonNdjsonLine, { continuation: true }> {
  return "continuation" in line && line.continuation === true;
}

export function isUnmatched(
  line: JsonNdjsonLine,
): line is Extract<JsonNdjsonLine, { unmatched: true }> {
  return "unmatched" in line && line.unmatched === true;
}
