// Validation of `correlate` flags (zod): commander parses argv, this turns strings into typed options.
import { z } from "zod";
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

const duration = z.string().transform((s, ctx) => {
  const ms = parseDuration(s);
  if (ms === undefined) {
    ctx.addIssue({ code: "custom", message: `"${s}" is not a duration (try 500ms, 2s, 1m)` });
    return z.NEVER;
  }
  return ms;
});

const when = (now: number) =>
  z.string().transform((s, ctx) => {
    const t = parseWhen(s, now);
    if (t === undefined) {
      ctx.addIssue({
        code: "custom",
        message: `"${s}" is not a time (RFC 3339 like 2026-04-10T10:30:00Z, or relative like 15m)`,
      });
      return z.NEVER;
    }
    return t;
  });

export const correlateSchema = (now: number) =>
  z.object({
    format: z.enum(["text", "json", "ndjson"]).default("text"),
    follow: z.boolean().default(false),
    idle: duration.default(5000),
    maxWait: duration.default(60_000),
    maxOpen: z.coerce.number().int().positive("must be a positive integer").default(10_000),
    summary: z.boolean().default(false),
    records: z.boolean().default(true),
    width: z.coerce.number().int().min(40, "must be at least 40").optional(),
    color: z.boolean().optional(),
    trace: z.array(z.string().regex(/^[0-9a-fA-F-]+$/, "a trace id prefix is hex")).optional(),
    service: z.array(z.string()).optional(),
    errors: z.boolean().default(false),
    minDuration: duration.optional(),
    since: when(now).optional(),
    until: when(now).optional(),
    limit: z.coerce.number().int().positive("must be a positive integer").optional(),
    sort: z.enum(["start", "duration", "errors"]).default("start"),
    failOn: z.enum(["error"]).optional(),
    traceField: z.string().optional(),
    spanField: z.string().optional(),
    parentField: z.string().optional(),
    timeField: z.string().optional(),
    serviceField: z.string().optional(),
    messageField: z.string().optional(),
  });

export type CorrelateOptions = z.infer<ReturnType<typeof correlateSchema>>;

/** Zod issues as `--flag: message` lines. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const flag = String(i.path[0] ?? "").replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      return flag ? `--${flag}: ${i.message}` : i.message;
    })
    .join("\n");
}
