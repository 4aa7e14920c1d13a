// @platformatic/kafka consumer groups against laminar-broker: two members of one group split a
// 4-partition topic (roundrobin), each consumes and commits its records; the admin group APIs
// (describeGroups, listGroups, listConsumerGroupOffsets, alterConsumerGroupOffsets,
// deleteGroups); a later member resumes from the committed offsets. Prints one JSON report.
const { admin, producer, consumer, waitFor, outcome, report, main } = require('./platformatic_common');

const TOPIC = 'plat.groups';
const GROUP = 'plat-group';
const PARTITIONS = 4;

function member(bootstrap) {
  return consumer(bootstrap, { groupId: GROUP, maxWaitTime: 200, heartbeatInterval: 300,
                               sessionTimeout: 10000, rebalanceTimeout: 10000 });
}

// Joins and consumes, committing each record (offset + 1) before counting it.
async function start(client, seen) {
  const stream = await client.consume({ topics: [TOPIC], mode: 'committed',
                                        fallbackMode: 'earliest', autocommit: false });
  stream.on('data', async (message) => {
    await message.commit();
    seen.push([message.partition, Number(message.offset), message.value.toString()]);
  });
  return stream;
}

const assigned = (client) => (client.assignments || [])
  .filter((a) => a.topic === TOPIC).flatMap((a) => a.partitions).sort();

async function committed(client) {
  const groups = await client.listConsumerGroupOffsets({ groups: [GROUP] });
  return groups.flatMap((g) => g.topics.filter((t) => t.name === TOPIC)
    .flatMap((t) => t.partitions.map((p) => [p.partitionIndex, p.committedOffset])))
    .sort((a, b) => a[0] - b[0]);
}

async function describe(client) {
  const group = (await client.describeGroups({ groups: [GROUP] })).get(GROUP);
  return {
    state: group.state, protocolType: group.protocolType, protocol: group.protocol,
    members: [...group.members.values()].map((m) => ({
      clientId: m.clientId,
      partitions: [...(m.assignments?.values() || [])].flatMap((a) => a.partitions).sort(),
    })).sort((a, b) => a.partitions[0] - b.partitions[0]),
  };
}

async function produce(bootstrap, from, count) {
  const client = producer(bootstrap, { acks: -1 });
  const messages = [];
  for (let p = 0; p < PARTITIONS; p++) {
    for (let i = from; i < from + count; i++) {
      messages.push({ topic: TOPIC, partition: p, value: Buffer.from(`g-${p}-${i}`) });
    }
  }
  await client.send({ messages });
  await client.close();
}

main(async (bootstrap) => {
  const out = {};
  const admins = admin(bootstrap);
  await admins.createTopics({ topics: [TOPIC], partitions: PARTITIONS, replicas: 1 });

  const first = member(bootstrap);
  const second = member(bootstrap);
  const seen = [[], []];
  const streams = [await start(first, seen[0])];
  await waitFor(() => assigned(first).length === PARTITIONS, 10000, 'the first member to hold all');
  out.alone = assigned(first);
  streams.push(await start(second, seen[1]));
  // Both in one generation with disjoint halves before anything is produced, so each record has
  // exactly one reader.
  await waitFor(() => first.generationId === second.generationId &&
                      assigned(first).length + assigned(second).length === PARTITIONS &&
                      assigned(first).length > 0 && assigned(second).length > 0,
                15000, 'both members assigned');
  out.split = [assigned(first), assigned(second)];
  out.generationGrew = second.generationId > 0;
  // A fetch the first member sent before the rebalance (for all four partitions) may still be
  // in flight: wait until each stream has finished a fetch, so every later fetch asks for the
  // new assignment only. (A client-side race: Kafka's fetches do not know of groups.)
  const fetched = streams.map(() => 0);
  streams.forEach((stream, i) => stream.on('fetch', () => { fetched[i] += 1; }));
  await waitFor(() => fetched.every((count) => count > 0), 10000, 'a fetch of each member');

  await produce(bootstrap, 0, 10);
  await waitFor(() => seen[0].length + seen[1].length >= 10 * PARTITIONS, 15000, 'all 40 records');
  out.consumed = seen.map((list) => list.slice().sort((a, b) => a[0] - b[0] || a[1] - b[1]));
  out.describeActive = await describe(admins);
  out.listed = [...(await admins.listGroups()).values()]
    .filter((g) => g.id === GROUP).map(({ id, state, protocolType }) => ({ id, state, protocolType }));
  out.committedActive = await committed(admins);
  out.deleteActive = await outcome(admins.deleteGroups({ groups: [GROUP] }));

  for (const stream of streams) await stream.close();
  await first.close();
  await second.close();
  out.describeEmpty = await describe(admins);

  // Resume: a new member starts at the committed offsets, after two more records a partition.
  await produce(bootstrap, 10, 2);
  const third = member(bootstrap);
  const resumed = [];
  const stream = await start(third, resumed);
  await waitFor(() => resumed.length >= 2 * PARTITIONS, 15000, 'the 8 new records');
  out.resumed = resumed.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  await stream.close();
  await third.close();
  out.committedAfterResume = await committed(admins);

  // Admin offset reset on an empty group, then a member consumes from it.
  await admins.alterConsumerGroupOffsets({ groupId: GROUP, topics: [
    { name: TOPIC, partitionOffsets: [{ partition: 0, offset: 9n }] }] });
  out.committedAfterAlter = await committed(admins);
  const fourth = member(bootstrap);
  const replayed = [];
  const again = await start(fourth, replayed);
  await waitFor(() => replayed.length >= 3, 15000, 'partition 0 from offset 9');
  out.replayed = replayed.slice();
  await again.close();
  await fourth.close();

  out.deleted = await outcome(admins.deleteGroups({ groups: [GROUP] }));
  out.listedAfterDelete = [...(await admins.listGroups()).keys()].filter((id) => id === GROUP);
  out.deleteAgain = await outcome(admins.deleteGroups({ groups: [GROUP] }));
  await admins.close();
  await report(out);
});
