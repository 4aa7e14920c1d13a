// kafkajs configured for SASL/PLAIN against a PLAINTEXT broker: connecting must fail with the
// broker's SaslHandshake error (ILLEGAL_SASL_STATE, 34), not hang or see a closed connection.
// Prints one JSON line for test_security_apis.py: the error's name, type, code and message.
const {Kafka, logLevel} = require('kafkajs');

async function main() {
    const kafka = new Kafka({
        clientId: 'laminar-compat',
        brokers: [process.argv[2]],
        logLevel: logLevel.NOTHING,
        retry: {retries: 0},
        sasl: {mechanism: 'plain', username: 'u', password: 'p'}
    });
    const admin = kafka.admin();
    const report = {};
    try {
        await admin.connect();
        report.connected = true;
    } catch (error) {
        const cause = error.originalError || error.cause || null;
        report.error = {
            name: error.name,
            type: error.type ?? null,
            code: error.code ?? null,
            message: error.message,
            cause: cause ? {name: cause.name, type: cause.type ?? null, code: cause.code ?? null} :
                           null
        };
    }
    await admin.disconnect().catch(() => {});
    console.log(JSON.stringify(report));
}

const guard = setTimeout(() => {
    console.error('script timed out');
    process.exit(2);
}, 60000);
main()
    .then(() => {
        clearTimeout(guard);
        process.exit(0);
    })
    .catch((error) => {
        console.error(error);
        process.exit(1);
    });
