// The command line: argv → options → pipeline → stdout/stderr and exit code. The only place that touches process I/O.

import { createRequire } from "node:module";
import { Command, CommanderError, Option } from "commander";
import { runCorrelate } from "./correlate.js";

const require = createRequire(import.meta.url);
const { version } = require("../../package.json") as { version: string };

const EXAMPLES = `
Examples:
  $ agtrace correlate logs/*.jsonl                      # timeline of every operation in the files
  $ agtrace correlate logs/                             # a directory: *.jsonl, *.ndjson, *.json, *.log (also .gz)
  $ agtrace correlate 'ci-artifacts/**/*.log' --errors  # quoted globs are expanded by agtrace
  $ kubectl logs -l app=agents --all-containers | agtrace correlate
  $ agtrace correlate logs/ --format json | jq '.traces[0].spans'
  $ agtrace correlate logs/ --summary --sort duration --limit 20
  $ agtrace correlate logs/ --trace 4bf92f35 --width 160
  $ agtrace correlate app.log --trace-field req.tid --span-field req.sid   # in-house field names
  $ agtrace correlate logs/ --join heuristic --explain  # no trace ids: join on request_id, job_id, …
  $ agtrace correlate logs/ --ignore-keys user_id,tenant_id --attach-by-time
  $ agtrace correlate logs/ --errors --fail-on error    # CI: exit 1 when a shown operation failed
  $ kubectl logs -f -l app=agents --prefix --timestamps | agtrace correlate -f   # live, trace by trace
  $ agtrace correlate -f logs/*.jsonl --format ndjson | jq .traceId             # tail files, one JSON trace per line`;

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(",").filter(Boolean)];
}

export function buildProgram(): Command {
  const program = new Command("agtrace")
    .description("Rebuild per-operation traces from the JSON logs of several agents or services.")
    .version(version, "-V, --version")
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText("after", `\nRun "agtrace correlate --help" for the options.\n${EXAMPLES}`);

  program
    .command("correlate")
    .description(
      "group log records into traces by their trace/span ids and print each operation's timeline",
    )
    .argument("[inputs...]", "files, directories or quoted globs; `-` or nothing reads stdin")
    .addOption(
      new Option(
        "--format <format>",
        "text timeline, the JSON document, or one JSON trace per line",
      )
        .choices(["text", "json", "ndjson"])
        .default("text"),
    )
    .option(
      "-f, --follow",
      "keep reading (tail files, stream stdin); print each trace when it completes",
    )
    .option(
      "--idle <duration>",
      "with --follow: a trace is complete after this long without records",
      "5s",
    )
    .option(
      "--max-wait <duration>",
      "with --follow: print a trace at the latest this long after its first record",
      "60s",
    )
    .option(
      "--max-open <n>",
      "with --follow: finish the oldest traces early beyond this many open",
      "10000",
    )
    .option("--summary", "print only the table of traces")
    .option("--no-records", "waterfall only, without the log lines under each span")
    .option("--width <columns>", "output width (default: terminal width or $COLUMNS, at least 80)")
    .option("--no-color", "no colours (also when NO_COLOR is set or stdout is not a terminal)")
    .option(
      "--trace <prefix>",
      "only traces whose id starts with this (repeatable, comma-separated)",
      collect,
    )
    .option(
      "--service <name>",
      "only traces that touch this service (repeatable, comma-separated)",
      collect,
    )
    .option("--errors", "only traces with an error")
    .option("--min-duration <duration>", "only traces at least this long (500ms, 2s, 1m)")
    .option(
      "--since <time>",
      "only traces still running at or after this time (RFC 3339, or relative: 15m)",
    )
    .option("--until <time>", "only traces started at or before this time")
    .addOption(
      new Option("--sort <key>", "order of traces")
        .choices(["start", "duration", "errors"])
        .default("start"),
    )
    .option("--limit <n>", "show at most n traces")
    .addOption(
      new Option("--fail-on <condition>", "exit 1 when a shown trace matches (CI)").choices([
        "error",
      ]),
    )
    .addOption(
      new Option(
        "--join <mode>",
        "auto: trace ids, then shared business ids for the rest; ids or heuristic: only one; off: no grouping",
      )
        .choices(["auto", "ids", "heuristic", "off"])
        .default("auto"),
    )
    .option(
      "--window <duration>",
      "heuristic join: a pause this long ends an operation (default: from the data)",
    )
    .option(
      "--join-keys <fields>",
      "heuristic join on these fields only (comma-separated)",
      collect,
    )
    .option("--ignore-keys <fields>", "never join on these fields (comma-separated)", collect)
    .option(
      "--attach-by-time",
      "records without any id join what their process/thread was doing at that moment",
    )
    .option(
      "--explain",
      "say which keys joined each operation and which candidate keys were rejected",
    )
    .option("--trace-field <path>", "field holding the trace id (dotted path, e.g. ctx.trace)")
    .option("--span-field <path>", "field holding the span id")
    .option("--parent-field <path>", "field holding the parent span id")
    .option("--time-field <path>", "field holding the record time")
    .option("--service-field <path>", "field holding the service name")
    .option("--message-field <path>", "field holding the message")
    .addHelpText("after", EXAMPLES)
    .action(async (inputs: string[], raw: Record<string, unknown>) => {
      process.exitCode = await runCorrelate(inputs, raw, {
        stdin: process.stdin,
        stdout: process.stdout,
        stderr: process.stderr,
        env: process.env,
      });
    });
  return program;
}

export async function main(argv: string[]): Promise<void> {
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    // `agtrace … | head`: the reader left; stop quietly.
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
  const program = buildProgram();
  program.exitOverride();
  for (const c of program.commands) c.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; every other parse error is a usage error.
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    process.stderr.write(`agtrace: internal error: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 2;
  }
}
