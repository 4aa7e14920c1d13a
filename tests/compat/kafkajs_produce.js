// kafkajs's producer (gzip-compressed batches, keys, two partitions) against laminar-broker.
const { Kafka, logLevel, CompressionTypes } = require('kafkajs');

async function main() {
  const kafka = new Kafka({ clientId: 'laminar-compat', brokers: [process.argv[2]],
                            logLevel: logLevel.NOTHING, retry: { retries: 3 } });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'kafkajs.produced', numPartitions: 2 }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  const messages = [];
  for (let i = 0; i < 100; i++) messages.push({ key: `k${i}`, value: `js-${i}`, partition: i % 2 });
  const result = await producer.send({ topic: 'kafkajs.produced', messages, acks: -1,
                                       compression: CompressionTypes.GZIP });
  await producer.disconnect();
  console.log(JSON.stringify(result));
}

main().catch((error) => { console.error(error); process.exit(1); });
