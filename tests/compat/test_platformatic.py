"""@platformatic/kafka (a pure-JS client, pinned in package.json) against laminar-broker: admin,
produce and consume with every codec the client has, consumer groups, ListOffsets, and the
errors Kafka gives. Each platformatic_*.js script prints one JSON report (bigints as strings,
buffers as {"hex": ...}); the expected values are what Apache Kafka 3.7 answers."""
import json
import os

import pytest

from conftest import Broker, node_version, run

HERE = os.path.dirname(os.path.abspath(__file__))


# The client needs node >= 20.19 (its package.json); Debian 12's own nodejs is 18, which
# scripts/setup-debian.sh installs only where no node is present.
if node_version() < (20, 19):
    pytest.skip(f"@platformatic/kafka needs node >= 20.19, this is {node_version()}",
                allow_module_level=True)

BROKER_ARGS = ["--set", "group.initial.rebalance.delay.ms=0"]
T = 1700000000000  # the base timestamp of platformatic_offsets.js


def script(name, bootstrap, *args):
    result = run(["node", os.path.join(HERE, f"platformatic_{name}.js"), bootstrap, *args],
                 cwd=HERE, timeout=90)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def error(name, code, path):
    return {"error": [[name, code, path]]}


# The client turns a Metadata answer of UNKNOWN_TOPIC_OR_PARTITION (3) for a topic it produces
# to into this error of its own (and only that answer).
def unknown_topic(topic):
    return {"error": {"client": "PLT_KFK_USER", "message": f"Unknown topic {topic}."}}


@pytest.fixture(scope="module")
def offsets_report(broker):
    return script("offsets", broker.bootstrap)


def test_admin_topics_metadata_configs_and_errors(broker):
    report = script("admin", broker.bootstrap)
    assert report["created"] == [{
        "idIsSet": True, "name": "admin.topic", "partitions": 3, "replicas": 1,
        "configs": {"retention.ms": "3600000", "cleanup.policy": "compact",
                    "segment.bytes": "1073741824"}}]
    assert report["assigned"] == [{"name": "admin.assigned", "partitions": 2, "replicas": 1}]
    assert report["listed"] == ["admin.assigned", "admin.topic"]
    assert report["brokers"] == [{"id": 1, "host": "127.0.0.1", "port": broker.port}]
    assert report["controllerId"] == 1 and report["clusterIdIsSet"]
    replica = {"leader": 1, "replicas": [1], "isr": [1], "offlineReplicas": []}
    assert report["topics"] == {
        "admin.topic": {"partitionsCount": 3, "partitions": [replica] * 3},
        "admin.assigned": {"partitionsCount": 2, "partitions": [replica] * 2},
    }
    assert report["topicIdMatches"]  # Metadata's topic id is CreateTopics' topic id
    assert report["again"] == error("TOPIC_ALREADY_EXISTS", 36, "/topics/0")
    assert report["badConfig"] == error("INVALID_CONFIG", 40, "/topics/0")
    assert report["badValue"] == error("INVALID_CONFIG", 40, "/topics/0")
    assert report["tooManyReplicas"] == error("INVALID_REPLICATION_FACTOR", 38, "/topics/0")
    assert report["badName"] == error("INVALID_TOPIC_EXCEPTION", 17, "/topics/0")
    assert report["zeroPartitions"] == error("INVALID_PARTITIONS", 37, "/topics/0")
    # Per-topic results: the existing topic fails, the new one in the same request is created.
    assert report["mixed"] == error("TOPIC_ALREADY_EXISTS", 36, "/topics/1")
    assert report["listedAfterErrors"] == ["admin.assigned", "admin.fresh", "admin.topic"]
    assert report["grow"] == {"ok": None}
    assert report["shrink"] == error("INVALID_PARTITIONS", 37, "/results/0")
    assert report["growMissing"] == error("UNKNOWN_TOPIC_OR_PARTITION", 3, "/results/0")
    assert report["partitionsAfter"] == 5
    assert report["describedConfigs"] == [{"resourceName": "admin.topic", "configs": {
        "retention.ms": {"value": "3600000", "source": 1},      # DYNAMIC_TOPIC_CONFIG
        "cleanup.policy": {"value": "compact", "source": 1},
        "segment.bytes": {"value": "1073741824", "source": 5},  # DEFAULT_CONFIG
    }}]
    assert report["deleted"] == {"ok": None}
    assert report["deleteMissing"] == error("UNKNOWN_TOPIC_OR_PARTITION", 3, "/responses/0")
    assert report["listedAfterDelete"] == []
    assert report["metadataAfterDelete"] == unknown_topic("admin.topic")


def test_produce_and_consume_back_every_codec(broker):
    report = script("produce", broker.bootstrap)
    # zstd only where node's zlib has it (node >= 22.15); gzip, snappy and lz4 always.
    codecs = ["none", "gzip", "snappy", "lz4"] + (["zstd"] if report["zstd"] else [])
    assert report["codecs"] == codecs
    # 12 records a codec, 4 to each of 3 partitions: one batch per partition and send.
    assert report["baseOffsets"] == [
        {"codec": codec, "bases": [[p, str(4 * k)] for p in range(3)]}
        for k, codec in enumerate(codecs)]
    sent = sorted(report["sent"], key=lambda r: (r["partition"], int(r["offset"])))
    consumed = report["consumed"]
    assert report["consumedTopics"] == ["plat.records"]
    assert len(consumed) == len(sent) == 12 * len(codecs)
    for record in consumed:
        del record["topic"]
    # Everything as sent: key and value (null, empty, binary, 64 KiB), headers in order (empty
    # and null values, a repeated key), the producer's timestamps, out of order in a batch.
    assert sorted(consumed, key=lambda r: (r["partition"], int(r["offset"]))) == sent
    for partition in range(3):
        offsets = [int(r["offset"]) for r in sent if r["partition"] == partition]
        assert offsets == list(range(4 * len(codecs)))
    assert report["latest"] == [str(4 * len(codecs))] * 3
    assert report["idempotent"] == {"sends": [[[0, "0"]], [[0, "3"]], [[0, "6"]]],
                                    "producerInfo": {"idIsSet": True, "epoch": 0}}


def test_two_members_split_a_topic_commit_and_a_third_resumes(broker):
    report = script("groups", broker.bootstrap)
    assert report["alone"] == [0, 1, 2, 3]
    # roundrobin over 4 partitions: the members sorted by member id take 0,2 and 1,3.
    assert sorted(report["split"]) == [[0, 2], [1, 3]]
    for member, partitions in zip(report["consumed"], report["split"]):
        assert member == [[p, i, f"g-{p}-{i}"] for p in partitions for i in range(10)]
    assert report["describeActive"] == {
        "state": "STABLE", "protocolType": "consumer", "protocol": "roundrobin",
        "members": [{"clientId": "laminar-compat", "partitions": [0, 2]},
                    {"clientId": "laminar-compat", "partitions": [1, 3]}]}
    assert report["listed"] == [{"id": "plat-group", "state": "STABLE",
                                 "protocolType": "consumer"}]
    assert report["committedActive"] == [[p, "10"] for p in range(4)]
    assert report["deleteActive"] == error("NON_EMPTY_GROUP", 68, "/results/0")
    # After both leave: Empty, no members, the protocol type kept and the protocol name "".
    assert report["describeEmpty"] == {"state": "EMPTY", "protocolType": "consumer",
                                       "protocol": "", "members": []}
    assert report["resumed"] == [[p, i, f"g-{p}-{i}"] for p in range(4) for i in (10, 11)]
    assert report["committedAfterResume"] == [[p, "12"] for p in range(4)]
    assert report["committedAfterAlter"] == [[0, "9"], [1, "12"], [2, "12"], [3, "12"]]
    assert report["replayed"] == [[0, i, f"g-0-{i}"] for i in (9, 10, 11)]
    assert report["deleted"] == {"ok": None}
    assert report["listedAfterDelete"] == []
    assert report["deleteAgain"] == error("GROUP_ID_NOT_FOUND", 69, "/results/0")


def found(offset, timestamp, partition=0):
    return {"partition": partition, "offset": str(offset), "timestamp": str(timestamp),
            "leaderEpoch": 0}


def without_epoch(entry):
    return {key: value for key, value in entry.items() if key != "leaderEpoch"}


def test_list_offsets_earliest_latest_max_and_by_time(offsets_report):
    report = offsets_report
    assert report["leaderEpochs"] == [0, 0]
    assert report["earliest"] == [found(0, -1), found(0, -1, 1)]
    assert report["latest"] == [found(6, -1), found(0, -1, 1)]
    # Timestamps by offset: 0, 1000, 2000 | 500, 3000, 2500 (two batches).
    assert report["maxTimestamp"][0] == found(4, T + 3000)
    # An empty partition has no record with a largest timestamp. (Its leader epoch differs
    # between Kafka versions: not checked.)
    assert without_epoch(report["maxTimestamp"][1]) == {"partition": 1, "offset": "-1",
                                                          "timestamp": "-1"}
    # The first offset whose timestamp is >= the target (in the first batch whose largest
    # timestamp is >= it), with that record's timestamp.
    by_time = {int(k): v for k, v in report["byTime"].items()}
    assert {k: v for k, v in by_time.items() if k != 5000} == {
        0: found(0, T), 400: found(1, T + 1000), 1500: found(2, T + 2000),
        2000: found(2, T + 2000), 2100: found(4, T + 3000), 3000: found(4, T + 3000)}
    assert without_epoch(by_time[5000]) == {"partition": 0, "offset": "-1", "timestamp": "-1"}
    assert report["consumerLatest"] == ["6", "0"]
    assert report["consumerEarliest"] == ["0", "0"]
    assert report["consumerByTime"] == [[0, {"offset": "2", "timestamp": str(T + 2000)}],
                                        [1, {"offset": "-1", "timestamp": "-1"}]]
    assert report["deleteRecords"] == [{"name": "plat.offsets",
                                        "partitions": [{"partition": 0, "lowWatermark": "2"}]}]
    assert report["earliestAfterDelete"] == found(2, -1)
    # A time lookup starts at the log start offset: offsets 0 and 1 are gone.
    assert report["byTimeAfterDelete"] == found(2, T + 2000)
    assert report["deleteBeyondEnd"] == error("OFFSET_OUT_OF_RANGE", 1,
                                              "topics[0].partitions[0]")


# Kafka: KafkaApis builds the partition response without setting LeaderEpoch (default -1) when
# UnifiedLog.fetchOffsetByTimestamp finds nothing.
def test_list_offsets_by_time_past_the_last_record_has_no_leader_epoch(offsets_report):
    assert offsets_report["byTime"]["5000"] == {"partition": 0, "offset": "-1",
                                                "timestamp": "-1", "leaderEpoch": -1}


def test_produce_errors_kafka_gives(broker):
    report = script("errors", broker.bootstrap, "on")
    # The client asks Metadata not to create a missing topic: UNKNOWN_TOPIC_OR_PARTITION.
    assert report["missing"] == unknown_topic("plat.missing")
    # It asks for creation: the broker (auto.create.topics.enable) creates it, num.partitions 1.
    assert report["missingAutocreate"] == {"ok": [[0, "0"]]}
    assert "plat.auto" in report["listed"] and "plat.missing" not in report["listed"]
    assert report["autoPartitions"] == 1
    # max.message.bytes (topic) and message.max.bytes (broker) bound the batch as sent.
    assert report["smallFits"] == {"ok": [[0, "0"]]}
    produce_error = "/responses/0/partition_responses/0"
    assert report["smallTooLarge"] == error("MESSAGE_TOO_LARGE", 10, produce_error)
    assert report["smallCompressed"] == {"ok": [[0, "1"]]}
    assert report["overDefault"] == error("MESSAGE_TOO_LARGE", 10, produce_error)
    assert report["underDefault"] == {"ok": [[0, "0"]]}
    # message.timestamp.{after,before}.max.ms: INVALID_TIMESTAMP with a record error naming
    # batch index 0 (the client lists a record error with a message as code -1).
    assert report["timestampNow"] == {"ok": [[0, "0"]]}
    invalid_timestamp = {"error": [["INVALID_TIMESTAMP", 32, produce_error],
                                   ["UNKNOWN_SERVER_ERROR", -1, produce_error + "/record_errors/0"]]}
    assert report["timestampFuture"] == invalid_timestamp
    assert report["timestampPast"] == invalid_timestamp
    # Nothing of the refused batches was appended.
    assert report["smallLatest"] == [["plat.big", "1"], ["plat.small", "2"], ["plat.strict", "1"]]
    # JoinGroup with a session timeout under group.min.session.timeout.ms (6000).
    assert report["shortSession"] == error("INVALID_SESSION_TIMEOUT", 26, "/")


def test_no_topic_is_created_when_the_broker_does_not_auto_create():
    closed = Broker(["--set", "auto.create.topics.enable=false"])
    try:
        report = script("errors", closed.bootstrap, "off")
    finally:
        closed.stop()
    assert report == {"missing": unknown_topic("plat.missing"),
                      "missingAutocreate": unknown_topic("plat.auto"), "listed": []}


def test_client_quotas_are_set_described_and_removed(broker):
    """alterClientQuotas and describeClientQuotas (KIP-546) as a Kafka 3.7 broker answers them:
    validate_only changes nothing, a non-strict filter also lists combined entities, "any name"
    lists the default too, a fractional byte rate is refused with INVALID_REQUEST."""
    report = script("quotas", broker.bootstrap)
    assert report["validated"] == {"ok": [{"errorCode": 0, "errorMessage": None,
                                           "entity": [{"entityType": "user",
                                                       "entityName": "alice"}]}]}
    assert report["afterValidation"] == []
    assert sorted(entry["errorCode"] for entry in report["set"]["ok"]) == [0, 0, 0]
    alice = {"entity": [["user", "alice"]],
             "values": [["producer_byte_rate", 1048576], ["request_percentage", 25.5]]}
    alice_app = {"entity": [["client-id", "app"], ["user", "alice"]],
                 "values": [["consumer_byte_rate", 2048]]}
    default_client = {"entity": [["client-id", None]], "values": [["consumer_byte_rate", 4096]]}
    def same(entries, expected):
        return sorted(entries, key=json.dumps) == sorted(expected, key=json.dumps)

    assert same(report["exact"], [alice, alice_app])
    assert report["exactStrict"] == [alice]
    assert report["defaultClient"] == [default_client]
    assert same(report["anyClient"], [alice_app, default_client])
    assert report["refused"] == error("INVALID_REQUEST", 42, "/entries/0")
    assert report["removed"]["ok"][0]["errorCode"] == 0
    assert report["afterRemoval"] == [{"entity": [["user", "alice"]],
                                       "values": [["producer_byte_rate", 1048576]]}]


def test_update_features_unregister_broker_and_log_dirs_from_platformatics_encodings(broker):
    """UpdateFeatures v1, UnregisterBroker v0 and AlterReplicaLogDirs v2 as @platformatic/kafka
    encodes and decodes them: per-feature results, Kafka's INVALID_UPDATE_VERSION (95) for a level
    this broker does not support, BROKER_ID_NOT_REGISTERED (102) for an unknown broker, a move to
    the one log dir accepted and LOG_DIR_NOT_FOUND (57) for another."""
    report = script("features", broker.bootstrap, os.path.join(broker.directory, "laminar-data"))
    success = {"throttleTimeMs": 0, "errorCode": 0, "errorMessage": None,
               "results": [{"feature": "metadata.version", "errorCode": 0, "errorMessage": None}]}
    assert report["validatedDowngrade"] == {"ok": success}
    assert report["refusedUpgrade"] == error("INVALID_UPDATE_VERSION", 95, "/results/0")
    assert report["sameLevel"] == {"ok": success}
    assert report["unknownBroker"] == error("BROKER_ID_NOT_REGISTERED", 102, "/")
    assert report["sameDir"] == {"ok": {"throttleTimeMs": 0, "results": [
        {"topicName": "plat.logdirs", "partitions": [{"partitionIndex": 0, "errorCode": 0},
                                                      {"partitionIndex": 1, "errorCode": 0}]}]}}
    assert report["otherDir"] == {"error": [["LOG_DIR_NOT_FOUND", 57, "/results/0/partitions/0"],
                                            ["LOG_DIR_NOT_FOUND", 57, "/results/0/partitions/1"]]}
