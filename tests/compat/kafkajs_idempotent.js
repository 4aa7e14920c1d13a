// kafkajs's idempotent producer (InitProducerId, sequence numbers per partition) against
// laminar-broker: three sends of 100 messages over three partitions, in order.
const { Kafka, logLevel } = require('kafkajs');

async function main() {
  const kafka = new Kafka({ clientId: 'laminar-compat', brokers: [process.argv[2]],
                            logLevel: logLevel.NOTHING, retry: { retries: 3 } });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'kafkajs.idempotent', numPartitions: 3 }] });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const results = [];
  for (let round = 0; round < 3; round++) {
    const messages = [];
    for (let i = round * 100; i < (round + 1) * 100; i++) {
      messages.push({ key: `k${i}`, value: `js-${i}`, partition: i % 3 });
    }
    results.push(...await producer.send({ topic: 'kafkajs.idempotent', messages, acks: -1 }));
  }
  await producer.disconnect();
  console.log(JSON.stringify(results));
}

main().catch((error) => { console.error(error); process.exit(1); });
