// kafkajs's admin ACL calls (describeAcls, createAcls, deleteAcls) against a broker without an
// authorizer: each must reject with kafkajs's protocol error for SECURITY_DISABLED (54). Prints
// one JSON line for test_acls.py: per call, the error's name, type, code and retriable flag.
const { Kafka, logLevel, AclResourceTypes, AclOperationTypes, AclPermissionTypes,
        ResourcePatternTypes } = require('kafkajs');

async function outcome(call) {
  try {
    return { resolved: await call() };
  } catch (error) {
    return { name: error.name, type: error.type, code: error.code, retriable: error.retriable };
  }
}

async function main() {
  const kafka = new Kafka({ clientId: 'laminar-compat', brokers: [process.argv[2]],
                            logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  const admin = kafka.admin();
  await admin.connect();
  const acl = {
    resourceType: AclResourceTypes.TOPIC, resourceName: 'orders',
    resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:alice', host: '*',
    operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.ALLOW,
  };
  const report = {
    describe: await outcome(() => admin.describeAcls({
      resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY })),
    create: await outcome(() => admin.createAcls({ acl: [acl, { ...acl, resourceName: 'b' }] })),
    delete: await outcome(() => admin.deleteAcls({ filters: [acl] })),
  };
  await admin.disconnect();
  console.log(JSON.stringify(report));
}

main().catch((error) => { console.error(error); process.exit(1); });
