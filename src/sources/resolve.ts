import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { expandGlob, hasGlobMagic } from "./glob.js";

/** One input to read: a file path, or stdin (`path` undefined, named `-`). */
export interface SourceSpec {
  name: string;
  path?: string;
}

export interface InputProblem {
  input: string;
  reason: string;
}

const LOG_FILE = /\.(jsonl|ndjson|json|log)(\.gz)?$/i;

function walkDir(dir: string, out: string[]): void {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : 1,
  );
  for (const e of entries) {
    // Hidden entries and installed packages are never anyone's logs.
    if (e.name.startsWith(".") || (e.isDirectory() && e.name === "node_modules")) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) walkDir(path, out);
    else if (LOG_FILE.test(e.name)) out.push(path);
  }
}

export function describeIoError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file or directory";
  if (code === "EACCES") return "permission denied";
  return (err as Error).message;
}

/**
 * Turns command-line inputs into sources: `-` is stdin, directories are searched recursively for
 * log files, quoted globs are expanded here. No inputs means stdin.
 */
export function resolveInputs(inputs: string[]): {
  sources: SourceSpec[];
  problems: InputProblem[];
} {
  const sources: SourceSpec[] = [];
  const problems: InputProblem[] = [];
  const seen = new Set<string>();
  const add = (path: string): void => {
    if (!seen.has(path)) {
      seen.add(path);
      sources.push({ name: path, path });
    }
  };
  if (inputs.length === 0) return { sources: [{ name: "-" }], problems };
  for (const input of inputs) {
    if (input === "-") {
      sources.push({ name: "-" });
      continue;
    }
    const candidates = hasGlobMagic(input) && !exists(input) ? expandGlob(input) : [input];
    if (candidates.length === 0) {
      problems.push({ input, reason: "no files match this pattern" });
      continue;
    }
    for (const path of candidates) {
      try {
        if (statSync(path).isDirectory()) {
          const found: string[] = [];
          walkDir(path, found);
          if (found.length === 0 && candidates.length === 1) {
            problems.push({
              input,
              reason: "directory holds no .jsonl/.ndjson/.json/.log(.gz) files",
            });
          }
          found.forEach(add);
        } else add(path);
      } catch (err) {
        problems.push({ input: path, reason: describeIoError(err) });
      }
    }
  }
  return { sources, problems };
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
