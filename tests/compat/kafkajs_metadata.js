// kafkajs against laminar-broker: cluster description and topic metadata (auto-created).
// Prints one JSON line for test_metadata.py to check.
const { Kafka, logLevel } = require('kafkajs');

async function main() {
  const kafka = new Kafka({ clientId: 'laminar-compat', brokers: [process.argv[2]],
                            logLevel: logLevel.NOTHING, retry: { retries: 3 } });
  const admin = kafka.admin();
  await admin.connect();
  const cluster = await admin.describeCluster();
  const metadata = await admin.fetchTopicMetadata({ topics: ['kafkajs.auto'] });
  await admin.disconnect();
  const topic = metadata.topics[0];
  console.log(JSON.stringify({
    brokers: cluster.brokers,
    controller: cluster.controller,
    topic: { name: topic.name, partitions: topic.partitions.length },
  }));
}

main().catch((error) => { console.error(error); process.exit(1); });
