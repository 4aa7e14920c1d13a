// kafkajs consumer groups against laminar-broker: two consumers (eachMessage) share a 6-partition
// topic and consume 20,000 records exactly once; then the admin group APIs (describeGroups,
// listGroups, fetchOffsets, resetOffsets, deleteGroups) and consumer.seek. Prints one JSON report.
const { Kafka, logLevel } = require('kafkajs');

const TOPIC = 'kafkajs.groups';
const GROUP = 'kafkajs-group';
const COUNT = 20000;
const PARTITIONS = 6;

function waitFor(predicate, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (predicate()) { clearInterval(timer); resolve(); }
      else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, 50);
  });
}

async function main() {
  const kafka = new Kafka({ clientId: 'laminar-compat', brokers: [process.argv[2]],
                            logLevel: logLevel.ERROR, retry: { retries: 5 } });
  const report = {};
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });

  const seen = new Map();  // "partition:offset" -> times consumed
  const byConsumer = [0, 0];
  const consumers = [0, 1].map(() => kafka.consumer({ groupId: GROUP, sessionTimeout: 10000,
                                                       heartbeatInterval: 1000 }));
  const joins = [null, null];  // each member's latest GROUP_JOIN: generation, partitions
  for (const [index, consumer] of consumers.entries()) {
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const partitions = Object.values(payload.memberAssignment || {})
        .reduce((total, list) => total + list.length, 0);
      joins[index] = { generation: payload.generationId, partitions };
    });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const key = `${partition}:${message.offset}`;
        seen.set(key, (seen.get(key) || 0) + 1);
        byConsumer[index] += 1;
      },
    });
  }
  // Both members must hold partitions (same generation) before anything is produced, so the
  // check that both consumed does not depend on how fast the second one joins.
  await waitFor(() => joins.every((join) => join && join.generation === joins[0].generation &&
                                            join.partitions > 0), 60000, 'both members assigned');
  const producer = kafka.producer();
  await producer.connect();
  for (let batch = 0; batch < COUNT; batch += 1000) {
    const messages = [];
    for (let i = batch; i < batch + 1000; i++) {
      messages.push({ value: `m${i}`, partition: i % PARTITIONS });
    }
    await producer.send({ topic: TOPIC, messages, acks: -1 });
  }
  await producer.disconnect();

  await waitFor(() => seen.size >= COUNT, 90000, 'every record');
  // Let the consumers commit what they processed (autoCommitInterval default 5 s, or on stop).
  const described = await admin.describeGroups([GROUP]);
  const group = described.groups[0];
  report.describe = { state: group.state, protocolType: group.protocolType,
                      protocol: group.protocol, members: group.members.length,
                      errorCode: group.errorCode };
  report.listed = (await admin.listGroups()).groups.filter((g) => g.groupId === GROUP);
  for (const consumer of consumers) await consumer.disconnect();
  report.consumed = seen.size;
  report.duplicates = [...seen.values()].filter((times) => times !== 1).length;
  report.byConsumer = byConsumer;
  report.committed = (await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] }))[0]
    .partitions.map((p) => [p.partition, p.offset]).sort((a, b) => a[0] - b[0]);
  report.emptyState = (await admin.describeGroups([GROUP])).groups[0].state;

  await admin.resetOffsets({ groupId: GROUP, topic: TOPIC, earliest: true });
  report.afterReset = (await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] }))[0]
    .partitions.map((p) => [p.partition, p.offset]).sort((a, b) => a[0] - b[0]);

  // seek: a new member of the (reset) group starts partition 0 at offset 100, not 0.
  const seeker = kafka.consumer({ groupId: GROUP, sessionTimeout: 10000, heartbeatInterval: 1000 });
  await seeker.connect();
  await seeker.subscribe({ topic: TOPIC, fromBeginning: true });
  const firstOffsets = new Map();
  let sought = false;
  await seeker.run({
    eachMessage: async ({ partition, message }) => {
      if (!sought) return;
      if (!firstOffsets.has(partition)) firstOffsets.set(partition, message.offset);
    },
  });
  seeker.seek({ topic: TOPIC, partition: 0, offset: '100' });
  sought = true;
  await waitFor(() => firstOffsets.has(0), 30000, 'a record after the seek');
  report.afterSeek = firstOffsets.get(0);
  await seeker.disconnect();

  report.deleted = await admin.deleteGroups([GROUP]);
  report.listedAfterDelete = (await admin.listGroups()).groups.filter((g) => g.groupId === GROUP);
  await admin.disconnect();
  console.log(JSON.stringify(report));
}

main().catch((error) => { console.error(error); process.exit(1); });
