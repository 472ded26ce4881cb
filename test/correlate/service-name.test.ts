// Service names for records that name none: their source's span exports' one service, else the file name.
import { describe, expect, it } from "vitest";
import { ServiceNamer, serviceFromSource } from "../../src/correlate/service-name.js";
import { facts, rec } from "./records.js";

describe("serviceFromSource", () => {
  it.each([
    ["-", "stdin"],
    ["logs/api.jsonl", "api"],
    ["/var/log/worker.log.gz", "worker"],
    ["C:\\logs\\billing.ndjson", "billing"],
    ["app.v2.json", "app.v2"],
    ["notes.txt", "notes"],
    ["plain", "plain"],
    // Nothing left after the extensions: the name as it is.
    [".jsonl", ".jsonl"],
  ])("%s → %s", (source, service) => {
    expect(serviceFromSource(source)).toBe(service);
  });
});

describe("ServiceNamer", () => {
  it("says whether a record names its service", () => {
    const namer = new ServiceNamer();
    expect(namer.note(rec({ source: "a.log", service: "api" }))).toBe(true);
    expect(namer.note(rec({ source: "a.log" }))).toBe(false);
  });

  it("names a source by the one service its span exports name", () => {
    const namer = new ServiceNamer();
    namer.note(rec({ source: "mixed.jsonl", service: "api", span: facts({ start: 0, end: 1 }) }));
    namer.note(rec({ source: "mixed.jsonl", service: "api", span: facts({ start: 1, end: 2 }) }));
    expect(namer.fallback("mixed.jsonl")).toBe("api");
    expect(namer.fallback("other.jsonl")).toBe("other");
  });

  it("does not let log lines speak for their source (a merged stream of several services)", () => {
    const namer = new ServiceNamer();
    namer.note(rec({ source: "merged.log", service: "api" }));
    expect(namer.fallback("merged.log")).toBe("merged");
  });

  it("falls back to the file name when the source's exports name several services", () => {
    const namer = new ServiceNamer();
    namer.note(rec({ source: "spans.json", service: "api", span: facts({ start: 0, end: 1 }) }));
    namer.note(rec({ source: "spans.json", service: "db", span: facts({ start: 0, end: 1 }) }));
    expect(namer.fallback("spans.json")).toBe("spans");
  });
});
