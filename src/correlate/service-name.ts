/** Service name when a source names none: the file name without directories and extensions. */
export function serviceFromSource(source: string): string {
  if (source === "-") return "stdin";
  const base = source.split(/[\\/]/).pop() ?? source;
  return base.replace(/(\.(jsonl|ndjson|json|log|txt|gz))+$/i, "") || base;
}
