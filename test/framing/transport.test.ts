// Platform wrappers around application lines (kubectl, CRI, Docker json-file, docker compose).
import { describe, expect, it } from "vitest";
import { serviceFromPod, TransportUnwrapper } from "../../src/framing/transport.js";
import { formatInstant } from "../../src/util/instant.js";

const APP = '{"level":30,"time":1795482162056,"msg":"hi"}';

function unwrapAll(lines: string[]) {
  const t = new TransportUnwrapper();
  const out = lines.map((l, i) => t.push(l, i + 1)).filter((u) => u !== undefined);
  const last = t.end();
  if (last) out.push(last);
  return out.map((u) => ({
    text: u.text,
    line: u.line,
    service: u.context?.service,
    pod: u.context?.pod,
    time: u.context?.captureTime && formatInstant(u.context.captureTime),
  }));
}

describe("TransportUnwrapper", () => {
  it("passes plain lines through untouched", () => {
    expect(unwrapAll([APP, "plain text | not compose? no"])[0]).toEqual({
      text: APP,
      line: 1,
      service: undefined,
      pod: undefined,
      time: undefined,
    });
  });

  it("strips kubectl --prefix and --timestamps (prefix first), keeping pod, service and capture time", () => {
    const [u] = unwrapAll([
      `[pod/agents-7d9f8b6c5-x2kq4/agents] 2026-11-24T01:02:42.056123456Z ${APP}`,
    ]);
    expect(u).toEqual({
      text: APP,
      line: 1,
      service: "agents",
      pod: "agents-7d9f8b6c5-x2kq4",
      time: "2026-11-24T01:02:42.056123456Z",
    });
  });

  it("names the service pod/container when the container is not the workload's name", () => {
    expect(unwrapAll([`[pod/web-0/sidecar] ${APP}`])[0]?.service).toBe("web/sidecar");
  });

  it.each([
    ["agents-7d9f8b6c5-x2kq4", "agents"],
    ["db-0", "db"],
    ["node-agent-8zq2p", "node-agent"],
    ["standalone", "standalone"],
  ])("serviceFromPod(%s) = %s", (pod, service) => {
    expect(serviceFromPod(pod)).toBe(service);
  });

  it("joins CRI partial (P) lines until the final (F) piece, numbered by the first", () => {
    const out = unwrapAll([
      '2026-11-24T01:02:42.000000001Z stdout P {"msg":"a very ',
      "2026-11-24T01:02:42.000000002Z stdout P long ",
      '2026-11-24T01:02:42.000000003Z stdout F line"}',
      `2026-11-24T01:02:43.000000000Z stderr F ${APP}`,
    ]);
    expect(out.map((u) => [u.line, u.text, u.time])).toEqual([
      [1, '{"msg":"a very long line"}', "2026-11-24T01:02:42.000000001Z"],
      [4, APP, "2026-11-24T01:02:43.000000000Z"],
    ]);
  });

  it("reads Docker json-file lines and re-joins Docker's split of long lines", () => {
    const out = unwrapAll([
      JSON.stringify({
        log: '{"msg":"first half ',
        stream: "stdout",
        time: "2026-11-24T01:02:42.1Z",
      }),
      JSON.stringify({ log: 'second half"}\n', stream: "stdout", time: "2026-11-24T01:02:42.2Z" }),
      JSON.stringify({ log: `${APP}\n`, stream: "stderr", time: "2026-11-24T01:02:43.123456789Z" }),
    ]);
    expect(out.map((u) => [u.line, u.text, u.time])).toEqual([
      [1, '{"msg":"first half second half"}', "2026-11-24T01:02:42.100Z"],
      [3, APP, "2026-11-24T01:02:43.123456789Z"],
    ]);
  });

  it("strips the docker compose service prefix", () => {
    const out = unwrapAll([`agent-a-1  | ${APP}`, `planner_2 | ${APP}`]);
    expect(out.map((u) => [u.service, u.text])).toEqual([
      ["agent-a", APP],
      ["planner", APP],
    ]);
  });

  it("strips stern's `<pod> <container> ` prefix, with or without its timestamp", () => {
    const out = unwrapAll([
      `agents-7d9f8b6c5-x2kq4 agents ${APP}`,
      `worker-0 tools 2026-11-24T01:02:42.5Z ${APP}`,
    ]);
    expect(out.map((u) => [u.service, u.pod, u.time, u.text])).toEqual([
      ["agents", "agents-7d9f8b6c5-x2kq4", undefined, APP],
      ["worker/tools", "worker-0", "2026-11-24T01:02:42.500Z", APP],
    ]);
  });

  it("strips a stern prefix already seen from the inner lines of a multi-line object", () => {
    const out = unwrapAll([
      "agents-7d9f8b6c5-x2kq4 agents {",
      'agents-7d9f8b6c5-x2kq4 agents     "name": "GET"',
      "agents-7d9f8b6c5-x2kq4 agents }",
      "other-0 app     indented text of a pod never seen on a JSON line",
    ]);
    expect(out.map((u) => [u.pod, u.text])).toEqual([
      ["agents-7d9f8b6c5-x2kq4", "{"],
      ["agents-7d9f8b6c5-x2kq4", '    "name": "GET"'],
      ["agents-7d9f8b6c5-x2kq4", "}"],
      [undefined, "other-0 app     indented text of a pod never seen on a JSON line"],
    ]);
  });

  it("reads `stern -o json` lines", () => {
    const wrapped = JSON.stringify({
      message: APP,
      nodeName: "kind-control-plane",
      namespace: "default",
      podName: "planner-5b8d7c6f9-q4w7z",
      containerName: "planner",
    });
    expect(unwrapAll([wrapped])[0]).toMatchObject({
      text: APP,
      service: "planner",
      pod: "planner-5b8d7c6f9-q4w7z",
    });
  });

  it("emits a split line still open at the end of input", () => {
    const out = unwrapAll(['2026-11-24T01:02:42Z stdout P {"msg":"cut']);
    expect(out).toEqual([
      {
        text: '{"msg":"cut',
        line: 1,
        service: undefined,
        pod: undefined,
        time: "2026-11-24T01:02:42Z",
      },
    ]);
  });
});
