// kafkajs's transactional producer (transactionalId, idempotent, one request in flight) against
// laminar-broker: a committed transaction over two partitions, an aborted one, and a committed
// one that also commits a consumer group's offset (sendOffsets: AddOffsetsToTxn to the
// transaction coordinator, then TxnOffsetCommit to the group coordinator). Prints what each
// transaction's send returned, as JSON; test_transactions.py reads the topic and the group back.
const {Kafka, logLevel} = require('kafkajs');

const TOPIC = 'kafkajs.txn';
const INPUT = 'kafkajs.txn.input';  // only its group offset is committed; it stays empty
const GROUP = 'kafkajs-txn-group';

// Value `${prefix}-${i}` to partition i % 2.
function messages(prefix, count) {
    return Array.from({length: count}, (_, i) => ({value: `${prefix}-${i}`, partition: i % 2}));
}

async function main() {
    // Retries cover COORDINATOR_NOT_AVAILABLE while __transaction_state is created, and
    // CONCURRENT_TRANSACTIONS while the previous transaction's markers are written.
    const kafka = new Kafka({
        clientId: 'laminar-compat',
        brokers: [process.argv[2]],
        logLevel: logLevel.NOTHING,
        retry: {retries: 8}
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics(
        {topics: [{topic: TOPIC, numPartitions: 2}, {topic: INPUT, numPartitions: 1}]});
    await admin.disconnect();
    const producer =
        kafka.producer({transactionalId: 'kafkajs-txn', idempotent: true, maxInFlightRequests: 1});
    await producer.connect();
    const report = {};

    const committed = await producer.transaction();
    report.committed = await committed.send({topic: TOPIC, messages: messages('committed', 6)});
    await committed.commit();

    const aborted = await producer.transaction();
    report.aborted = await aborted.send({topic: TOPIC, messages: messages('aborted', 4)});
    await aborted.abort();

    const withOffsets = await producer.transaction();
    report.withOffsets = await withOffsets.send({topic: TOPIC, messages: messages('offsets', 2)});
    await withOffsets.sendOffsets({
        consumerGroupId: GROUP,
        topics: [{topic: INPUT, partitions: [{partition: 0, offset: '5'}]}],
    });
    await withOffsets.commit();

    await producer.disconnect();
    console.log(JSON.stringify(report));
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
