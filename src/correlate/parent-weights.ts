// The parent choice's weights, one per feature (PARENT_FEATURES in infer-parents.ts, same order). Fitted by
// `npm run train:parents -- --write` (eval/train-parents.mjs): a conditional logit over each span's
// candidate parents in the `ids` logs of billing-invoices, celery-reports, chat-sessions, doc-ingest-etl, fixtures/node-multi, fixtures/three-services, order-workflows, search-suggest, checked
// by leave-one-system-out. Not edited by hand.
export const PARENT_WEIGHTS: readonly number[] = [
  0.1682, // open when it begins
  0.388, // contains it
  0.2039, // same service
  0.3121, // its service calls this one
  0.0972, // its last line before announces a call
  0.1436, // logged just before
  -0.3739, // the root
  -0.0505, // same service, and it begins like an incoming call
  0.1174, // begins after it
  -0.3701, // finished before it began
  0.2586, // logged last before it, of all candidates
  0.0815, // begins like an incoming call
  0.1316, // the rules' choice
  0.6628, // the latest to begin of those containing it
  0.4791, // the latest to begin of those open when it begins
  -0.2814, // a single line: its end unknown
  -0.1243, // the latest of its own service to begin before it
  0.3034, // it is internal work, this the latest incoming call of its service before it
];
