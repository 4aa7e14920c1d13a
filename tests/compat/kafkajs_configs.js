// kafkajs's admin: alterConfigs, describeConfigs, deleteTopicRecords (DeleteRecords) and
// fetchTopicOffsets. Prints one JSON line for test_admin_configs.py.
const { Kafka, logLevel, ConfigResourceTypes } = require('kafkajs');

async function main() {
  const kafka = new Kafka({ clientId: 'laminar-compat', brokers: [process.argv[2]],
                            logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'js.configs', numPartitions: 1 }] });
  await admin.alterConfigs({ validateOnly: false, resources: [{
    type: ConfigResourceTypes.TOPIC, name: 'js.configs',
    configEntries: [{ name: 'retention.ms', value: '86400000' }] }] });
  const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{
    type: ConfigResourceTypes.TOPIC, name: 'js.configs', configNames: ['retention.ms'] }] });
  const entry = described.resources[0].configEntries[0];

  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'js.configs',
                        messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
  await producer.disconnect();
  await admin.deleteTopicRecords({ topic: 'js.configs',
                                  partitions: [{ partition: 0, offset: '2' }] });
  const offsets = await admin.fetchTopicOffsets('js.configs');
  await admin.disconnect();
  console.log(JSON.stringify({ retention: entry.configValue, source: entry.configSource,
                               low_watermark: offsets[0].low }));
}

main().catch((error) => { console.error(error); process.exit(1); });
