// @platformatic/kafka produces records with keys, values, headers and timestamps to a 3-partition
// topic, once per compression codec the client has (zstd only where node's zlib has it), and a
// consumer reads them all back from the earliest offset; then an idempotent producer. Prints the records as sent (with the
// offsets the broker assigned) and as consumed, for exact comparison in test_platformatic.py.
const crypto = require('node:crypto');
const zlib = require('node:zlib');
const { admin, producer, consumer, waitFor, report, main } = require('./platformatic_common');

const TOPIC = 'plat.records';
const PARTITIONS = 3;
const PER_CODEC = 12;

function records(codec, codecIndex) {
  const base = 1700000000000n + BigInt(codecIndex) * 100000n;
  const out = [];
  for (let i = 0; i < PER_CODEC; i++) {
    let key = Buffer.from(`${codec}-key-${i}`);
    let value = Buffer.from(`${codec} value ${i} `.repeat(1 + i * 40));  // compressible
    if (i === 1) key = null;                                   // no key
    if (i === 2) value = null;                                 // a tombstone
    if (i === 3) { key = Buffer.alloc(0); value = Buffer.alloc(0); }  // empty, not null
    if (i === 4) value = Buffer.from([...Array(256).keys()]);  // every byte value
    if (i === 5) value = crypto.randomBytes(64 * 1024);        // incompressible, 64 KiB
    const headers = new Map();
    if (i % 2 === 0) {
      headers.set(Buffer.from('source'), Buffer.from(codec));
      headers.set(Buffer.from('index'), Buffer.from(String(i)));
    }
    if (i === 6) {
      headers.set(Buffer.from('empty'), Buffer.alloc(0));
      headers.set(Buffer.from('null'), null);
      headers.set(Buffer.from('dup'), Buffer.from('first'));
      headers.set(Buffer.from('dup'), Buffer.from('second'));  // a distinct Buffer key: kept
    }
    // Timestamps not in order within a batch: record 7 is before the batch's first record.
    const timestamp = i === 7 ? base - 5000n : base + BigInt(i) * 37n;
    out.push({ topic: TOPIC, partition: i % PARTITIONS, key, value, headers, timestamp });
  }
  return out;
}

const view = (r) => ({
  partition: r.partition, offset: r.offset, key: r.key, value: r.value,
  headers: [...r.headers.entries()], timestamp: r.timestamp,
});

main(async (bootstrap) => {
  const admins = admin(bootstrap);
  await admins.createTopics({ topics: [TOPIC], partitions: PARTITIONS, replicas: 1 });
  await admins.close();

  const zstd = typeof zlib.zstdCompressSync === 'function';
  const codecs = ['none', 'gzip', 'snappy', 'lz4', ...(zstd ? ['zstd'] : [])];
  const client = producer(bootstrap, { acks: -1 });
  const sent = [];
  const next = new Map();  // partition -> next offset expected from the broker
  const baseOffsets = [];
  for (const [index, codec] of codecs.entries()) {
    const batch = records(codec, index);
    const result = await client.send({ messages: batch, compression: codec });
    const bases = new Map(result.offsets.map((o) => [o.partition, o.offset]));
    baseOffsets.push({ codec, bases: [...bases.entries()].sort((a, b) => a[0] - b[0]) });
    const ordinal = new Map();
    for (const record of batch) {
      const k = ordinal.get(record.partition) || 0;
      ordinal.set(record.partition, k + 1);
      sent.push(view({ ...record, offset: bases.get(record.partition) + BigInt(k) }));
    }
    for (const [partition, count] of ordinal) {
      next.set(partition, (next.get(partition) || 0n) + BigInt(count));
    }
  }
  await client.close();

  // An idempotent producer (InitProducerId, then sequences per partition) on its own topic.
  const idempotent = producer(bootstrap, { idempotent: true });
  const sends = [];
  for (let round = 0; round < 3; round++) {
    const result = await idempotent.send({ messages: [0, 1, 2].map((i) => ({
      topic: 'plat.idempotent', partition: 0, value: Buffer.from(`i-${round}-${i}`) })),
    autocreateTopics: true });
    sends.push(result.offsets.map((o) => [o.partition, o.offset]));
  }
  const producerInfo = { idIsSet: idempotent.producerId >= 0n, epoch: idempotent.producerEpoch };
  await idempotent.close();

  const reader = consumer(bootstrap, { groupId: 'plat-produce-reader', maxWaitTime: 200,
                                       heartbeatInterval: 500, sessionTimeout: 10000 });
  const stream = await reader.consume({ topics: [TOPIC], mode: 'earliest', autocommit: false });
  const consumed = [];
  stream.on('data', (message) => consumed.push({ topic: message.topic, ...view(message) }));
  await waitFor(() => consumed.length >= sent.length, 20000, 'every record');
  const latest = await reader.listOffsets({ topics: [TOPIC] });
  await stream.close();
  await reader.close(true);

  await report({
    codecs, zstd, baseOffsets, sent, consumed,
    consumedTopics: [...new Set(consumed.map((r) => r.topic))],
    latest: latest.get(TOPIC),
    idempotent: { sends, producerInfo },
  });
});
