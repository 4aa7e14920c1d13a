package main

// Scenario produce-consume: a SyncProducer (acks=all) per codec the version allows, an
// AsyncProducer with batching, then consumers from the oldest offset, from a given offset and
// from the newest (long poll), and GetOffset by time, newest and oldest.

import (
	"fmt"
	"sort"
	"time"

	"github.com/Shopify/sarama"
)

const partitions_count = 3

// clock hands out distinct, increasing millisecond timestamps (Kafka keeps milliseconds), a
// few minutes in the past so that no broker limit on future timestamps applies.
type clock struct{ next_ms int64 }

func new_clock() *clock {
	return &clock{next_ms: time.Now().Add(-10*time.Minute).UnixNano() / int64(time.Millisecond)}
}

func (c *clock) tick() time.Time {
	c.next_ms++
	return time.Unix(0, c.next_ms*int64(time.Millisecond))
}

// The codecs that round-trip. zstd does not with sarama 1.22 (see check_zstd_refused).
var codecs = map[string]sarama.CompressionCodec{
	"none": sarama.CompressionNone, "gzip": sarama.CompressionGZIP,
	"snappy": sarama.CompressionSnappy, "lz4": sarama.CompressionLZ4,
}

// message_for makes record `index` of a run: null keys, null and empty values and headers
// (some without a value) all appear, so that each kind round-trips.
func message_for(topic, label string, index int, at time.Time) *sarama.ProducerMessage {
	message := &sarama.ProducerMessage{Topic: topic, Timestamp: at}
	if index%10 != 7 {
		message.Key = sarama.ByteEncoder(fmt.Sprintf("key-%s-%d", label, index))
	}
	switch index % 10 {
	case 3: // null value
	case 5:
		message.Value = sarama.ByteEncoder([]byte{})
	default:
		value := fmt.Sprintf("%s value %d ", label, index)
		for len(value) < 300 {
			value += value // compressible, so each codec really compresses something
		}
		message.Value = sarama.ByteEncoder(value)
	}
	if index%4 != 0 {
		message.Headers = []sarama.RecordHeader{
			{Key: []byte("label"), Value: []byte(label)},
			{Key: []byte("index"), Value: []byte(fmt.Sprint(index))},
		}
		if index%4 == 3 {
			message.Headers = append(message.Headers, sarama.RecordHeader{Key: []byte("empty")})
		}
	}
	return message
}

func producer_config(env *environment, codec sarama.CompressionCodec) *sarama.Config {
	config := env.config()
	config.Producer.RequiredAcks = sarama.WaitForAll
	config.Producer.Return.Successes = true
	config.Producer.Compression = codec
	// sarama 1.22 can send before its new connection is open ("broker not connected", no
	// request reached the broker); its default retries cover that. A retried batch that the
	// broker had appended would show up as a record nobody was acknowledged for.
	config.Producer.Retry.Max = 3
	config.Producer.Retry.Backoff = 100 * time.Millisecond
	// Several records per batch, so that compressed batches hold more than one record.
	config.Producer.Flush.Messages = 16
	config.Producer.Flush.Frequency = 20 * time.Millisecond
	return config
}

func produce_sync(env *environment, topic string, book ledger, times *clock) {
	var names []string
	for name := range codecs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		producer, err := sarama.NewSyncProducer(env.bootstrap, producer_config(env, codecs[name]))
		check(err, "NewSyncProducer "+name)
		var messages []*sarama.ProducerMessage
		for index := 0; index < 40; index++ {
			messages = append(messages, message_for(topic, name, index, times.tick()))
		}
		if err := producer.SendMessages(messages); err != nil {
			failf("SendMessages %s: %v", name, describe_errors(err))
		}
		for _, message := range messages {
			book.add(message.Partition, message.Offset, record_from(message))
		}
		// One more through SendMessage, whose answer carries the partition and offset.
		single := message_for(topic, name+"-single", 1, times.tick())
		partition, offset, err := producer.SendMessage(single)
		check(err, "SendMessage "+name)
		book.add(partition, offset, record_from(single))
		check(producer.Close(), "close producer "+name)
		step("SyncProducer acks=all, %s: %d records acknowledged", name, len(messages)+1)
	}
}

func produce_async(env *environment, topic string, book ledger, times *clock) {
	config := producer_config(env, sarama.CompressionSnappy)
	config.Producer.Return.Errors = true
	config.Producer.Flush.Messages = 50
	config.Producer.Flush.Frequency = 50 * time.Millisecond
	producer, err := sarama.NewAsyncProducer(env.bootstrap, config)
	check(err, "NewAsyncProducer")
	const total = 500
	go func() {
		for index := 0; index < total; index++ {
			producer.Input() <- message_for(topic, "async", index, times.tick())
		}
	}()
	deadline := time.After(30 * time.Second)
	for done := 0; done < total; done++ {
		select {
		case message := <-producer.Successes():
			book.add(message.Partition, message.Offset, record_from(message))
		case failure := <-producer.Errors():
			failf("AsyncProducer: %v", failure.Err)
		case <-deadline:
			failf("AsyncProducer: %d of %d acknowledged after 30 s", done, total)
		}
	}
	check(producer.Close(), "close AsyncProducer")
	step("AsyncProducer (snappy, batches of up to 50): %d records acknowledged", total)
}

func run_produce_consume(env *environment) {
	topic := env.name("records")
	admin, err := sarama.NewClusterAdmin(env.bootstrap, env.config())
	check(err, "NewClusterAdmin")
	check(admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: partitions_count,
		ReplicationFactor: 1}, false), "CreateTopic "+topic)
	check(admin.Close(), "close admin")

	book := ledger{}
	times := new_clock()
	produce_sync(env, topic, book, times)
	produce_async(env, topic, book, times)

	client, err := sarama.NewClient(env.bootstrap, env.config())
	check(err, "NewClient")
	defer client.Close()
	consumer, err := sarama.NewConsumerFromClient(client)
	check(err, "NewConsumer")
	defer consumer.Close()
	for partition := int32(0); partition < partitions_count; partition++ {
		offsets := book.offsets(partition)
		if len(offsets) == 0 {
			failf("%s[%d]: no record was acknowledged there", topic, partition)
		}
		check_offsets(client, topic, partition, book)
		newest := offsets[len(offsets)-1]
		read := consume_range(consumer, topic, partition, sarama.OffsetOldest, newest, book)
		middle := offsets[len(offsets)/2]
		again := consume_range(consumer, topic, partition, middle, newest, book)
		step("%s[%d]: %d records back from the oldest offset, %d from offset %d",
			topic, partition, read, again, middle)
	}
	if expected := len(codecs)*41 + 500; book.count() != expected {
		failf("%d records in the ledger, %d produced", book.count(), expected)
	}
	check_long_poll(env, consumer, topic, book, times)
	check_zstd_refused(env, times)
	check_log_append_time(env, times)
	for partition := int32(0); partition < partitions_count; partition++ {
		check_by_time(client, topic, partition, book)
	}
}

// check_offsets: GetOffset newest is one past the last acknowledged offset, oldest is 0, and
// the acknowledged offsets are exactly 0 .. newest-1 (no gaps on a fresh topic).
func check_offsets(client sarama.Client, topic string, partition int32, book ledger) {
	offsets := book.offsets(partition)
	newest, err := client.GetOffset(topic, partition, sarama.OffsetNewest)
	check(err, "GetOffset newest")
	oldest, err := client.GetOffset(topic, partition, sarama.OffsetOldest)
	check(err, "GetOffset oldest")
	if oldest != 0 || newest != int64(len(offsets)) || offsets[len(offsets)-1] != newest-1 {
		failf("%s[%d]: oldest %d newest %d, but %d records acknowledged at %d..%d",
			topic, partition, oldest, newest, len(offsets), offsets[0], offsets[len(offsets)-1])
	}
}

// check_by_time: GetOffset(t) is the first offset whose timestamp is at least t (ListOffsets
// by timestamp), -1 past the last timestamp.
func check_by_time(client sarama.Client, topic string, partition int32, book ledger) {
	offsets := book.offsets(partition)
	records := book[partition]
	millis := func(at time.Time) int64 { return at.UnixNano() / int64(time.Millisecond) }
	samples := []int{0, 1, len(offsets) / 3, len(offsets) / 2, len(offsets) - 1}
	for _, index := range samples {
		record := records[offsets[index]]
		// Exactly a record's timestamp, and one millisecond before it (between two records).
		for _, target := range []int64{millis(record.timestamp), millis(record.timestamp) - 1} {
			expected := int64(-1)
			for _, offset := range offsets {
				if millis(records[offset].timestamp) >= target {
					expected = offset
					break
				}
			}
			got, err := client.GetOffset(topic, partition, target)
			check(err, fmt.Sprintf("GetOffset by time %d", target))
			if got != expected {
				failf("%s[%d]: GetOffset(time %d) = %d, expected %d", topic, partition,
					target, got, expected)
			}
		}
	}
	last := millis(records[offsets[len(offsets)-1]].timestamp)
	got, err := client.GetOffset(topic, partition, last+1)
	check(err, "GetOffset past the last timestamp")
	if got != -1 {
		failf("%s[%d]: GetOffset(time past the last record) = %d, expected -1",
			topic, partition, got)
	}
	step("%s[%d]: GetOffset by time matches the first record at or after each time",
		topic, partition)
}

// check_long_poll: a consumer parked at the newest offset gets a record produced after it.
func check_long_poll(env *environment, consumer sarama.Consumer, topic string, book ledger,
	times *clock) {
	const partition = int32(1)
	reader, err := consumer.ConsumePartition(topic, partition, sarama.OffsetNewest)
	check(err, "ConsumePartition newest")
	defer reader.Close()
	time.Sleep(300 * time.Millisecond) // let the fetch reach the broker and park
	producer, err := sarama.NewSyncProducer(env.bootstrap, func() *sarama.Config {
		config := producer_config(env, sarama.CompressionNone)
		config.Producer.Partitioner = sarama.NewManualPartitioner
		return config
	}())
	check(err, "NewSyncProducer")
	defer producer.Close()
	message := message_for(topic, "late", 2, times.tick())
	message.Partition = partition
	_, offset, err := producer.SendMessage(message)
	check(err, "SendMessage late")
	book.add(partition, offset, record_from(message))
	select {
	case got := <-reader.Messages():
		if got.Offset != offset {
			failf("consumer at newest got offset %d, the new record is at %d", got.Offset, offset)
		}
		check_message(book[partition][offset], got)
	case failure := <-reader.Errors():
		failf("consumer at newest: %v", failure)
	case <-time.After(15 * time.Second):
		failf("consumer at newest: the record produced at %d did not arrive in 15 s", offset)
	}
	step("%s[%d]: a consumer at the newest offset got the record produced after it",
		topic, partition)
}

// check_zstd_refused: sarama 1.22 puts zstd batches in Produce v3 and reads with Fetch v4 (the
// bump to Produce v7 and Fetch v10 came in later releases). Kafka refuses both, as KIP-110 has
// it: a zstd batch in Produce below v7 is UNSUPPORTED_COMPRESSION_TYPE, and so is a Fetch below
// v10 of a topic whose compression.type is zstd, whatever its batches hold.
func check_zstd_refused(env *environment, times *clock) {
	topic := env.name("zstd")
	admin, err := sarama.NewClusterAdmin(env.bootstrap, env.config())
	check(err, "NewClusterAdmin")
	check(admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1,
		ConfigEntries: map[string]*string{"compression.type": text("zstd")}}, false),
		"CreateTopic "+topic)
	check(admin.Close(), "close admin")
	if env.version.IsAtLeast(sarama.V2_1_0_0) { // sarama refuses a zstd config below 2.1
		producer, err := sarama.NewSyncProducer(env.bootstrap,
			producer_config(env, sarama.CompressionZSTD))
		check(err, "NewSyncProducer zstd")
		_, _, err = producer.SendMessage(message_for(topic, "zstd", 1, times.tick()))
		expect_code(err, sarama.ErrUnsupportedCompressionType, "Produce v3 of a zstd batch")
		check(producer.Close(), "close producer zstd")
	}
	// gzip is accepted and stored as zstd, the topic's codec.
	producer, err := sarama.NewSyncProducer(env.bootstrap,
		producer_config(env, sarama.CompressionGZIP))
	check(err, "NewSyncProducer gzip")
	_, offset, err := producer.SendMessage(message_for(topic, "gzip", 1, times.tick()))
	check(err, "SendMessage gzip to a zstd topic")
	check(producer.Close(), "close producer gzip")
	config := env.config()
	config.Consumer.Return.Errors = true
	consumer, err := sarama.NewConsumer(env.bootstrap, config)
	check(err, "NewConsumer")
	defer consumer.Close()
	reader, err := consumer.ConsumePartition(topic, 0, sarama.OffsetOldest)
	check(err, "ConsumePartition "+topic)
	defer reader.AsyncClose()
	select {
	case message := <-reader.Messages():
		failf("Fetch v4 of a zstd topic returned the record at %d (Kafka refuses it)",
			message.Offset)
	case failure := <-reader.Errors():
		expect_code(failure.Err, sarama.ErrUnsupportedCompressionType,
			fmt.Sprintf("Fetch v4 of %s (compression.type=zstd, a record at %d)", topic, offset))
	case <-time.After(15 * time.Second):
		failf("Fetch v4 of a zstd topic: neither records nor an error in 15 s")
	}
}

// check_log_append_time: on a topic with message.timestamp.type=LogAppendTime the consumer
// sees the broker's append time, not the ten-minute-old timestamp the producer set.
func check_log_append_time(env *environment, times *clock) {
	topic := env.name("append-time")
	admin, err := sarama.NewClusterAdmin(env.bootstrap, env.config())
	check(err, "NewClusterAdmin")
	check(admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1,
		ConfigEntries: map[string]*string{"message.timestamp.type": text("LogAppendTime")}},
		false), "CreateTopic "+topic)
	check(admin.Close(), "close admin")
	producer, err := sarama.NewSyncProducer(env.bootstrap,
		producer_config(env, sarama.CompressionLZ4))
	check(err, "NewSyncProducer")
	before := time.Now().Truncate(time.Millisecond)
	produced := message_for(topic, "append-time", 1, times.tick())
	_, offset, err := producer.SendMessage(produced)
	check(err, "SendMessage to "+topic)
	after := time.Now()
	check(producer.Close(), "close producer")
	consumer, err := sarama.NewConsumer(env.bootstrap, env.config())
	check(err, "NewConsumer")
	defer consumer.Close()
	reader, err := consumer.ConsumePartition(topic, 0, offset)
	check(err, "ConsumePartition "+topic)
	defer reader.Close()
	select {
	case message := <-reader.Messages():
		if message.Timestamp.Before(before) || message.Timestamp.After(after) {
			failf("%s: timestamp %v, the append was between %v and %v (produced with %v)",
				topic, message.Timestamp, before, after, produced.Timestamp)
		}
		if string(message.Value) != string(produced.Value.(sarama.ByteEncoder)) {
			failf("%s: value %q", topic, message.Value)
		}
	case failure := <-reader.Errors():
		failf("consuming %s: %v", topic, failure)
	case <-time.After(15 * time.Second):
		failf("%s: the record did not come back in 15 s", topic)
	}
	step("%s: LogAppendTime, the consumer sees the broker's time", topic)
}

// describe_errors names what each failed message got (ProducerErrors alone says how many).
func describe_errors(err error) string {
	failures, many := err.(sarama.ProducerErrors)
	if !many {
		return err.Error()
	}
	seen := map[string]int{}
	for _, failure := range failures {
		seen[fmt.Sprintf("partition %d: %v", failure.Msg.Partition, failure.Err)]++
	}
	return fmt.Sprintf("%d failed: %v", len(failures), seen)
}
