package main

// Scenario admin: sarama's ClusterAdmin against the broker, and the error codes Kafka gives
// for a duplicate topic, an unknown topic and invalid requests. Where ClusterAdmin hides a
// per-resource code (DescribeConfig, AlterConfig, DeleteRecords only look at the message or
// nothing), the same request goes out through sarama's Broker to check the code itself.

import (
	"fmt"
	"sort"
	"time"

	"github.com/Shopify/sarama"
)

// expect_code fails unless err carries Kafka error `want` (ClusterAdmin returns *TopicError,
// *TopicPartitionError or a bare KError depending on the call).
func expect_code(err error, want sarama.KError, what string) {
	var got sarama.KError
	switch typed := err.(type) {
	case nil:
		failf("%s: succeeded, Kafka answers %d (%v)", what, int16(want), want)
	case *sarama.TopicError:
		got = typed.Err
	case *sarama.TopicPartitionError:
		got = typed.Err
	case sarama.KError:
		got = typed
	default:
		failf("%s: error %v, Kafka answers %d (%v)", what, err, int16(want), want)
	}
	if got != want {
		failf("%s: error %d (%v), Kafka answers %d (%v)", what, int16(got), err, int16(want),
			want)
	}
	step("%s: error %d (%v)", what, int16(want), want)
}

type admin_run struct {
	env        *environment
	admin      sarama.ClusterAdmin
	client     sarama.Client
	topic      string
	missing    string
	controller *sarama.Broker
}

func run_admin(env *environment) {
	admin, err := sarama.NewClusterAdmin(env.bootstrap, env.config())
	check(err, "NewClusterAdmin")
	defer admin.Close()
	client, err := sarama.NewClient(env.bootstrap, env.config())
	check(err, "NewClient")
	defer client.Close()
	controller, err := client.Controller()
	check(err, "Controller")
	run := &admin_run{env: env, admin: admin, client: client, topic: env.name("topic"),
		missing: env.name("missing"), controller: controller}
	run.cluster()
	run.create_topics()
	run.list_and_describe()
	run.configs()
	run.partitions()
	run.delete_records()
	run.delete_topic()
}

func (run *admin_run) cluster() {
	// DescribeCluster sends Metadata v0, which has no controller id (sarama reports -1); the
	// client found the controller with Metadata v1+.
	brokers, _, err := run.admin.DescribeCluster()
	check(err, "DescribeCluster")
	if len(brokers) != 1 || brokers[0].ID() != run.controller.ID() {
		failf("DescribeCluster: %d brokers, the controller is %d", len(brokers),
			run.controller.ID())
	}
	step("DescribeCluster: broker %d at %s, the controller", brokers[0].ID(), brokers[0].Addr())
}

func (run *admin_run) create_topics() {
	detail := &sarama.TopicDetail{NumPartitions: 3, ReplicationFactor: 1,
		ConfigEntries: map[string]*string{
			"retention.ms": text("3600000"), "cleanup.policy": text("delete")}}
	check(run.admin.CreateTopic(run.topic, detail, false), "CreateTopic "+run.topic)
	step("CreateTopic %s: 3 partitions, retention.ms and cleanup.policy set", run.topic)
	expect_code(run.admin.CreateTopic(run.topic, detail, false), sarama.ErrTopicAlreadyExists,
		"CreateTopic of an existing topic")
	check(run.admin.CreateTopic(run.missing, detail, true), "CreateTopic validateOnly")
	expect_code(run.admin.CreateTopic(run.missing+"-bad", &sarama.TopicDetail{NumPartitions: 1,
		ReplicationFactor: 1, ConfigEntries: map[string]*string{"retention.ms": text("soon")}},
		false), sarama.ErrInvalidConfig, "CreateTopic with retention.ms=soon")
	expect_code(run.admin.CreateTopic(run.missing+"-bad", &sarama.TopicDetail{NumPartitions: 0,
		ReplicationFactor: 1}, false), sarama.ErrInvalidPartitions,
		"CreateTopic with 0 partitions")
	expect_code(run.admin.CreateTopic(run.missing+"-bad", &sarama.TopicDetail{NumPartitions: 1,
		ReplicationFactor: 3}, false), sarama.ErrInvalidReplicationFactor,
		"CreateTopic with replication factor 3 on one broker")
}

func text(value string) *string { return &value }

func (run *admin_run) list_and_describe() {
	topics, err := run.admin.ListTopics()
	check(err, "ListTopics")
	detail, found := topics[run.topic]
	if !found {
		failf("ListTopics: %s missing", run.topic)
	}
	if _, found := topics[run.missing]; found {
		failf("ListTopics: %s was created with validateOnly", run.missing)
	}
	if detail.NumPartitions != 3 || detail.ReplicationFactor != 1 {
		failf("ListTopics: %s has %d partitions, replication factor %d", run.topic,
			detail.NumPartitions, detail.ReplicationFactor)
	}
	// ListTopics keeps the configs that are not defaults: exactly the two set at creation.
	set := map[string]string{}
	for name, value := range detail.ConfigEntries {
		set[name] = *value
	}
	expected := map[string]string{"retention.ms": "3600000", "cleanup.policy": "delete"}
	if fmt.Sprint(set) != fmt.Sprint(expected) {
		failf("ListTopics: %s has non-default configs %v, expected %v", run.topic, set, expected)
	}
	step("ListTopics: %s with 3 partitions and its two configs", run.topic)
	run.expect_partitions(3)
	described, err := run.admin.DescribeTopics([]string{run.missing})
	check(err, "DescribeTopics of an unknown topic")
	if len(described) != 1 {
		failf("DescribeTopics of an unknown topic: %d topics", len(described))
	}
	expect_code(described[0].Err, sarama.ErrUnknownTopicOrPartition,
		"DescribeTopics of an unknown topic")
}

// expect_partitions: DescribeTopics (Metadata) shows the topic with `count` partitions, each
// led by the one broker with itself as replica and ISR.
func (run *admin_run) expect_partitions(count int) {
	described, err := run.admin.DescribeTopics([]string{run.topic})
	check(err, "DescribeTopics")
	if len(described) != 1 || described[0].Name != run.topic || described[0].Err != 0 {
		failf("DescribeTopics %s: %+v", run.topic, described)
	}
	partitions := described[0].Partitions
	sort.Slice(partitions, func(a, b int) bool { return partitions[a].ID < partitions[b].ID })
	if len(partitions) != count {
		failf("DescribeTopics %s: %d partitions, expected %d", run.topic, len(partitions), count)
	}
	for index, partition := range partitions {
		if partition.ID != int32(index) || partition.Err != 0 || partition.Leader < 0 ||
			len(partition.Replicas) != 1 || len(partition.Isr) != 1 ||
			partition.Replicas[0] != partition.Leader || partition.Isr[0] != partition.Leader {
			failf("DescribeTopics %s: partition %+v", run.topic, partition)
		}
	}
	step("DescribeTopics %s: %d partitions, each with its leader as replica and ISR",
		run.topic, count)
}

// describe returns the topic's configs by name through ClusterAdmin.DescribeConfig.
func (run *admin_run) describe(topic string) map[string]sarama.ConfigEntry {
	entries, err := run.admin.DescribeConfig(sarama.ConfigResource{
		Type: sarama.TopicResource, Name: topic})
	check(err, "DescribeConfig "+topic)
	out := map[string]sarama.ConfigEntry{}
	for _, entry := range entries {
		out[entry.Name] = entry
	}
	return out
}

func expect_entry(entries map[string]sarama.ConfigEntry, name, value string, is_default bool,
	what string) {
	entry, found := entries[name]
	if !found {
		failf("%s: no %s among %d configs", what, name, len(entries))
	}
	if entry.Value != value || entry.Default != is_default || entry.ReadOnly || entry.Sensitive {
		failf("%s: %s is %+v, expected value %q default %v", what, name, entry, value,
			is_default)
	}
}

// raw_config_code sends DescribeConfigs or AlterConfigs for one topic straight to the
// controller and returns the resource's error code, which ClusterAdmin does not return.
func (run *admin_run) raw_describe_code(topic string) sarama.KError {
	response, err := run.controller.DescribeConfigs(&sarama.DescribeConfigsRequest{
		Resources: []*sarama.ConfigResource{{Type: sarama.TopicResource, Name: topic}}})
	check(err, "DescribeConfigs request")
	if len(response.Resources) != 1 || response.Resources[0].Name != topic {
		failf("DescribeConfigs %s: %d resources in the answer", topic, len(response.Resources))
	}
	return sarama.KError(response.Resources[0].ErrorCode)
}

func (run *admin_run) raw_alter_code(topic string, entries map[string]*string) sarama.KError {
	response, err := run.controller.AlterConfigs(&sarama.AlterConfigsRequest{
		Resources: []*sarama.AlterConfigsResource{{Type: sarama.TopicResource, Name: topic,
			ConfigEntries: entries}}})
	check(err, "AlterConfigs request")
	if len(response.Resources) != 1 || response.Resources[0].Name != topic {
		failf("AlterConfigs %s: %d resources in the answer", topic, len(response.Resources))
	}
	resource := response.Resources[0]
	if resource.ErrorCode != 0 && resource.ErrorMsg == "" {
		failf("AlterConfigs %s: error %d without a message (ClusterAdmin sees success)", topic,
			resource.ErrorCode)
	}
	return sarama.KError(resource.ErrorCode)
}

func (run *admin_run) configs() {
	entries := run.describe(run.topic)
	expect_entry(entries, "retention.ms", "3600000", false, "DescribeConfig")
	expect_entry(entries, "cleanup.policy", "delete", false, "DescribeConfig")
	expect_entry(entries, "segment.bytes", "1073741824", true, "DescribeConfig")
	step("DescribeConfig %s: %d configs, the two set are not defaults", run.topic, len(entries))

	_, err := run.admin.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource,
		Name: run.missing})
	if err == nil {
		failf("DescribeConfig of an unknown topic succeeded")
	}
	expect_code(run.raw_describe_code(run.missing), sarama.ErrUnknownTopicOrPartition,
		"DescribeConfigs of an unknown topic")

	// AlterConfigs replaces the whole set: cleanup.policy, left out, goes back to its default.
	check(run.admin.AlterConfig(sarama.TopicResource, run.topic,
		map[string]*string{"retention.ms": text("7200000")}, false), "AlterConfig")
	entries = run.describe(run.topic)
	expect_entry(entries, "retention.ms", "7200000", false, "DescribeConfig after AlterConfig")
	expect_entry(entries, "cleanup.policy", "delete", true, "DescribeConfig after AlterConfig")
	step("AlterConfig %s: retention.ms=7200000, cleanup.policy back to its default", run.topic)

	check(run.admin.AlterConfig(sarama.TopicResource, run.topic,
		map[string]*string{"retention.ms": text("60000")}, true), "AlterConfig validateOnly")
	expect_entry(run.describe(run.topic), "retention.ms", "7200000", false,
		"DescribeConfig after a validateOnly AlterConfig")
	if run.admin.AlterConfig(sarama.TopicResource, run.topic,
		map[string]*string{"retention.ms": text("soon")}, false) == nil {
		failf("AlterConfig retention.ms=soon succeeded")
	}
	expect_code(run.raw_alter_code(run.topic, map[string]*string{"retention.ms": text("soon")}),
		sarama.ErrInvalidConfig, "AlterConfigs retention.ms=soon")
	expect_code(run.raw_alter_code(run.missing,
		map[string]*string{"retention.ms": text("60000")}),
		sarama.ErrUnknownTopicOrPartition, "AlterConfigs of an unknown topic")
}

func (run *admin_run) partitions() {
	if !run.env.version.IsAtLeast(sarama.V1_0_0_0) {
		// sarama itself refuses CreatePartitions below 1.0, the release that brought it.
		step("CreatePartitions skipped: sarama sends it from version 1.0 on")
		run.expect_partitions(3)
		return
	}
	check(run.admin.CreatePartitions(run.topic, 5, nil, false), "CreatePartitions to 5")
	step("CreatePartitions %s: 3 -> 5", run.topic)
	// The new partitions reach the metadata of the broker through the controller.
	deadline := time.Now().Add(10 * time.Second)
	for {
		described, err := run.admin.DescribeTopics([]string{run.topic})
		check(err, "DescribeTopics")
		if len(described) == 1 && len(described[0].Partitions) == 5 {
			break
		}
		if time.Now().After(deadline) {
			failf("DescribeTopics %s: still not 5 partitions after 10 s", run.topic)
		}
		time.Sleep(50 * time.Millisecond)
	}
	run.expect_partitions(5)
	expect_code(run.admin.CreatePartitions(run.topic, 4, nil, false), sarama.ErrInvalidPartitions,
		"CreatePartitions to fewer partitions")
	expect_code(run.admin.CreatePartitions(run.missing, 2, nil, false),
		sarama.ErrUnknownTopicOrPartition, "CreatePartitions of an unknown topic")
}

// delete_records: 10 records in partition 0, DeleteRecords before offset 4 moves the log start
// there; an offset past the end is OFFSET_OUT_OF_RANGE.
func (run *admin_run) delete_records() {
	config := run.env.config()
	config.Producer.Return.Successes = true
	config.Producer.RequiredAcks = sarama.WaitForAll
	config.Producer.Partitioner = sarama.NewManualPartitioner
	producer, err := sarama.NewSyncProducer(run.env.bootstrap, config)
	check(err, "NewSyncProducer")
	for index := 0; index < 10; index++ {
		_, _, err := producer.SendMessage(&sarama.ProducerMessage{Topic: run.topic, Partition: 0,
			Value: sarama.StringEncoder(fmt.Sprint("record ", index))})
		check(err, "SendMessage")
	}
	check(producer.Close(), "close producer")
	check(run.admin.DeleteRecords(run.topic, map[int32]int64{0: 4}), "DeleteRecords before 4")
	oldest, err := run.client.GetOffset(run.topic, 0, sarama.OffsetOldest)
	check(err, "GetOffset oldest")
	if oldest != 4 {
		failf("after DeleteRecords before 4, the oldest offset is %d", oldest)
	}
	consumer, err := sarama.NewConsumerFromClient(run.client)
	check(err, "NewConsumer")
	reader, err := consumer.ConsumePartition(run.topic, 0, sarama.OffsetOldest)
	check(err, "ConsumePartition oldest")
	select {
	case message := <-reader.Messages():
		if message.Offset != 4 || string(message.Value) != "record 4" {
			failf("after DeleteRecords the first record is %d %q", message.Offset, message.Value)
		}
	case <-time.After(15 * time.Second):
		failf("after DeleteRecords nothing came back from the oldest offset")
	}
	check(reader.Close(), "close partition consumer")
	check(consumer.Close(), "close consumer")
	step("DeleteRecords %s[0] before 4: the oldest offset and the first record are 4", run.topic)

	response, err := run.controller.DeleteRecords(&sarama.DeleteRecordsRequest{
		Topics: map[string]*sarama.DeleteRecordsRequestTopic{run.topic: {
			PartitionOffsets: map[int32]int64{0: 11, 1: -1}}},
		Timeout: 10 * time.Second})
	check(err, "DeleteRecords request")
	answer := response.Topics[run.topic]
	if answer == nil || answer.Partitions[0] == nil || answer.Partitions[1] == nil {
		failf("DeleteRecords: no answer for %s partitions 0 and 1", run.topic)
	}
	expect_code(answer.Partitions[0].Err, sarama.ErrOffsetOutOfRange,
		"DeleteRecords past the high watermark")
	// -1 means up to the high watermark: partition 1 holds nothing, so 0.
	if answer.Partitions[1].Err != 0 || answer.Partitions[1].LowWatermark != 0 {
		failf("DeleteRecords to the high watermark of an empty partition: %+v",
			*answer.Partitions[1])
	}
}

func (run *admin_run) delete_topic() {
	check(run.admin.DeleteTopic(run.topic), "DeleteTopic")
	step("DeleteTopic %s", run.topic)
	expect_code(run.admin.DeleteTopic(run.topic), sarama.ErrUnknownTopicOrPartition,
		"DeleteTopic of a deleted topic")
	topics, err := run.admin.ListTopics()
	check(err, "ListTopics")
	if _, found := topics[run.topic]; found {
		failf("ListTopics after DeleteTopic still lists %s", run.topic)
	}
	described, err := run.admin.DescribeTopics([]string{run.topic})
	check(err, "DescribeTopics of a deleted topic")
	if len(described) != 1 {
		failf("DescribeTopics of a deleted topic: %d topics", len(described))
	}
	expect_code(described[0].Err, sarama.ErrUnknownTopicOrPartition,
		"DescribeTopics of a deleted topic")
}
