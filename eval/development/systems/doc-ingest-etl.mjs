// Development system 1: document-ingestion ETL (RAG indexing pipeline).
//   uploader -[ingest.requested]-> splitter (GET blob back from uploader) -[chunks.embed.p0|p1]-> embed-worker-0|1
//   embed-worker -> embedding-api (HTTP, 429 + backoff) ; embed-worker -[chunks.embedded]-> indexer
//   indexer: batch commit (fan-in, root span with links) -> PATCH uploader /v1/jobs/:id (callback, op done)
import { STD_TRACE_FIELDS, readStd, backoff, errObj } from '../../validation/generator/lib/common.mjs';

const TENANTS = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'soylent'];
const COLLECTIONS = {
  acme: ['col_hr_policies', 'col_contracts', 'col_support_kb'],
  globex: ['col_research'], initech: ['col_tps_reports', 'col_wiki'],
  umbrella: ['col_lab_notes'], hooli: ['col_wiki', 'col_legal'], soylent: ['col_recipes'],
};
const GCP_TRACE = 'logging.googleapis.com/trace';
const GCP_SPAN = 'logging.googleapis.com/spanId';
const GCP_SAMPLED = 'logging.googleapis.com/trace_sampled';
const GCP_PROJECT = 'projects/ml-platform-prod/traces/';

function embedWorker(partition) {
  return async (rt) => {
    const bunyan = rt.require('bunyan');
    const log = rt.wrap(bunyan.createLogger({ name: 'embedder', partition, streams: [{ stream: process.stdout, level: 'debug' }] }), 'bunyan');
    const topic = `chunks.embed.p${partition}`;
    log.info({ topic, model: 'text-embedding-3-small', max_attempts: 4 }, 'embed worker consuming');
    rt.subscribe(topic, async (m) => {
      const rng = rt.rng(`embed-${m.chunk_id}`);
      const f = { job: m.job, chunk_id: m.chunk_id, tenant: m.tenant, collection: m.collection };
      log.debug({ ...f, tokens: m.tokens }, 'chunk received');
      const throttled = rng.chance(0.14) ? rng.int(1, 4) : 0; // 4 = every attempt throttled, chunk skipped
      let vector = null;
      for (let attempt = 1; attempt <= 4; attempt++) {
        try {
          vector = await rt.call('embedding-api', 'POST', '/v1/embeddings', { input_id: m.chunk_id, org: m.tenant, tokens: m.tokens, _sim: { throttle: attempt <= throttled, ms: rng.int(40, 260) } });
          break;
        } catch (e) {
          if (attempt === 4) { log.error({ ...f, attempt, err: errObj(e) }, 'embedding failed, chunk skipped'); break; }
          const wait = backoff(rng, 150, attempt);
          log.warn({ ...f, attempt, status: e.status, retry_after_ms: wait }, 'embedding throttled, backing off');
          await rt.sleep(wait);
        }
      }
      if (vector) log.info({ ...f, dims: vector.dims, request_id: vector.request_id }, 'chunk embedded');
      await rt.publish('chunks.embedded', { job: m.job, chunk_id: m.chunk_id, collection: m.collection, tenant: m.tenant, of: m.of, ok: !!vector });
    });
  };
}

const system = {
  name: 'doc-ingest-etl',
  seed: 5101,
  ops: 140,
  inFlight: [7, 13],
  arrivalMaxMs: 160,
  entry: 'uploader',
  asyncDone: true,
  settleMs: 3000,
  brokenService: 'embedding-api',
  mixedStrip: ['splitter', 'indexer'],
  topics: {
    'ingest.requested': ['splitter'],
    'chunks.embed.p0': ['embed-worker-0'],
    'chunks.embed.p1': ['embed-worker-1'],
    'chunks.embedded': ['indexer'],
  },
  services: [
    { name: 'uploader', logger: 'pino epoch ms' },
    { name: 'splitter', logger: 'winston json + timestamp' },
    { name: 'embed-worker-0', logger: 'bunyan 1.8' },
    { name: 'embed-worker-1', logger: 'bunyan 1.8' },
    { name: 'embedding-api', logger: 'console JSON, Google Cloud Logging keys' },
    { name: 'indexer', logger: 'pino isoTime, camelCase trace keys', instrumentation: { pino: { logKeys: { traceId: 'traceId', spanId: 'spanId', traceFlags: 'traceFlags' } } } },
  ],
  traceFields(svc) {
    if (svc === 'embedding-api') return [[GCP_TRACE], [GCP_SPAN], [GCP_SAMPLED]];
    if (svc === 'indexer') return ['traceId', 'spanId', 'traceFlags'];
    return STD_TRACE_FIELDS;
  },
  readIds(svc, o) {
    if (svc === 'embedding-api') return typeof o[GCP_TRACE] === 'string' ? { traceId: o[GCP_TRACE].slice(GCP_PROJECT.length), spanId: o[GCP_SPAN] } : null;
    if (svc === 'indexer') return typeof o.traceId === 'string' ? { traceId: o.traceId, spanId: o.spanId } : null;
    return readStd(o);
  },
  writesIds() { return true; },

  schedule(rng, nOps) {
    const ops = [];
    for (let n = 1; n <= nOps; n++) {
      const tenant = rng.hot(TENANTS, 0.45);
      const collection = rng.pick(COLLECTIONS[tenant]);
      const ext = rng.hot(['pdf', 'docx', 'md', 'html', 'txt'], 0.5);
      ops.push({
        op: `op-${String(n).padStart(4, '0')}`,
        request: {
          method: 'POST', path: `/v1/collections/${collection}/documents`, headers: { 'x-tenant-id': tenant },
          body: { filename: `${rng.b32(8)}.${ext}`, bytes: rng.int(4000, 900000), pages: rng.int(1, 40), _sim: { chunks: rng.int(2, 11), corrupt: rng.chance(0.05) } },
        },
      });
    }
    return ops;
  },

  run: {
    async uploader(rt) {
      const pino = rt.require('pino');
      const log = rt.wrap(pino({ level: 'debug', name: 'uploader' }, pino.destination({ dest: 1, sync: true })), 'pino');
      let nextJob = 58000;
      const jobs = new Map(); // job_id -> { upload_id, ... }
      log.info({ port: rt.ports.uploader, bucket: 's3://ingest-staging' }, 'uploader listening');
      await rt.serve({
        'POST /v1/collections/:collection/documents': async ({ params, body, headers }) => {
          const rng = rt.rng('upload');
          const jobId = ++nextJob;
          const uploadId = rng.uuid();
          const f = { job_id: jobId, tenant_id: headers['x-tenant-id'], collection_id: params.collection };
          jobs.set(jobId, { uploadId, body });
          log.info({ ...f, upload_id: uploadId, filename: body.filename, bytes: body.bytes }, 'document received');
          await rt.span('blob.put', () => rt.sleep(rng.int(10, 60)));
          log.debug({ ...f, upload_id: uploadId, key: `${f.tenant_id}/${uploadId}` }, 'blob stored');
          await rt.publish('ingest.requested', { job_id: jobId, upload_id: uploadId, tenant: f.tenant_id, collection: params.collection, filename: body.filename, _sim: body._sim });
          log.info(f, 'ingest job queued');
          return { status: 202, body: { job_id: jobId } };
        },
        'GET /v1/blobs/:upload': async ({ params }) => {
          log.debug({ upload_id: params.upload }, 'blob download');
          return { ok: true };
        },
        'PATCH /v1/jobs/:id': async ({ params, body }) => {
          const jobId = Number(params.id);
          const lvl = body.status === 'failed' ? 'warn' : 'info';
          log[lvl]({ job_id: jobId, status: body.status, chunks_indexed: body.chunks_indexed, chunks_skipped: body.chunks_skipped, reason: body.reason }, 'ingest job finished');
          jobs.delete(jobId);
          rt.done();
          return { ok: true };
        },
      });
    },

    async splitter(rt) {
      const winston = rt.require('winston');
      const log = rt.wrap(winston.createLogger({ level: 'debug', defaultMeta: { svc: 'splitter' }, format: winston.format.combine(winston.format.timestamp(), winston.format.json()), transports: [new winston.transports.Console()] }), 'winston');
      log.info({ strategy: 'recursive-char', chunk_tokens: 512, overlap: 64 }, 'splitter consuming ingest.requested');
      rt.subscribe('ingest.requested', async (m) => {
        const rng = rt.rng('split');
        const f = { ingestJob: m.job_id, tenant: m.tenant, collection: m.collection };
        log.info({ ...f, file: m.filename }, 'splitting document');
        await rt.call('uploader', 'GET', `/v1/blobs/${m.upload_id}`);
        await rt.sleep(rng.int(30, 200));
        if (m._sim.corrupt) {
          log.error({ ...f, error: 'PDFSyntaxError: xref table not found' }, 'document could not be parsed');
          await rt.call('uploader', 'PATCH', `/v1/jobs/${m.job_id}`, { status: 'failed', reason: 'parse_error' });
          return;
        }
        const n = m._sim.chunks;
        const docSha = rng.hex(12);
        log.info({ ...f, docSha, chunkCount: n }, 'document split');
        for (let i = 0; i < n; i++) {
          const chunkId = `${m.job_id}:${i}`;
          await rt.publish(`chunks.embed.p${i % 2}`, { job: m.job_id, chunk_id: chunkId, of: n, tenant: m.tenant, collection: m.collection, tokens: rng.int(80, 512) });
        }
        log.debug({ ...f, partitions: n > 1 ? 2 : 1 }, 'chunk jobs published');
      });
    },

    'embed-worker-0': embedWorker(0),
    'embed-worker-1': embedWorker(1),

    async 'embedding-api'(rt) {
      // bare console logger in Google Cloud Logging's structured format, writing the trace itself
      const write = (level, fields, msg) => {
        const sc = rt.activeIds();
        const rec = { severity: level.toUpperCase(), time: new Date().toISOString(), message: msg, ...fields };
        if (sc) { rec[GCP_TRACE] = GCP_PROJECT + sc.traceId; rec[GCP_SPAN] = sc.spanId; rec[GCP_SAMPLED] = (sc.traceFlags & 1) === 1; }
        console.log(JSON.stringify(rec));
      };
      const log = rt.wrap(null, write);
      log.info({ model: 'text-embedding-3-small', replicas: 2 }, 'embedding server ready');
      let inflight = 0;
      await rt.serve({
        'POST /v1/embeddings': async ({ body }) => {
          const rng = rt.rng(`emb-${body.input_id}-${inflight}`);
          const requestId = 'emb-' + rng.hex(10);
          inflight++;
          try {
            if (body._sim.throttle) {
              log.warn({ request_id: requestId, org: body.org, input_id: body.input_id, queue_depth: inflight }, 'rate limited');
              return { status: 429, body: { error: { message: 'rate limit exceeded for org', code: 'rate_limit' } } };
            }
            log.info({ request_id: requestId, org: body.org, input_id: body.input_id, tokens: body.tokens }, 'embedding request');
            await rt.sleep(body._sim.ms);
            log.debug({ request_id: requestId, latency_ms: body._sim.ms }, 'embedding done');
            return { request_id: requestId, dims: 1536 };
          } finally { inflight--; }
        },
      });
    },

    async indexer(rt) {
      const pino = rt.require('pino');
      const log = rt.wrap(pino({ level: 'debug', messageKey: 'message', base: { service: 'indexer' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: 1, sync: true })), 'pino');
      const { api } = rt;
      const jobs = new Map(); // job -> { op, of, seen, ok }
      let buf = [];
      let timer = null;
      let seq = 0;
      let flushing = Promise.resolve();
      const flush = () => { flushing = flushing.then(doFlush); return flushing; };
      const doFlush = async () => {
        clearTimeout(timer); timer = null;
        const batch = buf; buf = [];
        if (!batch.length) return;
        const batchSeq = ++seq;
        const rng = rt.rngFor(`batch-${batchSeq}`, 'commit');
        const segment = `seg_${String(batchSeq).padStart(5, '0')}`;
        const links = batch.map((b) => ({ context: b.sc })).filter((l) => l.context);
        await api.context.with(api.ROOT_CONTEXT, () => rt.span('index.commit_batch', async () => {
          const jobIds = [...new Set(batch.map((b) => b.m.job))];
          log.info({ batch_seq: batchSeq, segment, chunks: batch.length, job_ids: jobIds }, 'committing batch', { op: null });
          await rt.sleep(rng.int(20, 120));
          if (rng.chance(0.1)) {
            log.warn({ batch_seq: batchSeq, segment, error: 'segment lock held by merge' }, 'commit conflict, retrying', { op: null });
            await rt.sleep(rng.int(100, 300));
          }
          log.info({ batch_seq: batchSeq, segment, chunks: batch.length }, 'batch committed', { op: null });
          for (const b of batch) {
            const j = jobs.get(b.m.job);
            j.committed++;
            if (j.committed === j.of && !j.finished) {
              j.finished = true;
              await rt.withOp(j.op, () => rt.span('index.finalize_document', async () => {
                log.info({ collection_id: b.m.collection, job_id: b.m.job, chunks_indexed: j.ok, chunks_skipped: j.of - j.ok, segment }, 'document searchable');
                await rt.call('uploader', 'PATCH', `/v1/jobs/${b.m.job}`, { status: j.ok === j.of ? 'indexed' : 'partial', chunks_indexed: j.ok, chunks_skipped: j.of - j.ok }).catch((e) => log.error({ job_id: b.m.job, err: errObj(e) }, 'status callback failed'));
              }));
            }
          }
        }, { kind: api.SpanKind.CONSUMER, links }));
      };
      log.info({ max_batch: 8, max_wait_ms: 900 }, 'indexer consuming chunks.embedded');
      rt.subscribe('chunks.embedded', async (m) => {
        await rt.span('chunks.embedded process', async () => {
          const j = jobs.get(m.job) || { op: rt.op(), of: m.of, ok: 0, committed: 0, finished: false };
          jobs.set(m.job, j);
          if (m.ok) j.ok++;
          log.debug({ collection_id: m.collection, job_id: m.job, chunk_id: m.chunk_id, embedded: m.ok }, 'chunk staged');
          buf.push({ m, sc: api.trace.getSpanContext(api.context.active()) });
        }, { kind: api.SpanKind.CONSUMER, ctx: api.context.active() });
        if (buf.length >= 8) flush();
        else if (!timer) timer = setTimeout(flush, 900);
      }, { raw: true });
      rt.onShutdown(flush);
    },
  },

  readme: `
# doc-ingest-etl (development system)

Imitates a RAG **document-ingestion pipeline**: an **uploader** API accepts a document for a tenant's collection
and queues an ingest job (numeric \`job_id\`, 58001, 58002, …); a **splitter** downloads the blob back from the
uploader, splits it into 2–11 chunks and publishes one chunk job per chunk to two partitions (fan-out);
two **embed workers** (one per partition, the same code) call an **embedding-api** that throttles (HTTP 429)
and retry with exponential backoff (same \`chunk_id\`, new \`attempt\`; a chunk throttled 4 times is skipped);
each embedded chunk goes to the **indexer**, which commits chunks **in batches** of up to 8 (or after 900 ms)
from any job and collection (fan-in: \`index.commit_batch\` is a root span with links to the chunks' consumer
spans). When the last chunk of a document is committed the indexer calls the uploader back
(\`PATCH /v1/jobs/:id\`), which ends the operation.

Topology:

    uploader --[ingest.requested]--> splitter --GET /v1/blobs/:id--> uploader
    splitter --[chunks.embed.p0 | chunks.embed.p1]--> embed-worker-0 | embed-worker-1 --HTTP--> embedding-api
    embed-worker-* --[chunks.embedded]--> indexer (batched commit) --PATCH /v1/jobs/:id--> uploader

- One operation = one \`POST /v1/collections/:collection/documents\` (answered 202 at once; the operation ends
  with the callback). ~5 % of documents fail to parse (splitter logs an error and calls the uploader back with
  \`status: failed\`); ~14 % of chunks are throttled 1–4 times.
- Batch lines "committing batch", "commit conflict, retrying" and "batch committed" belong to no operation
  (\`op: null\`, in the batch span); "document searchable" has its document's op (child span
  \`index.finalize_document\` of the batch span, so in the batch's trace) and so does the uploader's callback.
- Hot ids: tenant \`acme\` (~45 % of documents), shared collections (\`col_wiki\` in two tenants).

| service | logger | trace keys | business id names |
|---|---|---|---|
| uploader | pino 10 epoch ms, \`name: uploader\` | \`trace_id\`, \`span_id\`, \`trace_flags\` | \`job_id\` (number), \`tenant_id\`, \`collection_id\`, \`upload_id\` (UUID) |
| splitter | winston 3 json + timestamp, \`svc\` meta | same | \`ingestJob\` (number), \`tenant\`, \`collection\`, \`docSha\` |
| embed-worker-0/1 | bunyan 1.8, \`name: embedder\`, \`partition\` | same | \`job\` (number), \`chunk_id\` (\`58012:3\`), \`tenant\`, \`collection\`, \`attempt\` |
| embedding-api | bare \`console.log(JSON.stringify())\`, Google Cloud Logging shape (\`severity\`, ISO \`time\`, \`message\`) | \`logging.googleapis.com/trace\` = \`projects/ml-platform-prod/traces/<hex>\`, \`logging.googleapis.com/spanId\`, \`…/trace_sampled\` | \`request_id\` (\`emb-\`+hex), \`input_id\` (= chunk_id), \`org\` (= tenant) |
| indexer | pino 10 isoTime, \`messageKey: message\` | camelCase \`traceId\`, \`spanId\`, \`traceFlags\` (instrumentation-pino \`logKeys\`) | \`job_id\`, \`chunk_id\`, \`collection_id\`, \`batch_seq\`, \`segment\`, \`job_ids\` (array) |

Variants: \`ids\` as written; \`stripped\` all trace keys removed; \`broken\` = a real run where **embedding-api**
ignores incoming trace context (a fresh trace per request, including throttled ones); \`mixed\` = ids with the
trace keys removed from **splitter** and **indexer** only.

Regenerate: \`cd eval/validation/generator && npm ci && npm run generate -- doc-ingest-etl --out ../../development\`.
`,
};
export default system;
