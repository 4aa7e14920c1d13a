package main

// Scenario group: two sarama.NewConsumerGroup members share a 4-partition topic (2 partitions
// each once the group is stable), consume every record exactly once and commit; a third member
// joining later resumes at the committed offsets: it gets only what was produced after.

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/Shopify/sarama"
)

const group_partitions = 4

type delivery struct {
	partition  int32
	offset     int64
	generation int32
}

// member is one consumer group member and what it saw; its handler runs on sarama's
// goroutines, so everything is behind the mutex.
type member struct {
	name       string
	group      sarama.ConsumerGroup
	cancel     context.CancelFunc
	stopped    chan struct{}
	lock       sync.Mutex
	generation int32
	claims     []int32
	deliveries []delivery
}

func (m *member) Setup(session sarama.ConsumerGroupSession) error {
	m.lock.Lock()
	defer m.lock.Unlock()
	m.generation = session.GenerationID()
	m.claims = nil
	for _, partitions := range session.Claims() {
		m.claims = append(m.claims, partitions...)
	}
	sort.Slice(m.claims, func(a, b int) bool { return m.claims[a] < m.claims[b] })
	fmt.Printf("%s: generation %d, partitions %v\n", m.name, m.generation, m.claims)
	return nil
}

func (m *member) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func (m *member) ConsumeClaim(session sarama.ConsumerGroupSession,
	claim sarama.ConsumerGroupClaim) error {
	for message := range claim.Messages() {
		m.lock.Lock()
		m.deliveries = append(m.deliveries,
			delivery{message.Partition, message.Offset, session.GenerationID()})
		m.lock.Unlock()
		session.MarkMessage(message, "")
	}
	return nil
}

func (m *member) snapshot() (int32, []int32, []delivery) {
	m.lock.Lock()
	defer m.lock.Unlock()
	return m.generation, append([]int32(nil), m.claims...),
		append([]delivery(nil), m.deliveries...)
}

func group_config(env *environment) *sarama.Config {
	config := env.config()
	config.Consumer.Offsets.Initial = sarama.OffsetOldest
	config.Consumer.Offsets.CommitInterval = 200 * time.Millisecond
	config.Consumer.Return.Errors = true
	config.Consumer.Group.Heartbeat.Interval = 300 * time.Millisecond
	config.Consumer.Group.Session.Timeout = 10 * time.Second
	config.Consumer.Group.Rebalance.Retry.Backoff = 200 * time.Millisecond
	return config
}

// start_member joins `group` and keeps consuming (a rebalance ends a Consume call; the loop
// joins again) until stop.
func start_member(env *environment, group, topic, name string) *member {
	consumer_group, err := sarama.NewConsumerGroup(env.bootstrap, group, group_config(env))
	check(err, "NewConsumerGroup "+name)
	context_, cancel := context.WithCancel(context.Background())
	m := &member{name: name, group: consumer_group, cancel: cancel,
		stopped: make(chan struct{})}
	go func() {
		for failure := range consumer_group.Errors() {
			failf("%s: %v", name, failure)
		}
	}()
	go func() {
		defer close(m.stopped)
		for context_.Err() == nil {
			if err := consumer_group.Consume(context_, []string{topic}, m); err != nil {
				failf("%s: Consume: %v", name, err)
			}
		}
	}()
	return m
}

// stop ends the member's session (its marked offsets are committed as the session ends) and
// leaves the group.
func (m *member) stop() {
	m.cancel()
	select {
	case <-m.stopped:
	case <-time.After(20 * time.Second):
		failf("%s: Consume did not return within 20 s of the cancel", m.name)
	}
	check(m.group.Close(), "close "+m.name)
}

func wait_for(what string, timeout time.Duration, done func() bool) {
	deadline := time.Now().Add(timeout)
	for !done() {
		if time.Now().After(deadline) {
			failf("%s: not reached in %v", what, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// produce_keyed sends count records over every partition and returns their ledger.
func produce_keyed(env *environment, topic, label string, count int) ledger {
	producer, err := sarama.NewSyncProducer(env.bootstrap,
		producer_config(env, sarama.CompressionNone))
	check(err, "NewSyncProducer")
	defer producer.Close()
	book := ledger{}
	times := new_clock()
	for index := 0; index < count; index++ {
		message := message_for(topic, label, index, times.tick())
		message.Key = sarama.ByteEncoder(fmt.Sprintf("%s-%d", label, index))
		partition, offset, err := producer.SendMessage(message)
		check(err, "SendMessage")
		book.add(partition, offset, record_from(message))
	}
	for partition := int32(0); partition < group_partitions; partition++ {
		if len(book[partition]) == 0 {
			failf("no %s record went to partition %d", label, partition)
		}
	}
	return book
}

func run_group(env *environment) {
	topic, group := env.name("topic"), env.name("group")
	admin, err := sarama.NewClusterAdmin(env.bootstrap, env.config())
	check(err, "NewClusterAdmin")
	defer admin.Close()
	check(admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: group_partitions,
		ReplicationFactor: 1}, false), "CreateTopic")

	first, second := start_member(env, group, topic, "member-1"),
		start_member(env, group, topic, "member-2")
	wait_for("both members in one generation with 2 partitions each", 30*time.Second,
		func() bool { return split_evenly(first, second) })
	describe_stable_group(admin, group)
	book := produce_keyed(env, topic, "first", 200)
	committed := expect_delivered(book, 30*time.Second, nil, first, second)
	first.stop()
	second.stop()
	expect_committed(admin, group, topic, committed)
	step("group %s: 200 records, each delivered once to the member owning its partition, "+
		"offsets committed at the ends", group)

	later := produce_keyed(env, topic, "second", 40)
	third := start_member(env, group, topic, "member-3")
	resumed := expect_delivered(later, 30*time.Second, committed, third)
	third.stop()
	expect_committed(admin, group, topic, resumed)
	step("group %s: a new member resumed at the committed offsets and got only the 40 new "+
		"records", group)
}

// split_evenly: both members' last sessions are of one generation and own 2 partitions each,
// together all of them.
func split_evenly(first, second *member) bool {
	generation_1, claims_1, _ := first.snapshot()
	generation_2, claims_2, _ := second.snapshot()
	if generation_1 != generation_2 || len(claims_1) != 2 || len(claims_2) != 2 {
		return false
	}
	owned := map[int32]bool{}
	for _, partition := range append(claims_1, claims_2...) {
		owned[partition] = true
	}
	return len(owned) == group_partitions
}

func describe_stable_group(admin sarama.ClusterAdmin, group string) {
	described, err := admin.DescribeConsumerGroups([]string{group})
	check(err, "DescribeConsumerGroups")
	if len(described) != 1 || described[0].Err != 0 || described[0].State != "Stable" ||
		described[0].ProtocolType != "consumer" || described[0].Protocol != "range" ||
		len(described[0].Members) != 2 {
		failf("DescribeConsumerGroups %s: %+v", group, described)
	}
	listed, err := admin.ListConsumerGroups()
	check(err, "ListConsumerGroups")
	if listed[group] != "consumer" {
		failf("ListConsumerGroups: %s is %q", group, listed[group])
	}
	step("group %s: Stable, range, 2 members; listed as a consumer group", group)
}

// expect_delivered waits until the members got every record of book, each exactly once, each
// from a partition its session owned (no rebalance meanwhile), and none below `start` (the
// offsets committed before, when given). Returns the offsets to commit: one past the last.
func expect_delivered(book ledger, timeout time.Duration, start map[int32]int64,
	members ...*member) map[int32]int64 {
	total := book.count()
	wait_for(fmt.Sprintf("%d records delivered", total), timeout, func() bool {
		count := 0
		for _, m := range members {
			_, _, deliveries := m.snapshot()
			count += len(deliveries)
		}
		return count >= total
	})
	time.Sleep(300 * time.Millisecond) // a duplicate arriving just after would show up here
	seen := map[int32]map[int64]bool{}
	first := map[int32]int64{}
	for _, m := range members {
		generation, claims, deliveries := m.snapshot()
		owned := map[int32]bool{}
		for _, partition := range claims {
			owned[partition] = true
		}
		for _, got := range deliveries {
			if got.generation != generation || !owned[got.partition] {
				failf("%s got %d@%d in generation %d; owns %v in generation %d", m.name,
					got.partition, got.offset, got.generation, claims, generation)
			}
			if _, known := book[got.partition][got.offset]; !known {
				failf("%s got %d@%d, not one of the records expected", m.name,
					got.partition, got.offset)
			}
			if seen[got.partition] == nil {
				seen[got.partition] = map[int64]bool{}
				first[got.partition] = got.offset
			}
			if seen[got.partition][got.offset] {
				failf("%d@%d delivered twice", got.partition, got.offset)
			}
			seen[got.partition][got.offset] = true
		}
	}
	next := map[int32]int64{}
	for partition := range book {
		offsets := book.offsets(partition)
		if committed, given := start[partition]; given && first[partition] != committed {
			failf("partition %d resumed at %d, committed %d", partition, first[partition],
				committed)
		}
		next[partition] = offsets[len(offsets)-1] + 1
	}
	return next
}

func expect_committed(admin sarama.ClusterAdmin, group, topic string, next map[int32]int64) {
	var partitions []int32
	for partition := int32(0); partition < group_partitions; partition++ {
		partitions = append(partitions, partition)
	}
	response, err := admin.ListConsumerGroupOffsets(group, map[string][]int32{topic: partitions})
	check(err, "ListConsumerGroupOffsets")
	for _, partition := range partitions {
		block := response.GetBlock(topic, partition)
		if block == nil || block.Err != 0 || block.Offset != next[partition] {
			failf("group %s: committed offset of %s[%d] is %+v, expected %d", group, topic,
				partition, block, next[partition])
		}
	}
}
