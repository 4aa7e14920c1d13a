// kafkajs's admin: createTopics (twice), createPartitions, listTopics, deleteTopics. Prints one JSON line for test_topics.py.
const { Kafka, logLevel } = require('kafkajs');

async function main() {
  const kafka = new Kafka({ clientId: 'laminar-compat', brokers: [process.argv[2]],
                            logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  const admin = kafka.admin();
  await admin.connect();
  const created = await admin.createTopics({ topics: [{ topic: 'js.topic', numPartitions: 1 }] });
  await admin.createPartitions({ topicPartitions: [{ topic: 'js.topic', count: 2 }] });
  const metadata = await admin.fetchTopicMetadata({ topics: ['js.topic'] });
  const listed = (await admin.listTopics()).includes('js.topic');
  // kafkajs resolves false, not an error, when the topic already exists.
  const createdAgain = await admin.createTopics({ topics: [{ topic: 'js.topic' }] });
  await admin.deleteTopics({ topics: ['js.topic'] });
  const deleted = !(await admin.listTopics()).includes('js.topic');
  await admin.disconnect();
  console.log(JSON.stringify({ created, partitions: metadata.topics[0].partitions.length, listed,
                               deleted, created_again: createdAgain }));
}

main().catch((error) => { console.error(error); process.exit(1); });
