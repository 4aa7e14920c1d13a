// @platformatic/kafka's Admin against laminar-broker: alterClientQuotas (set, validate only,
// remove, Kafka's refusals) and describeClientQuotas (exact, default and any-name filters,
// strict). Prints one JSON report for test_platformatic.py.
const { admin, outcome, report, main } = require('./platformatic_common');

// Entries by entity, each entity's parts and values sorted, for a stable report.
function sorted(entries) {
  return entries.map(({ entity, values }) => ({
    entity: entity.map(({ entityType, entityName }) => [entityType, entityName ?? null]).sort(),
    values: values.map(({ key, value }) => [key, value]).sort(),
  })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

main(async (bootstrap) => {
  const client = admin(bootstrap);
  const out = {};
  const alice = [{ entityType: 'user', entityName: 'alice' }];
  const aliceApp = [{ entityType: 'user', entityName: 'alice' },
                    { entityType: 'client-id', entityName: 'app' }];
  const anyClient = [{ entityType: 'client-id', entityName: null }];

  out.validated = await outcome(client.alterClientQuotas({
    entries: [{ entities: alice, ops: [{ key: 'producer_byte_rate', value: 5, remove: false }] }],
    validateOnly: true,
  }));
  out.afterValidation = sorted(await client.describeClientQuotas({
    components: [{ entityType: 'user', matchType: 0, match: 'alice' }] }));

  out.set = await outcome(client.alterClientQuotas({
    entries: [
      { entities: alice, ops: [{ key: 'producer_byte_rate', value: 1048576, remove: false },
                               { key: 'request_percentage', value: 25.5, remove: false }] },
      { entities: aliceApp, ops: [{ key: 'consumer_byte_rate', value: 2048, remove: false }] },
      { entities: anyClient, ops: [{ key: 'consumer_byte_rate', value: 4096, remove: false }] },
    ],
  }));
  out.exact = sorted(await client.describeClientQuotas({
    components: [{ entityType: 'user', matchType: 0, match: 'alice' }] }));
  out.exactStrict = sorted(await client.describeClientQuotas({
    components: [{ entityType: 'user', matchType: 0, match: 'alice' }], strict: true }));
  out.defaultClient = sorted(await client.describeClientQuotas({
    components: [{ entityType: 'client-id', matchType: 1 }] }));
  out.anyClient = sorted(await client.describeClientQuotas({
    components: [{ entityType: 'client-id', matchType: 2 }] }));

  out.refused = await outcome(client.alterClientQuotas({
    entries: [{ entities: alice, ops: [{ key: 'producer_byte_rate', value: 1.5, remove: false }] }],
  }));
  out.removed = await outcome(client.alterClientQuotas({
    entries: [{ entities: alice, ops: [{ key: 'request_percentage', remove: true }] }],
  }));
  out.afterRemoval = sorted(await client.describeClientQuotas({
    components: [{ entityType: 'user', matchType: 0, match: 'alice' }], strict: true }));
  await client.close();
  report(out);
});
