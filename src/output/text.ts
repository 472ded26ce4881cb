// Terminal-safe text: log content can hold escape sequences, control and bidi characters, wide glyphs.

const ANSI_SEQUENCE =
  // eslint-disable-next-line no-control-regex -- matching escape sequences is the point.
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-_]|\u009b[0-?]*[ -/]*[@-~]/g;
// C0/C1 controls, DEL, bidi overrides/isolates, direction marks and zero-width spaces that could reorder or hide text.
// eslint-disable-next-line no-control-regex -- matching control characters is the point.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** One line of printable text: escape sequences removed, controls and line breaks turned into spaces. */
export function sanitize(text: string): string {
  return text.replace(ANSI_SEQUENCE, "").replace(UNSAFE, " ");
}

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

function isZeroWidth(cp: number): boolean {
  return (cp >= 0x300 && cp <= 0x36f) || (cp >= 0xfe00 && cp <= 0xfe0f) || cp === 0x200d;
}

/** Columns the (sanitized) text takes in a terminal. */
export function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    w += isZeroWidth(cp) ? 0 : isWide(cp) ? 2 : 1;
  }
  return w;
}

/** Cuts text to at most `width` columns, ending with `…` when cut. */
export function fit(text: string, width: number): string {
  if (width <= 0) return "";
  if (displayWidth(text) <= width) return text;
  let out = "";
  let w = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const cw = isZeroWidth(cp) ? 0 : isWide(cp) ? 2 : 1;
    if (w + cw > width - 1) break;
    out += ch;
    w += cw;
  }
  return `${out}…`;
}

/** Pads (or cuts) to exactly `width` columns. */
export function padTo(text: string, width: number, align: "left" | "right" = "left"): string {
  const t = fit(text, width);
  const pad = " ".repeat(Math.max(0, width - displayWidth(t)));
  return align === "left" ? t + pad : pad + t;
}

/** 850µs, 12.3ms, 420ms, 1.42s, 2m03s, 1h02m: the unit is chosen after rounding, so 999.7ms is 1s. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  if (ms === 0) return "0ms";
  const us = Math.round(ms * 1000);
  if (us < 1000) return `${us}µs`;
  // Three significant digits, without trailing zeros: 5ms, 5.25ms, 17ms, 17.4ms.
  const sig = (v: number, digits: number): number => Number(v.toFixed(digits));
  if (sig(ms, 2) < 10) return `${sig(ms, 2)}ms`;
  if (sig(ms, 1) < 100) return `${sig(ms, 1)}ms`;
  if (Math.round(ms) < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (sig(s, 2) < 10) return `${sig(s, 2)}s`;
  if (sig(s, 1) < 60) return `${sig(s, 1)}s`;
  const totalS = Math.round(s);
  if (totalS < 3600) return `${Math.floor(totalS / 60)}m${String(totalS % 60).padStart(2, "0")}s`;
  const totalM = Math.round(totalS / 60);
  return `${Math.floor(totalM / 60)}h${String(totalM % 60).padStart(2, "0")}m`;
}
