// Wrappers that platforms put around an application's log line, recognized per line and mixed freely:
// `kubectl logs --prefix` (`[pod/<pod>/<container>] `), `--timestamps` (RFC 3339 + space), CRI files
// (`<time> stdout|stderr P|F `, partial lines joined), Docker json-file (`{"log":…,"stream":…,"time":…}`,
// split long lines joined), `docker compose logs` (`<service>-<n>  | `) and stern (`<pod> <container> `,
// `stern -o json`).
import type { Instant } from "../model.js";
import { parseIsoInstant } from "../util/instant.js";

/** What a wrapper told about the line: where it came from and when the platform captured it. */
export interface LineContext {
  service?: string;
  pod?: string;
  container?: string;
  captureTime?: Instant;
}

export interface Unwrapped {
  text: string;
  context?: LineContext;
}

const KUBECTL_PREFIX = /^\[pod\/([^/\]\s]+)\/([^\]\s]+)\] /;
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})) /;
const CRI = /^(stdout|stderr) ([PF]) ?/;
const COMPOSE = /^([A-Za-z0-9][\w.-]*?)(?:[-_]\d+)?\s+\| /;
// stern's default output: `<pod> <container> <line>` (DNS-1123 names), the line being JSON or a timestamp.
const STERN = /^([a-z0-9][a-z0-9.-]*) ([a-z0-9][a-z0-9-]*) (?=[{[]|\d{4}-\d{2}-\d{2}T)/;
const STERN_JSON = '{"message":';
const MAX_STERN_PREFIXES = 1024;
const DOCKER_JSON = '{"log":';

/** `agents-7d9f8b6c5-x2kq4` → `agents`, `db-0` → `db`, `node-agent-8zq2p` → `node-agent`. */
export function serviceFromPod(pod: string): string {
  const deployment = /^(.+)-[a-z0-9]{6,10}-[a-z0-9]{5}$/.exec(pod);
  if (deployment) return deployment[1]!;
  const ordinalOrHash = /^(.+)-(?:\d+|[a-z0-9]{5})$/.exec(pod);
  return ordinalOrHash ? ordinalOrHash[1]! : pod;
}

function podService(pod: string, container: string): string {
  const base = serviceFromPod(pod);
  return container === base ? base : `${base}/${container}`;
}

/**
 * Unwraps one source's lines. Stateful: CRI partial (`P`) lines and Docker's split long lines are held
 * until their last piece arrives, then come out as one line numbered by its first piece.
 */
export class TransportUnwrapper {
  #partial: { text: string; line: number; context: LineContext | undefined } | undefined;
  // stern prefixes seen on JSON lines: a multi-line object's inner lines under them are unwrapped too.
  readonly #sternPrefixes = new Set<string>();

  /** Returns the application's line, or undefined while a split line is still incomplete. */
  push(
    raw: string,
    lineNo: number,
    outer?: LineContext,
  ): (Unwrapped & { line: number }) | undefined {
    let text = raw;
    let context: LineContext | undefined = outer;
    const kubectl = text.startsWith("[pod/") ? KUBECTL_PREFIX.exec(text) : null;
    if (kubectl) {
      const [, pod, container] = kubectl as unknown as [string, string, string];
      context = { pod, container, service: podService(pod, container) };
      text = text.slice(kubectl[0].length);
    }
    const stamp = text.charCodeAt(4) === 45 ? TIMESTAMP.exec(text) : null;
    if (stamp) {
      const captureTime = parseIsoInstant(stamp[1]!);
      if (captureTime) {
        context = { ...context, captureTime };
        text = text.slice(stamp[0].length);
        const cri = CRI.exec(text);
        if (cri) return this.#piece(text.slice(cri[0].length), cri[2] === "P", lineNo, context);
      }
    }
    const stern = isAlnum(text.charCodeAt(0)) ? this.#stern(text) : undefined;
    if (stern) {
      const [pod, container, length] = stern;
      context = { ...context, pod, container, service: podService(pod, container) };
      text = text.slice(length);
      return this.push(text, lineNo, context);
    }
    if (text.startsWith(STERN_JSON)) {
      const line = sternJsonLine(text);
      if (line) return this.push(line.message, lineNo, { ...context, ...line.context });
    }
    if (text.startsWith(DOCKER_JSON)) {
      const docker = dockerLine(text);
      if (docker) {
        if (docker.time) context = { ...context, captureTime: docker.time };
        const last = docker.log.endsWith("\n");
        return this.#piece(last ? docker.log.slice(0, -1) : docker.log, !last, lineNo, context);
      }
    }
    // A compose prefix starts with a letter or digit; JSON lines (the bulk) start with `{`.
    const compose = isAlnum(text.charCodeAt(0)) && text.includes(" | ") ? COMPOSE.exec(text) : null;
    if (compose) {
      context = { ...context, service: compose[1]! };
      text = text.slice(compose[0].length);
    }
    return this.#piece(text, false, lineNo, context);
  }

  /** stern's `<pod> <container> `: pod, container and the prefix's length. */
  #stern(text: string): [string, string, number] | undefined {
    const m = STERN.exec(text);
    if (m) {
      if (this.#sternPrefixes.size < MAX_STERN_PREFIXES) this.#sternPrefixes.add(m[0]);
      return [m[1]!, m[2]!, m[0].length];
    }
    if (this.#sternPrefixes.size === 0) return undefined;
    const podEnd = text.indexOf(" ");
    const end = text.indexOf(" ", podEnd + 1) + 1;
    if (end === 0 || !this.#sternPrefixes.has(text.slice(0, end))) return undefined;
    return [text.slice(0, podEnd), text.slice(podEnd + 1, end - 1), end];
  }

  /** A split line still open at the end of the input is emitted as it is. */
  end(): (Unwrapped & { line: number }) | undefined {
    const open = this.#partial;
    this.#partial = undefined;
    return open && withContext(open.text, open.line, open.context);
  }

  #piece(text: string, partial: boolean, lineNo: number, context: LineContext | undefined) {
    const open = this.#partial;
    const joined = open ? open.text + text : text;
    const line = open ? open.line : lineNo;
    const ctx = open ? open.context : context;
    if (partial) {
      this.#partial = { text: joined, line, context: ctx };
      return undefined;
    }
    this.#partial = undefined;
    return withContext(joined, line, ctx);
  }
}

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function withContext(text: string, line: number, context: LineContext | undefined) {
  return context ? { text, line, context } : { text, line };
}

/** `stern -o json`: `{"message": <line>, "podName", "containerName", …}`. */
function sternJsonLine(text: string): { message: string; context: LineContext } | undefined {
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    const { message, podName, containerName } = o;
    if (
      typeof message !== "string" ||
      typeof podName !== "string" ||
      typeof containerName !== "string"
    ) {
      return undefined;
    }
    return {
      message,
      context: {
        pod: podName,
        container: containerName,
        service: podService(podName, containerName),
      },
    };
  } catch {
    return undefined;
  }
}

/** Docker json-file's wrapper; the application's text is in `log`. */
function dockerLine(text: string): { log: string; time?: Instant } | undefined {
  try {
    const o = JSON.parse(text) as { log?: unknown; stream?: unknown; time?: unknown };
    if (typeof o.log !== "string" || (o.stream !== "stdout" && o.stream !== "stderr"))
      return undefined;
    const time = typeof o.time === "string" ? parseIsoInstant(o.time) : undefined;
    return time ? { log: o.log, time } : { log: o.log };
  } catch {
    return undefined;
  }
}
