// What decoding remembers from record to record: one per run (src/ingest), never module-level, so
// two runs in one process share nothing and each cache is let go with its run.
import { TimeMemo } from "../util/instant.js";
import { NameKinds } from "./join-keys.js";
import { PathMemo } from "./lookup.js";
import { ShapeMemo } from "./shape.js";

export class DecodeMemo {
  /** The last date-time head parsed and the last instant handed out (instant.ts). */
  readonly time = new TimeMemo();
  /** Field names from the options, prepared for lookups (lookup.ts). */
  readonly paths = new PathMemo();
  /** Field name → what it says for the join (join-keys.ts). */
  readonly names = new NameKinds();
  /** Record shapes → the fields they can hold (shape.ts). */
  readonly shapes = new ShapeMemo();
}
