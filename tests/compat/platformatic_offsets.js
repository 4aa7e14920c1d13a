// @platformatic/kafka's listOffsets against laminar-broker: earliest, latest, max timestamp and
// by timestamp (records whose timestamps are out of order across two batches), on a full and an
// empty partition; deleteRecords and what it does to the earliest offset and time lookups.
// Prints one JSON report for test_platformatic.py.
const { admin, producer, consumer, outcome, report, main } = require('./platformatic_common');

const TOPIC = 'plat.offsets';
const T = 1700000000000n;

main(async (bootstrap) => {
  const out = {};
  const admins = admin(bootstrap);
  await admins.createTopics({ topics: [TOPIC], partitions: 2, replicas: 1 });
  const client = producer(bootstrap, { acks: -1 });
  const send = (stamps) => client.send({ messages: stamps.map((s, i) => ({
    topic: TOPIC, partition: 0, value: Buffer.from(`at ${s}`), timestamp: T + s })) });
  // Offsets 0-2 in one batch, 3-5 in the next; the largest timestamp is at offset 4.
  await send([0n, 1000n, 2000n]);
  await send([500n, 3000n, 2500n]);
  await client.close();

  const list = async (timestamp, partitions = [0, 1]) => {
    const topics = await admins.listOffsets({ topics: [{ name: TOPIC, partitions:
      partitions.map((partitionIndex) => ({ partitionIndex, timestamp })) }] });
    return topics[0].partitions.sort((a, b) => a.partitionIndex - b.partitionIndex)
      .map(({ partitionIndex, offset, timestamp: ts, leaderEpoch }) =>
        ({ partition: partitionIndex, offset, timestamp: ts, leaderEpoch }));
  };
  const metadata = await admins.metadata({ topics: [TOPIC] });
  out.leaderEpochs = metadata.topics.get(TOPIC).partitions.map((p) => p.leaderEpoch);
  out.earliest = await list(-2n);
  out.latest = await list(-1n);
  out.maxTimestamp = await list(-3n);
  out.byTime = {};
  for (const s of [0n, 400n, 1500n, 2000n, 2100n, 3000n, 5000n]) {
    out.byTime[s.toString()] = (await list(T + s, [0]))[0];
  }

  // The consumer's own lookups (latest by default, or by time).
  const reader = consumer(bootstrap, { groupId: 'plat-offsets-reader' });
  out.consumerLatest = (await reader.listOffsets({ topics: [TOPIC] })).get(TOPIC);
  out.consumerEarliest = (await reader.listOffsets({ topics: [TOPIC], timestamp: -2n })).get(TOPIC);
  const withTimes = await reader.listOffsetsWithTimestamps({ topics: [TOPIC], timestamp: T + 1500n });
  out.consumerByTime = [...withTimes.get(TOPIC).entries()];
  await reader.close();

  // deleteRecords moves the log start offset: earliest and time lookups start there.
  out.deleteRecords = await admins.deleteRecords({ topics: [{ name: TOPIC, partitions: [
    { partition: 0, offset: 2n }] }] });
  out.earliestAfterDelete = (await list(-2n, [0]))[0];
  out.byTimeAfterDelete = (await list(T, [0]))[0];
  out.deleteBeyondEnd = await outcome(admins.deleteRecords({ topics: [{ name: TOPIC, partitions: [
    { partition: 0, offset: 7n }] }] }));
  await admins.close();
  await report(out);
});
