"""SASL and delegation tokens against a PLAINTEXT broker, as a Kafka 3.7 KRaft broker answers on
a PLAINTEXT listener: clients configured for SASL (librdkafka through confluent-kafka and kcat,
kafkajs, kafka-python, @platformatic/kafka) fail with the broker's ILLEGAL_SASL_STATE (34) rather
than a closed connection or a hang; every delegation token API gets
DELEGATION_TOKEN_REQUEST_NOT_ALLOWED (64), at every version (a Kafka broker refuses token
requests on a PLAINTEXT connection before anything else), and the connection keeps serving."""
import json
import logging
import os
import time

import pytest
from confluent_kafka import KafkaException, Producer
from confluent_kafka.admin import AdminClient

from conftest import node_version, run
from kafka_wire import Connection, Writer

HERE = os.path.dirname(os.path.abspath(__file__))

ILLEGAL_SASL_STATE = 34
TOKEN_REQUEST_NOT_ALLOWED = 64
SASL_REFUSED = "SaslAuthenticate request received after successful authentication"

SASL_PLAIN = {"security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": "PLAIN",
              "sasl.username": "u", "sasl.password": "p"}


def test_librdkafka_configured_for_sasl_fails_with_the_brokers_error(broker):
    errors = []
    admin = AdminClient({"bootstrap.servers": broker.bootstrap, **SASL_PLAIN})
    with pytest.raises(KafkaException):
        admin.list_topics(timeout=3)
    # librdkafka fails the broker connection with the handshake's error, described
    # ("Broker: Request not valid in current SASL state"), through the error callback.
    producer = Producer({"bootstrap.servers": broker.bootstrap, **SASL_PLAIN,
                         "error_cb": lambda error: errors.append(error.str())})
    deadline = time.monotonic() + 10
    while not errors and time.monotonic() < deadline:
        producer.poll(0.2)
    assert any("handshake failed" in e and "SASL state" in e for e in errors), errors


def test_kcat_configured_for_sasl_fails_with_the_brokers_error(broker):
    result = run(["kcat", "-b", broker.bootstrap, "-L", "-m", "5",
                  *[arg for key, value in SASL_PLAIN.items() for arg in ("-X", f"{key}={value}")]],
                 timeout=30)
    assert result.returncode != 0
    assert "handshake failed" in result.stderr and "SASL state" in result.stderr, result.stderr


def test_kafkajs_configured_for_sasl_fails_with_the_brokers_error(broker):
    result = run(["node", os.path.join(HERE, "kafkajs_sasl.js"), broker.bootstrap], cwd=HERE)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert "connected" not in report
    assert "ILLEGAL_SASL_STATE" in json.dumps(report) or "SASL state" in json.dumps(report), report


def test_kafka_python_configured_for_sasl_fails_with_the_brokers_error(broker, caplog):
    from kafka import KafkaAdminClient
    from kafka import errors as Errors
    caplog.set_level(logging.INFO, logger="kafka.conn")
    # kafka-python closes the connection on the handshake's error and, finding no broker it
    # can talk to, gives up with NoBrokersAvailable; the log names the broker's error.
    with pytest.raises(Errors.NoBrokersAvailable):
        KafkaAdminClient(bootstrap_servers=broker.bootstrap, security_protocol="SASL_PLAINTEXT",
                         sasl_mechanism="PLAIN", sasl_plain_username="u",
                         sasl_plain_password="p", request_timeout_ms=5000,
                         api_version_auto_timeout_ms=3000)
    assert "[Error 34] IllegalSaslStateError" in caplog.text, caplog.text[-2000:]


# The wire, every version, on one connection that must stay open throughout.

def handshake(connection, version):
    r = connection.call(17, version, False, Writer(False).string("PLAIN"))
    error = r.int16()
    mechanisms = r.array(lambda r: r.string())
    r.done()
    return error, mechanisms


def authenticate(connection, version):
    flexible = version >= 2
    r = connection.call(36, version, flexible, Writer(flexible).bytes_(b"\0u\0p").tags())
    answer = {"error": r.int16(), "message": r.string(), "auth_bytes": r.bytes_()}
    if version >= 1:
        answer["session_lifetime_ms"] = r.int64()
    r.tags()
    r.done()
    return answer


def create_token(connection, version, owner=None):
    flexible = version >= 2
    w = Writer(flexible)
    if version >= 3:
        w.string(owner[0] if owner else None).string(owner[1] if owner else None)
    w.array([("User", "bob")], lambda w, p: w.string(p[0]).string(p[1]).tags())
    w.int64(-1).tags()
    r = connection.call(38, version, flexible, w)
    answer = {"error": r.int16(), "owner": (r.string(), r.string())}
    if version >= 3:
        answer["requester"] = (r.string(), r.string())
    answer["timestamps"] = (r.int64(), r.int64(), r.int64())
    answer["token_id"] = r.string()
    answer["hmac"] = r.bytes_()
    answer["throttle"] = r.int32()
    r.tags()
    r.done()
    return answer


def renew_or_expire(connection, key, version):
    flexible = version >= 2
    r = connection.call(key, version, flexible, Writer(flexible).bytes_(b"mac").int64(1000).tags())
    answer = (r.int16(), r.int64(), r.int32())
    r.tags()
    r.done()
    return answer


def describe_tokens(connection, version, owners):
    flexible = version >= 2
    w = Writer(flexible).array(owners, lambda w, p: w.string(p[0]).string(p[1]).tags()).tags()
    r = connection.call(41, version, flexible, w)
    error = r.int16()
    tokens = r.array(lambda r: r)  # none expected; a token would fail r.done() below
    throttle = r.int32()
    r.tags()
    r.done()
    return error, tokens, throttle


def test_every_version_answers_as_kafka_on_a_plaintext_listener(broker):
    connection = Connection(broker.bootstrap)
    try:
        for version in (0, 1):
            assert handshake(connection, version) == (ILLEGAL_SASL_STATE, [])
        for version in (0, 1, 2):
            answer = authenticate(connection, version)
            assert answer["error"] == ILLEGAL_SASL_STATE
            assert answer["message"] == SASL_REFUSED
            assert answer["auth_bytes"] == b""
            assert answer.get("session_lifetime_ms", 0) == 0
        for version in (0, 1, 2, 3):
            answer = create_token(connection, version)
            assert answer["error"] == TOKEN_REQUEST_NOT_ALLOWED
            assert answer["owner"] == ("User", "ANONYMOUS")
            if version >= 3:
                assert answer["requester"] == ("User", "ANONYMOUS")
            assert answer["timestamps"] == (-1, -1, -1)
            assert answer["token_id"] == "" and answer["hmac"] == b""
        owned = create_token(connection, 3, owner=("User", "alice"))
        assert owned["owner"] == ("User", "alice")
        assert owned["requester"] == ("User", "ANONYMOUS")
        for version in (0, 1, 2):
            assert renew_or_expire(connection, 39, version) == (TOKEN_REQUEST_NOT_ALLOWED, -1, 0)
            assert renew_or_expire(connection, 40, version) == (TOKEN_REQUEST_NOT_ALLOWED, -1, 0)
        for version in (0, 1, 2, 3):
            for owners in (None, [], [("User", "alice")]):
                assert describe_tokens(connection, version, owners) == \
                    (TOKEN_REQUEST_NOT_ALLOWED, [], 0)
        # Still open and serving: a Metadata v1 request for no topics.
        r = connection.call(3, 1, False, Writer(False).array([], lambda w, t: None))
        assert r.array(lambda r: (r.int32(), r.string(), r.int32(), r.string()))[0][0] == 1
    finally:
        connection.close()


def test_platformatic_sasl_and_token_apis(broker):
    if node_version() < (20, 19):
        pytest.skip("@platformatic/kafka needs node >= 20.19")
    result = run(["node", os.path.join(HERE, "platformatic_security.js"), broker.bootstrap],
                 cwd=HERE, timeout=90)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["saslAdmin"]["error"] == [["ILLEGAL_SASL_STATE", ILLEGAL_SASL_STATE, "/"]], \
        report["saslAdmin"]
    assert report["handshake"]["error"] == [["ILLEGAL_SASL_STATE", ILLEGAL_SASL_STATE, "/"]]
    assert report["handshake"]["response"]["mechanisms"] == []
    assert report["authenticate"]["error"] == [["ILLEGAL_SASL_STATE", ILLEGAL_SASL_STATE, "/"]]
    assert report["authenticate"]["response"]["errorMessage"] == SASL_REFUSED
    disabled = [["DELEGATION_TOKEN_REQUEST_NOT_ALLOWED", TOKEN_REQUEST_NOT_ALLOWED, "/"]]
    for name in ("create", "createOwned", "renew", "expire"):
        assert report[name]["error"] == disabled, (name, report[name])
    assert report["create"]["response"]["principalName"] == "ANONYMOUS"
    assert report["createOwned"]["response"]["principalName"] == "alice"
    assert report["createOwned"]["response"]["tokenRequesterPrincipalName"] == "ANONYMOUS"
