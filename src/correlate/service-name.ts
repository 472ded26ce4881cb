import type { LogRecord } from "../model.js";

/** Service name when a source names none: the file name without directories and extensions. */
export function serviceFromSource(source: string): string {
  if (source === "-") return "stdin";
  const base = source.split(/[\\/]/).pop() ?? source;
  return base.replace(/(\.(jsonl|ndjson|json|log|txt|gz))+$/i, "") || base;
}

/**
 * Notes the services each source names, so records that name none can take their source's service
 * (see `fallback`).
 */
export class ServiceNamer {
  readonly #named = new Map<string, Map<string, number>>();

  /** Notes a record's service; returns false when it names none (name it later with `fallback`). */
  note(record: LogRecord): boolean {
    if (!record.service) return false;
    // Only span exports speak for their whole source (their resource's service.name): a log line that
    // names its service may share a merged stream with lines of other services.
    if (!record.span) return true;
    let bySource = this.#named.get(record.source);
    if (!bySource) {
      bySource = new Map();
      this.#named.set(record.source, bySource);
    }
    bySource.set(record.service, (bySource.get(record.service) ?? 0) + 1);
    return true;
  }

  /**
   * The service for records of `source` that name none: the one service the source's span exports name
   * (a file that mixes span exports with plain log lines), else — none, or several — its file name.
   */
  fallback(source: string): string {
    const named = this.#named.get(source);
    if (named?.size === 1) return named.keys().next().value!;
    return serviceFromSource(source);
  }
}
