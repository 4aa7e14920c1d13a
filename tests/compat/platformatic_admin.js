// @platformatic/kafka's Admin against laminar-broker: createTopics (partitions and configs,
// manual assignments, the errors Kafka gives), listTopics, metadata, createPartitions,
// describeConfigs, deleteTopics. Prints one JSON report for test_platformatic.py.
const { ConfigResourceTypes } = require('@platformatic/kafka');
const { admin, outcome, report, main } = require('./platformatic_common');

main(async (bootstrap) => {
  const client = admin(bootstrap);
  const out = {};

  const created = await client.createTopics({
    topics: ['admin.topic'], partitions: 3, replicas: 1,
    configs: [{ name: 'retention.ms', value: '3600000' }, { name: 'cleanup.policy', value: 'compact' }],
  });
  out.created = created.map(({ id, name, partitions, replicas, configuration }) => ({
    idIsSet: typeof id === 'string' && id !== '00000000-0000-0000-0000-000000000000' &&
             id.length > 0,
    name, partitions, replicas,
    configs: {
      'retention.ms': configuration['retention.ms'],
      'cleanup.policy': configuration['cleanup.policy'],
      'segment.bytes': configuration['segment.bytes'],
    },
  }));
  const assigned = await client.createTopics({
    topics: ['admin.assigned'], assignments: [{ partition: 0, brokers: [1] }, { partition: 1, brokers: [1] }],
  });
  out.assigned = assigned.map(({ name, partitions, replicas }) => ({ name, partitions, replicas }));

  out.listed = (await client.listTopics()).filter((t) => t.startsWith('admin')).sort();

  const metadata = await client.metadata({ topics: ['admin.topic', 'admin.assigned'] });
  out.brokers = [...metadata.brokers.entries()].map(([id, b]) => ({ id, host: b.host, port: b.port }));
  out.controllerId = metadata.controllerId;
  out.clusterIdIsSet = typeof metadata.id === 'string' && metadata.id.length > 0;
  out.topics = {};
  for (const [name, topic] of metadata.topics) {
    out.topics[name] = {
      partitionsCount: topic.partitionsCount,
      partitions: topic.partitions.map(({ leader, replicas, isr, offlineReplicas }) =>
        ({ leader, replicas, isr, offlineReplicas })),
    };
  }
  out.topicIdMatches = metadata.topics.get('admin.topic').id === created[0].id;

  // Kafka's errors, each through the client's error for its request.
  out.again = await outcome(client.createTopics({ topics: ['admin.topic'], partitions: 1 }));
  out.badConfig = await outcome(client.createTopics({
    topics: ['admin.badconfig'], partitions: 1, configs: [{ name: 'retention.msec', value: '5' }] }));
  out.badValue = await outcome(client.createTopics({
    topics: ['admin.badvalue'], partitions: 1, configs: [{ name: 'cleanup.policy', value: 'shred' }] }));
  out.tooManyReplicas = await outcome(client.createTopics({ topics: ['admin.rf3'], partitions: 1,
                                                            replicas: 3 }));
  out.badName = await outcome(client.createTopics({ topics: ['admin/bad'], partitions: 1 }));
  out.zeroPartitions = await outcome(client.createTopics({ topics: ['admin.zero'], partitions: 0 }));
  // One request, one good and one existing topic: the good one is created all the same.
  out.mixed = await outcome(client.createTopics({ topics: ['admin.fresh', 'admin.topic'], partitions: 2 }));
  out.listedAfterErrors = (await client.listTopics()).filter((t) => t.startsWith('admin')).sort();

  out.grow = await outcome(client.createPartitions({ topics: [{ name: 'admin.topic', count: 5 }] }));
  out.shrink = await outcome(client.createPartitions({ topics: [{ name: 'admin.topic', count: 2 }] }));
  out.growMissing = await outcome(client.createPartitions({ topics: [{ name: 'admin.nope', count: 2 }] }));
  out.partitionsAfter = (await client.metadata({ topics: ['admin.topic'], forceUpdate: true }))
    .topics.get('admin.topic').partitionsCount;

  const described = await client.describeConfigs({
    resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: 'admin.topic',
                  configurationKeys: ['retention.ms', 'cleanup.policy', 'segment.bytes'] }],
  });
  out.describedConfigs = described.map(({ resourceName, configs }) => ({
    resourceName,
    configs: Object.fromEntries(configs.map((c) => [c.name, { value: c.value,
                                                              source: c.configSource }])),
  }));

  out.deleted = await outcome(client.deleteTopics({ topics: ['admin.topic', 'admin.assigned',
                                                            'admin.fresh'] }));
  out.deleteMissing = await outcome(client.deleteTopics({ topics: ['admin.never'] }));
  out.listedAfterDelete = (await client.listTopics()).filter((t) => t.startsWith('admin')).sort();
  out.metadataAfterDelete = await outcome(client.metadata({ topics: ['admin.topic'],
                                                           forceUpdate: true }));
  await client.close();
  await report(out);
});
