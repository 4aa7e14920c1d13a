// The authentication APIs as @platformatic/kafka speaks them (SaslHandshake v1, SaslAuthenticate
// v2, CreateDelegationToken v3, RenewDelegationToken v2, ExpireDelegationToken v2,
// DescribeDelegationToken v3) against a PLAINTEXT broker: a client configured for SASL/PLAIN,
// and each API sent on its own on a plain connection. Prints one JSON report for
// test_security_apis.py.
const {
    Connection,
    saslAuthenticateV2,
    saslHandshakeV1,
    createDelegationTokenV3,
    renewDelegationTokenV2,
    expireDelegationTokenV2,
    describeDelegationTokenV3,
} = require('@platformatic/kafka');
const {admin, outcome, report, main} = require('./platformatic_common');

// The error's codes and, where the client kept it, the response it came with.
async function answered(promise) {
    try {
        return {ok: await promise};
    } catch (error) {
        return {
            error: (await outcome(Promise.reject(error))).error,
            response: error.response ?? null
        };
    }
}

main(async (bootstrap) => {
    const [host, port] = bootstrap.split(':');
    const out = {};

    const withSasl =
        admin(bootstrap, {sasl: {mechanism: 'PLAIN', username: 'u', password: 'p'}, retries: 0});
    out.saslAdmin = await outcome(withSasl.listTopics());
    await withSasl.close().catch(() => {});

    const connection = new Connection('laminar-compat');
    await new Promise(
        (resolve, reject) =>
            connection.connect(host, Number(port), (error) => (error ? reject(error) : resolve())));
    out.handshake = await answered(saslHandshakeV1.api.async(connection, 'PLAIN'));
    out.authenticate =
        await answered(saslAuthenticateV2.api.async(connection, Buffer.from('\u0000u\u0000p')));
    out.create = await answered(createDelegationTokenV3.api.async(
        connection, null, null, [{principalType: 'User', principalName: 'bob'}], -1n));
    out.createOwned = await answered(
        createDelegationTokenV3.api.async(connection, 'User', 'alice', [], 3600000n));
    out.renew =
        await answered(renewDelegationTokenV2.api.async(connection, Buffer.from('mac'), 1000n));
    out.expire =
        await answered(expireDelegationTokenV2.api.async(connection, Buffer.from('mac'), -1n));
    out.describe = await answered(describeDelegationTokenV3.api.async(connection, null));
    // The connection still serves requests after every refusal.
    out.after = await answered(describeDelegationTokenV3.api.async(
        connection, [{principalType: 'User', principalName: 'alice'}]));
    await new Promise((resolve) => connection.close(resolve));
    await report(out);
});
