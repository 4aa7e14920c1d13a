package main

// What was produced and acknowledged, and the checks that the consumer gets exactly that back.

import (
	"bytes"
	"fmt"
	"sort"
	"time"

	"github.com/Shopify/sarama"
)

// sent is one acknowledged record as the producer handed it over.
type sent struct {
	key, value []byte // nil stays nil: Kafka keeps null apart from empty
	headers    []sarama.RecordHeader
	timestamp  time.Time
}

// ledger: partition -> offset -> the acknowledged record at that offset.
type ledger map[int32]map[int64]sent

func (book ledger) add(partition int32, offset int64, record sent) {
	if book[partition] == nil {
		book[partition] = map[int64]sent{}
	}
	if _, taken := book[partition][offset]; taken {
		failf("two records acknowledged at partition %d offset %d", partition, offset)
	}
	book[partition][offset] = record
}

func (book ledger) count() int {
	total := 0
	for _, records := range book {
		total += len(records)
	}
	return total
}

func (book ledger) offsets(partition int32) []int64 {
	var out []int64
	for offset := range book[partition] {
		out = append(out, offset)
	}
	sort.Slice(out, func(a, b int) bool { return out[a] < out[b] })
	return out
}

// record_from builds the ledger entry of a producer message (its key and value are ByteEncoder
// or nil).
func record_from(message *sarama.ProducerMessage) sent {
	record := sent{headers: message.Headers, timestamp: message.Timestamp}
	if message.Key != nil {
		record.key = []byte(message.Key.(sarama.ByteEncoder))
	}
	if message.Value != nil {
		record.value = []byte(message.Value.(sarama.ByteEncoder))
	}
	return record
}

func same_bytes(expected, got []byte) bool {
	return (expected == nil) == (got == nil) && bytes.Equal(expected, got)
}

func show(value []byte) string {
	if value == nil {
		return "null"
	}
	return fmt.Sprintf("%q", value)
}

// check_message fails the run unless the consumed message is the acknowledged record.
func check_message(expected sent, got *sarama.ConsumerMessage) {
	where := fmt.Sprintf("%s[%d]@%d", got.Topic, got.Partition, got.Offset)
	if !same_bytes(expected.key, got.Key) {
		failf("%s: key %s, produced %s", where, show(got.Key), show(expected.key))
	}
	if !same_bytes(expected.value, got.Value) {
		failf("%s: value %s, produced %s", where, show(got.Value), show(expected.value))
	}
	if !got.Timestamp.Equal(expected.timestamp) {
		failf("%s: timestamp %v, produced %v", where, got.Timestamp, expected.timestamp)
	}
	if len(got.Headers) != len(expected.headers) {
		failf("%s: %d headers, produced %d", where, len(got.Headers), len(expected.headers))
	}
	for index, header := range expected.headers {
		have := got.Headers[index]
		if !bytes.Equal(have.Key, header.Key) || !same_bytes(header.Value, have.Value) {
			failf("%s: header %d is %q=%s, produced %q=%s", where, index, have.Key,
				show(have.Value), header.Key, show(header.Value))
		}
	}
}

// consume_range reads partition from `from` until it has seen offset `until` (inclusive) and
// checks every message: offsets strictly increasing, each one in the ledger and intact, and
// every ledger offset in the range seen exactly once.
func consume_range(consumer sarama.Consumer, topic string, partition int32, from int64,
	until int64, book ledger) int {
	reader, err := consumer.ConsumePartition(topic, partition, from)
	check(err, fmt.Sprintf("ConsumePartition %s[%d] from %d", topic, partition, from))
	defer reader.Close()
	expected := book[partition]
	seen := map[int64]bool{}
	last := int64(-1)
	deadline := time.After(20 * time.Second)
	for last < until {
		select {
		case message := <-reader.Messages():
			if message.Offset <= last {
				failf("%s[%d]: offset %d after %d", topic, partition, message.Offset, last)
			}
			record, known := expected[message.Offset]
			if !known {
				failf("%s[%d]: offset %d was never acknowledged", topic, partition,
					message.Offset)
			}
			check_message(record, message)
			seen[message.Offset] = true
			last = message.Offset
		case failure := <-reader.Errors():
			failf("consuming %s[%d]: %v", topic, partition, failure)
		case <-deadline:
			failf("%s[%d]: reached offset %d of %d after 20 s", topic, partition, last, until)
		}
	}
	if last != until {
		failf("%s[%d]: read past %d to %d", topic, partition, until, last)
	}
	for offset := range expected {
		if offset >= from && offset <= until && !seen[offset] {
			failf("%s[%d]: acknowledged offset %d never came back", topic, partition, offset)
		}
	}
	return len(seen)
}
