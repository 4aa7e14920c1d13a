// @platformatic/kafka's own encodings of UpdateFeatures v1 and UnregisterBroker v0 (its low-level
// APIs, on a Connection) against laminar-broker: a validate-only downgrade, a refused upgrade,
// an upgrade to the level in force, and an unknown broker id. Nothing here changes the broker's
// metadata, which other tests of the module share. Prints one JSON report for
// test_platformatic.py.
const { Connection, updateFeaturesV1, unregisterBrokerV0 } = require('@platformatic/kafka');
const { outcome, report, main } = require('./platformatic_common');

main(async (bootstrap) => {
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
  await connection.close();
  report(out);
});
