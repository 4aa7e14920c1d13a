// @platformatic/kafka's own encodings of UpdateFeatures v1, UnregisterBroker v0 and
// AlterReplicaLogDirs v2 (its low-level APIs, on a Connection) against laminar-broker: a
// validate-only downgrade, a refused upgrade, an upgrade to the level in force, an unknown broker
// id, a move to the broker's log dir (argv[3]) and to one it does not have. Nothing here changes
// the feature levels or the brokers, which other tests of the module share. Prints one JSON
// report for test_platformatic.py.
const {
  Connection, updateFeaturesV1, unregisterBrokerV0, alterReplicaLogDirsV2,
} = require('@platformatic/kafka');
const { admin, outcome, report, main } = require('./platformatic_common');

main(async (bootstrap) => {
  const logDir = process.argv[3];
  const client = admin(bootstrap);
  await client.createTopics({ topics: ['plat.logdirs'], partitions: 2, replicas: 1 });
  await client.close();
  const [host, port] = bootstrap.split(':');
  const connection = new Connection('laminar-compat');
  await connection.connect(host, Number(port));
  const out = {};
  const update = (level, upgradeType, validateOnly) => outcome(updateFeaturesV1.api.async(
    connection, 30000, [{ feature: 'metadata.version', maxVersionLevel: level, upgradeType }],
    validateOnly));
  out.validatedDowngrade = await update(17, 2, true);
  out.refusedUpgrade = await update(20, 1, false);
  out.sameLevel = await update(19, 1, false);
  out.unknownBroker = await outcome(unregisterBrokerV0.api.async(connection, 7));
  const move = (path) => outcome(alterReplicaLogDirsV2.api.async(
    connection, [{ path, topics: [{ name: 'plat.logdirs', partitions: [1, 0] }] }]));
  out.sameDir = await move(logDir);
  out.otherDir = await move('/nowhere');
  await connection.close();
  report(out);
});
