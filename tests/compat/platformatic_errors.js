// The errors a real Kafka gives, as @platformatic/kafka reports them: producing to a missing
// topic (with and without the client asking for auto-creation), a batch over max.message.bytes,
// timestamps outside message.timestamp.{before,after}.max.ms, a session timeout below
// group.min.session.timeout.ms. Run against a broker with auto.create.topics.enable on or off
// (argv[3] says which); prints one JSON report for test_platformatic.py.
const crypto = require('node:crypto');
const { admin, producer, consumer, outcome, report, main } = require('./platformatic_common');

const offsets = (result) => result.ok ? { ok: result.ok.offsets.map((o) => [o.partition, o.offset]) }
                                      : result;

main(async (bootstrap) => {
  const autoCreateBroker = process.argv[3] === 'on';
  const out = {};
  const admins = admin(bootstrap);
  const client = producer(bootstrap, { acks: -1 });
  const send = (topic, value, extra = {}) => client.send({
    messages: [{ topic, value, ...(extra.timestamp ? { timestamp: extra.timestamp } : {}) }],
    ...(extra.compression ? { compression: extra.compression } : {}),
    ...(extra.autocreateTopics !== undefined ? { autocreateTopics: extra.autocreateTopics } : {}),
  });

  // A missing topic: the client's default asks the broker not to create it.
  out.missing = offsets(await outcome(send('plat.missing', Buffer.from('x'))));
  // The client asks for auto-creation: Kafka creates it only if the broker allows it.
  out.missingAutocreate = offsets(await outcome(send('plat.auto', Buffer.from('x'),
                                                     { autocreateTopics: true })));
  out.listed = (await admins.listTopics()).filter((t) => t.startsWith('plat.')).sort();
  if (autoCreateBroker) {
    out.autoPartitions = (await admins.metadata({ topics: ['plat.auto'] })).topics
      .get('plat.auto').partitionsCount;
  }

  if (autoCreateBroker) {
    await admins.createTopics({ topics: ['plat.small'], partitions: 1, configs: [
      { name: 'max.message.bytes', value: '1024' }] });
    await admins.createTopics({ topics: ['plat.strict'], partitions: 1, configs: [
      { name: 'message.timestamp.after.max.ms', value: '3600000' },
      { name: 'message.timestamp.before.max.ms', value: '3600000' }] });
    await admins.createTopics({ topics: ['plat.big'], partitions: 1 });

    out.smallFits = offsets(await outcome(send('plat.small', Buffer.alloc(500, 'a'))));
    out.smallTooLarge = offsets(await outcome(send('plat.small', crypto.randomBytes(2000))));
    // max.message.bytes bounds the batch as sent: compressed, 20 KB of one byte is small.
    out.smallCompressed = offsets(await outcome(send('plat.small', Buffer.alloc(20000, 'a'),
                                                     { compression: 'gzip' })));
    // The broker default (message.max.bytes 1048588) on a topic without an override.
    out.overDefault = offsets(await outcome(send('plat.big', crypto.randomBytes(1100000))));
    out.underDefault = offsets(await outcome(send('plat.big', crypto.randomBytes(1000000))));

    const now = BigInt(Date.now());
    out.timestampNow = offsets(await outcome(send('plat.strict', Buffer.from('now'),
                                                  { timestamp: now })));
    out.timestampFuture = offsets(await outcome(send('plat.strict', Buffer.from('future'),
                                                     { timestamp: now + 2n * 3600000n })));
    out.timestampPast = offsets(await outcome(send('plat.strict', Buffer.from('past'),
                                                   { timestamp: now - 2n * 3600000n })));
    out.smallLatest = (await admins.listOffsets({ topics: [
      { name: 'plat.small', partitions: [{ partitionIndex: 0, timestamp: -1n }] },
      { name: 'plat.strict', partitions: [{ partitionIndex: 0, timestamp: -1n }] },
      { name: 'plat.big', partitions: [{ partitionIndex: 0, timestamp: -1n }] }] }))
      .map((t) => [t.name, t.partitions[0].offset]).sort();

    // A session timeout below group.min.session.timeout.ms (6 s by default).
    const impatient = consumer(bootstrap, { groupId: 'plat-impatient', sessionTimeout: 1000,
                                            heartbeatInterval: 200 });
    out.shortSession = await outcome(impatient.consume({ topics: ['plat.big'],
                                                          sessionTimeout: 1000 }).then(() => null));
    await impatient.close(true);
  }
  await client.close();
  await admins.close();
  await report(out);
});
