// AlterPartitionReassignments v0, ListPartitionReassignments v0 and DescribeProducers v0 as
// @platformatic/kafka encodes and decodes them, against a one-node broker with topic plat.move
// (1 partition): a reassignment to the current replica, to an unregistered broker, a
// cancellation, listings, and the producer an idempotent platformatic Producer leaves after 3
// records. Prints one JSON report for test_replica_admin.py.
const {
    Connection,
    alterPartitionReassignmentsV0,
    listPartitionReassignmentsV0,
    describeProducersV0,
} = require('@platformatic/kafka');
const {producer, outcome, report, main} = require('./platformatic_common');

main(async (bootstrap) => {
    const [host, port] = bootstrap.split(':');
    const out = {};
    const idempotent = producer(bootstrap, {idempotent: true, acks: -1});
    for (const value of ['a', 'b', 'c']) {
        await idempotent.send(
            {messages: [{topic: 'plat.move', partition: 0, value: Buffer.from(value)}]});
    }
    await idempotent.close();

    const connection = new Connection('laminar-compat');
    await new Promise(
        (resolve, reject) =>
            connection.connect(host, Number(port), (error) => (error ? reject(error) : resolve())));
    const move = (replicas) => outcome(alterPartitionReassignmentsV0.api.async(
        connection, 60000, false,
        [{name: 'plat.move', partitions: [{partitionIndex: 0, replicas}]}]));
    out.alterSame = await move([1]);
    out.alterOther = await move([7]);
    out.cancel = await move(null);
    out.listed = await outcome(listPartitionReassignmentsV0.api.async(connection, 60000, null));
    out.listedNamed = await outcome(listPartitionReassignmentsV0.api.async(
        connection, 60000, [{name: 'plat.move', partitionIndexes: [0]}]));
    out.producers = await outcome(
        describeProducersV0.api.async(connection, [{name: 'plat.move', partitionIndexes: [0]}]));
    out.producersMissing = await outcome(
        describeProducersV0.api.async(connection, [{name: 'plat.move', partitionIndexes: [3]}]));
    await new Promise((resolve) => connection.close(resolve));
    await report(out);
});
