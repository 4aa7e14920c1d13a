// Shared by the platformatic_*.js scripts (test_platformatic.py): client options, waiting on a
// condition, Kafka error codes out of the client's errors, and JSON with bigints and buffers.
const { Admin, Producer, Consumer } = require('@platformatic/kafka');

function options(bootstrap, extra = {}) {
  // Short retry delays: the scripts assert the error a request ends with, so a retriable error
  // (UNKNOWN_TOPIC_OR_PARTITION) must not cost the client's default 3 x 1 s.
  return { clientId: 'laminar-compat', bootstrapBrokers: [bootstrap], retries: 2, retryDelay: 100,
           timeout: 10000, ...extra };
}

const admin = (bootstrap, extra) => new Admin(options(bootstrap, extra));
const producer = (bootstrap, extra) => new Producer(options(bootstrap, extra));
const consumer = (bootstrap, extra) => new Consumer(options(bootstrap, extra));

function waitFor(predicate, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = () => {
      if (predicate()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(check, 20);
    };
    check();
  });
}

// The Kafka error names and codes inside one of the client's errors (a ResponseError holds one
// ProtocolError per failed entry, with the entry's path in the response, e.g. /topics/1;
// MultipleErrors nest): [[name, code, path or null], ...] sorted, or the
// client's own error code (e.g. PLT_KFK_USER) with its message where no broker error is inside.
function kafkaErrors(error) {
  const found = [];
  const walk = (e) => {
    if (!e) return;
    if (e.apiId !== undefined && e.apiCode !== undefined) found.push([e.apiId, e.apiCode, e.path ?? null]);
    for (const inner of e.errors || []) walk(inner);
    if (e.cause) walk(e.cause);
  };
  walk(error);
  if (found.length === 0) return { client: error.code || String(error), message: error.message };
  const unique = [...new Set(found.map((pair) => JSON.stringify(pair)))].map((s) => JSON.parse(s));
  return unique.sort();
}

// Runs `promise`; { ok: value } or { error: kafkaErrors(error) }.
async function outcome(promise) {
  try {
    return { ok: await promise };
  } catch (error) {
    return { error: kafkaErrors(error) };
  }
}

// JSON for the report: bigints as strings, buffers as hex, null as null, Maps as entry lists.
function plain(value) {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (Buffer.isBuffer(value)) return { hex: value.toString('hex') };
  if (value instanceof Map) return [...value.entries()].map(([k, v]) => [plain(k), plain(v)]);
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

// Resolves once the line is written: the scripts exit right after, and a pipe is asynchronous.
function report(object) {
  return new Promise((resolve) => process.stdout.write(`${JSON.stringify(plain(object))}\n`, resolve));
}

function main(body) {
  // A hung client must fail the test, not hang it: the Python side also has a timeout.
  const guard = setTimeout(() => { console.error('script timed out'); process.exit(2); }, 60000);
  body(process.argv[2])
    .then(() => { clearTimeout(guard); process.exit(0); })
    .catch((error) => { console.error(error); process.exit(1); });
}

module.exports = { admin, producer, consumer, waitFor, kafkaErrors, outcome, plain, report, main };
