import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const MAGIC = /[*?[{]/;

export function hasGlobMagic(pattern: string): boolean {
  return MAGIC.test(pattern);
}

/** Turns one path segment pattern (`*.log`, `a?c`, `{x,y}.json`, `[ab]*`) into a RegExp. */
export function segmentRegExp(segment: string): RegExp {
  let re = "";
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const close = segment.indexOf("]", i + 1);
      if (close < 0) re += "\\[";
      else {
        const body = segment
          .slice(i + 1, close)
          .replace(/^!/, "^")
          .replace(/\\/g, "\\\\");
        re += `[${body}]`;
        i = close;
      }
    } else if (c === "{") {
      const close = segment.indexOf("}", i + 1);
      if (close < 0) re += "\\{";
      else {
        const alts = segment
          .slice(i + 1, close)
          .split(",")
          .map(escapeRegExp);
        re += `(?:${alts.join("|")})`;
        i = close;
      }
    } else re += escapeRegExp(c);
  }
  return new RegExp(`^${re}$`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function listDir(dir: string): { name: string; isDir: boolean }[] {
  try {
    return readdirSync(dir || ".", { withFileTypes: true }).map((d) => ({
      name: d.name,
      isDir: d.isDirectory(),
    }));
  } catch {
    return [];
  }
}

/** Expands a glob (`logs/**\/*.jsonl`) into candidate paths, sorted; hidden entries need an explicit dot. */
export function expandGlob(pattern: string): string[] {
  const results = new Set<string>();
  const walk = (base: string, rest: string[]): void => {
    const [head, ...tail] = rest;
    if (head === undefined) {
      if (existsSync(base)) results.add(base);
      return;
    }
    if (head === "**") {
      walk(base, tail);
      for (const e of listDir(base)) {
        if (e.isDir && !e.name.startsWith(".")) walk(join(base, e.name), rest);
      }
      return;
    }
    if (!hasGlobMagic(head)) {
      walk(join(base, head), tail);
      return;
    }
    const re = segmentRegExp(head);
    for (const e of listDir(base)) {
      if (e.name.startsWith(".") && !head.startsWith(".")) continue;
      if (re.test(e.name) && (tail.length === 0 || e.isDir)) walk(join(base, e.name), tail);
    }
  };
  walk(pattern.startsWith("/") ? "/" : "", pattern.split("/").filter(Boolean));
  return [...results].sort();
}
