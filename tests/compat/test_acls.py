"""The ACL APIs (DescribeAcls 29, CreateAcls 30, DeleteAcls 31, v0-3) answered as Kafka 3.7 answers
without an authorizer: SECURITY_DISABLED (54), with Kafka's messages, on the whole DescribeAcls
response and on every creation and filter. Checked through kafka-python's admin client, through
librdkafka's admin API (the library under confluent-kafka; Debian's confluent-kafka 1.7 has no ACL
calls, so it is called through ctypes; it drops DescribeAcls' error code, as with Kafka), through
kafkajs, and on the wire at every version, including the connection Kafka closes for an UNKNOWN
(0) enum code."""
import ctypes
import ctypes.util
import json
import os

import pytest
from kafka import KafkaAdminClient
from kafka import errors as Errors
from kafka.admin import (ACL, ACLFilter, ACLOperation, ACLPermissionType,
                         ACLResourcePatternType, ResourcePattern, ResourcePatternFilter,
                         ResourceType)

from conftest import run
from kafka_wire import Connection, Writer

HERE = os.path.dirname(os.path.abspath(__file__))
SECURITY_DISABLED = 54
DESCRIBE_MESSAGE = "No Authorizer is configured on the broker"
ALTER_MESSAGE = "No Authorizer is configured."

# Kafka's enum codes (org.apache.kafka.common.acl, .resource): 0 is UNKNOWN in each.
ANY, TOPIC, LITERAL, READ, ALLOW = 1, 2, 3, 3, 3


# kafka-python 2.0.2 sends v1 of each (it knows v0-1).

def test_kafka_python_describe_acls_raises_security_disabled(broker):
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        everything = ACLFilter(principal=None, host=None, operation=ACLOperation.ANY,
                               permission_type=ACLPermissionType.ANY,
                               resource_pattern=ResourcePatternFilter(
                                   ResourceType.ANY, None, ACLResourcePatternType.ANY))
        with pytest.raises(Errors.SecurityDisabledError) as raised:
            admin.describe_acls(everything)
        assert DESCRIBE_MESSAGE in str(raised.value)
    finally:
        admin.close()


def test_kafka_python_create_and_delete_acls_fail_with_security_disabled(broker):
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        acls = [ACL(principal="User:alice", host="*", operation=ACLOperation.READ,
                    permission_type=ACLPermissionType.ALLOW,
                    resource_pattern=ResourcePattern(ResourceType.TOPIC, name,
                                                     ACLResourcePatternType.LITERAL))
                for name in ("orders", "payments")]
        created = admin.create_acls(acls)
        assert created["succeeded"] == []
        assert [(acl, error) for acl, error in created["failed"]] == \
            [(acl, Errors.SecurityDisabledError) for acl in acls]

        topic_filter = ACLFilter(principal="User:alice", host=None, operation=ACLOperation.ANY,
                                 permission_type=ACLPermissionType.ANY,
                                 resource_pattern=ResourcePatternFilter(
                                     ResourceType.TOPIC, "orders", ACLResourcePatternType.ANY))
        deleted = admin.delete_acls([topic_filter, topic_filter])
        assert deleted == [(topic_filter, [], Errors.SecurityDisabledError)] * 2
    finally:
        admin.close()


# librdkafka (2.0.2 here) through ctypes: its DescribeAcls, CreateAcls and DeleteAcls (v0-1).

class Rdkafka:
    def __init__(self, bootstrap):
        path = ctypes.util.find_library("rdkafka")
        if path is None:
            pytest.fail("librdkafka is not installed (Debian: librdkafka1)")
        lib = self.lib = ctypes.CDLL(path)
        p = ctypes.c_void_p
        for name, restype in (("rd_kafka_conf_new", p), ("rd_kafka_new", p),
                              ("rd_kafka_queue_new", p), ("rd_kafka_queue_poll", p),
                              ("rd_kafka_AclBinding_new", p), ("rd_kafka_AclBindingFilter_new", p),
                              ("rd_kafka_event_CreateAcls_result", p),
                              ("rd_kafka_event_DescribeAcls_result", p),
                              ("rd_kafka_event_DeleteAcls_result", p),
                              ("rd_kafka_CreateAcls_result_acls", ctypes.POINTER(p)),
                              ("rd_kafka_DescribeAcls_result_acls", ctypes.POINTER(p)),
                              ("rd_kafka_DeleteAcls_result_responses", ctypes.POINTER(p)),
                              ("rd_kafka_acl_result_error", p),
                              ("rd_kafka_DeleteAcls_result_response_error", p),
                              ("rd_kafka_error_string", ctypes.c_char_p),
                              ("rd_kafka_event_error_string", ctypes.c_char_p),
                              ("rd_kafka_error_code", ctypes.c_int),
                              ("rd_kafka_event_error", ctypes.c_int)):
            getattr(lib, name).restype = restype
        lib.rd_kafka_queue_poll.argtypes = [p, ctypes.c_int]
        for name in ("rd_kafka_AclBinding_new", "rd_kafka_AclBindingFilter_new"):
            getattr(lib, name).argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int,
                                           ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int,
                                           ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t]
        for name in ("rd_kafka_event_CreateAcls_result", "rd_kafka_event_DescribeAcls_result",
                     "rd_kafka_event_DeleteAcls_result", "rd_kafka_acl_result_error",
                     "rd_kafka_DeleteAcls_result_response_error", "rd_kafka_error_string",
                     "rd_kafka_error_code", "rd_kafka_event_error",
                     "rd_kafka_event_error_string", "rd_kafka_event_destroy",
                     "rd_kafka_queue_destroy", "rd_kafka_destroy"):
            getattr(lib, name).argtypes = [p]
        for name in ("rd_kafka_CreateAcls_result_acls", "rd_kafka_DescribeAcls_result_acls",
                     "rd_kafka_DeleteAcls_result_responses"):
            getattr(lib, name).argtypes = [p, ctypes.POINTER(ctypes.c_size_t)]
        lib.rd_kafka_CreateAcls.argtypes = [p, ctypes.POINTER(p), ctypes.c_size_t, p, p]
        lib.rd_kafka_DeleteAcls.argtypes = [p, ctypes.POINTER(p), ctypes.c_size_t, p, p]
        lib.rd_kafka_DescribeAcls.argtypes = [p, p, p, p]
        lib.rd_kafka_conf_set.argtypes = [p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                                          ctypes.c_size_t]
        lib.rd_kafka_new.argtypes = [ctypes.c_int, p, ctypes.c_char_p, ctypes.c_size_t]

        errstr = ctypes.create_string_buffer(512)
        conf = lib.rd_kafka_conf_new()
        assert lib.rd_kafka_conf_set(conf, b"bootstrap.servers", bootstrap.encode(), errstr,
                                     512) == 0, errstr.value
        self.rk = lib.rd_kafka_new(0, conf, errstr, 512)  # a producer handle
        assert self.rk, errstr.value
        self.queue = lib.rd_kafka_queue_new(self.rk)

    def close(self):
        self.lib.rd_kafka_queue_destroy(self.queue)
        self.lib.rd_kafka_destroy(self.rk)

    def binding(self, new, name, pattern):
        errstr = ctypes.create_string_buffer(512)
        make = self.lib.rd_kafka_AclBinding_new if new else self.lib.rd_kafka_AclBindingFilter_new
        acl = make(TOPIC, name, pattern, b"User:alice", b"*", READ, ALLOW, errstr, 512)
        assert acl, errstr.value
        return acl

    def result(self, accessor):
        event = self.lib.rd_kafka_queue_poll(self.queue, 15000)
        assert event, "no admin result within 15 s"
        result = accessor(event)
        assert result, "an event of another type"
        return event, result

    def errors(self, result, list_of, error_of):
        count = ctypes.c_size_t()
        items = list_of(result, ctypes.byref(count))
        outcome = []
        for i in range(count.value):
            error = error_of(items[i])
            outcome.append((self.lib.rd_kafka_error_code(error),
                            self.lib.rd_kafka_error_string(error).decode()) if error else None)
        return outcome


def test_librdkafka_acl_admin_calls_fail_with_security_disabled(broker):
    rd = Rdkafka(broker.bootstrap)
    lib = rd.lib
    try:
        # librdkafka reads DescribeAcls' error code and drops it (its response parser returns no
        # error whatever the code): against Kafka without an authorizer too, the result is an
        # empty listing without an error. The wire test below checks the code itself.
        lib.rd_kafka_DescribeAcls(rd.rk, rd.binding(False, None, ANY), None, rd.queue)
        event, result = rd.result(lib.rd_kafka_event_DescribeAcls_result)
        assert lib.rd_kafka_event_error(event) == 0
        count = ctypes.c_size_t(99)
        lib.rd_kafka_DescribeAcls_result_acls(result, ctypes.byref(count))
        assert count.value == 0
        lib.rd_kafka_event_destroy(event)

        acls = (ctypes.c_void_p * 2)(rd.binding(True, b"orders", LITERAL),
                                     rd.binding(True, b"payments", LITERAL))
        lib.rd_kafka_CreateAcls(rd.rk, acls, 2, None, rd.queue)
        event, result = rd.result(lib.rd_kafka_event_CreateAcls_result)
        assert lib.rd_kafka_event_error(event) == 0
        assert rd.errors(result, lib.rd_kafka_CreateAcls_result_acls,
                         lib.rd_kafka_acl_result_error) == [(SECURITY_DISABLED, ALTER_MESSAGE)] * 2
        lib.rd_kafka_event_destroy(event)

        filters = (ctypes.c_void_p * 1)(rd.binding(False, b"orders", ANY))
        lib.rd_kafka_DeleteAcls(rd.rk, filters, 1, None, rd.queue)
        event, result = rd.result(lib.rd_kafka_event_DeleteAcls_result)
        assert lib.rd_kafka_event_error(event) == 0
        assert rd.errors(result, lib.rd_kafka_DeleteAcls_result_responses,
                         lib.rd_kafka_DeleteAcls_result_response_error) == \
            [(SECURITY_DISABLED, ALTER_MESSAGE)]
        lib.rd_kafka_event_destroy(event)
    finally:
        rd.close()


def test_kafkajs_acl_admin_calls_reject_with_security_disabled(broker):
    result = run(["node", os.path.join(HERE, "kafkajs_acls.js"), broker.bootstrap], cwd=HERE)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    refused = {"name": "KafkaJSProtocolError", "type": "SECURITY_DISABLED",
               "code": SECURITY_DISABLED, "retriable": False}
    assert report == {"describe": refused, "create": refused, "delete": refused}


# The wire, every version: v0 has no pattern type, v2+ is flexible.

def write_filter(w, version, resource_type=TOPIC, pattern=LITERAL, operation=ANY):
    w.int8(resource_type).string("orders")
    if version >= 1:
        w.int8(pattern)
    w.string(None).string(None).int8(operation).int8(ANY)


def write_creation(w, version, name, operation=READ):
    w.int8(TOPIC).string(name)
    if version >= 1:
        w.int8(LITERAL)
    w.string("User:alice").string("*").int8(operation).int8(ALLOW)


@pytest.mark.parametrize("version", [0, 1, 2, 3])
def test_wire_answers_every_version(broker, version):
    flexible = version >= 2
    connection = Connection(broker.bootstrap)
    try:
        body = Writer(flexible)
        write_filter(body, version)
        r = connection.call(29, version, flexible, body.tags())
        assert (r.int32(), r.int16(), r.string()) == (0, SECURITY_DISABLED, DESCRIBE_MESSAGE)
        assert r.array(lambda r: pytest.fail("a resource listed")) == []
        r.tags()
        r.done()

        body = Writer(flexible).array(["a", "b", "c"], lambda w, name: (
            write_creation(w, version, name), w.tags()))
        r = connection.call(30, version, flexible, body.tags())
        assert r.int32() == 0

        def creation_result(r):
            result = (r.int16(), r.string())
            r.tags()
            return result
        assert r.array(creation_result) == [(SECURITY_DISABLED, ALTER_MESSAGE)] * 3
        r.tags()
        r.done()

        body = Writer(flexible).array([0, 1], lambda w, _: (write_filter(w, version), w.tags()))
        r = connection.call(31, version, flexible, body.tags())
        assert r.int32() == 0

        def filter_result(r):
            result = (r.int16(), r.string(), r.array(lambda r: pytest.fail("an ACL matched")))
            r.tags()
            return result
        assert r.array(filter_result) == [(SECURITY_DISABLED, ALTER_MESSAGE, [])] * 2
        r.tags()
        r.done()
    finally:
        connection.close()


# Kafka's request classes refuse an UNKNOWN (0) code while parsing and its broker closes the
# connection without an answer; an undefined code other than 0 is answered.
@pytest.mark.parametrize("key,write", [
    (29, lambda w: write_filter(w, 1, operation=0)),
    (29, lambda w: write_filter(w, 1, pattern=0)),
    (30, lambda w: w.array([0], lambda w, _: write_creation(w, 1, "orders", operation=0))),
    (31, lambda w: w.array([0], lambda w, _: write_filter(w, 1, resource_type=0))),
])
def test_wire_unknown_code_closes_the_connection(broker, key, write):
    connection = Connection(broker.bootstrap)
    try:
        body = Writer(False)
        write(body)
        with pytest.raises(ConnectionError):
            connection.call(key, 1, False, body)
    finally:
        connection.close()
    connection = Connection(broker.bootstrap)
    try:
        body = Writer(False)
        write_filter(body, 1, operation=99)
        r = connection.call(29, 1, False, body)
        assert (r.int32(), r.int16()) == (0, SECURITY_DISABLED)
    finally:
        connection.close()
