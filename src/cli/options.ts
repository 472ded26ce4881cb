// Validation of `correlate` flags (zod): commander parses argv, this turns strings into typed options.
import { z } from "zod/mini";
import { parseIsoInstant, toEpochMs } from "../util/instant.js";

const UNITS: Record<string, number> = {
  us: 0.001,
  µs: 0.001,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** `500ms`, `2s`, `1.5m`, `1h`; a bare number is milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(us|µs|ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * UNITS[m[2] ?? "ms"]!;
}

/** RFC 3339 time, or a duration meaning that long before now (`15m`). Epoch ms. */
export function parseWhen(text: string, now: number): number | undefined {
  const iso = parseIsoInstant(text);
  if (iso) return toEpochMs(iso);
  const ago = parseDuration(text);
  return ago === undefined || !/[a-zµ]$/.test(text.trim()) ? undefined : now - ago;
}

/** A string flag turned into a value by `parse`; `hint` says what was expected when it fails. */
function parsed<T>(parse: (s: string) => T | undefined, hint: (s: string) => string) {
  return z.pipe(
    z.string(),
    z.transform((s: string, ctx) => {
      const value = parse(s);
      if (value === undefined) {
        ctx.issues.push({ code: "custom", message: hint(s), input: s });
        return z.NEVER;
      }
      return value;
    }),
  );
}

const duration = parsed(parseDuration, (s) => `"${s}" is not a duration (try 500ms, 2s, 1m)`);

const when = (now: number) =>
  parsed(
    (s) => parseWhen(s, now),
    (s) => `"${s}" is not a time (RFC 3339 like 2026-04-10T10:30:00Z, or relative like 15m)`,
  );

const positiveInt = z.coerce.number().check(z.int(), z.positive("must be a positive integer"));
const flag = (value: boolean) => z._default(z.boolean(), value);

export const correlateSchema = (now: number) =>
  z.object({
    format: z._default(z.enum(["text", "json", "ndjson"]), "text"),
    follow: flag(false),
    idle: z._default(duration, 5000),
    maxWait: z._default(duration, 60_000),
    maxOpen: z._default(positiveInt, 10_000),
    summary: flag(false),
    records: flag(true),
    width: z.optional(z.coerce.number().check(z.int(), z.gte(40, "must be at least 40"))),
    color: z.optional(z.boolean()),
    trace: z.optional(
      z.array(z.string().check(z.regex(/^[0-9a-fA-F-]+$/, "a trace id prefix is hex"))),
    ),
    service: z.optional(z.array(z.string())),
    errors: flag(false),
    minDuration: z.optional(duration),
    since: z.optional(when(now)),
    until: z.optional(when(now)),
    limit: z.optional(positiveInt),
    sort: z._default(z.enum(["start", "duration", "errors"]), "start"),
    failOn: z.optional(z.enum(["error"])),
    join: z._default(z.enum(["auto", "ids", "heuristic", "off"]), "auto"),
    window: z.optional(duration),
    joinKeys: z.optional(z.array(z.string())),
    ignoreKeys: z.optional(z.array(z.string())),
    attachByTime: flag(false),
    explain: flag(false),
    traceField: z.optional(z.string()),
    spanField: z.optional(z.string()),
    parentField: z.optional(z.string()),
    timeField: z.optional(z.string()),
    serviceField: z.optional(z.string()),
    messageField: z.optional(z.string()),
  });

export type CorrelateOptions = z.infer<ReturnType<typeof correlateSchema>>;

/** Zod issues as `--flag: message` lines. */
export function describeIssues(error: {
  issues: { path: PropertyKey[]; message: string }[];
}): string {
  return error.issues
    .map((i) => {
      const flag = String(i.path[0] ?? "").replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      return flag ? `--${flag}: ${i.message}` : i.message;
    })
    .join("\n");
}
