package main

// Scenario old-version: below 0.11 sarama sends Produce v2 (message format v1), which Kafka 4.0
// and Laminar no longer serve. The producer must get an error promptly, never a success and
// never a hang.

import (
	"time"

	"github.com/Shopify/sarama"
)

func run_old_version(env *environment) {
	if env.version.IsAtLeast(sarama.V0_11_0_0) {
		failf("old-version needs -version below 0.11.0.0, got %s", env.version)
	}
	topic := env.name("topic")
	admin, err := sarama.NewClusterAdmin(env.bootstrap, env.config())
	check(err, "NewClusterAdmin")
	check(admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1},
		false), "CreateTopic")
	check(admin.Close(), "close admin")
	config := producer_config(env, sarama.CompressionNone)
	producer, err := sarama.NewSyncProducer(env.bootstrap, config)
	check(err, "NewSyncProducer")
	defer producer.Close()
	outcome := make(chan error, 1)
	go func() {
		_, _, err := producer.SendMessage(&sarama.ProducerMessage{Topic: topic,
			Value: sarama.StringEncoder("message format v1")})
		outcome <- err
	}()
	select {
	case err := <-outcome:
		if err == nil {
			failf("Produce from a %s client (Produce v2, message format v1) succeeded",
				env.version)
		}
		step("Produce from a %s client refused: %v", env.version, err)
	case <-time.After(30 * time.Second):
		failf("Produce from a %s client: no answer in 30 s", env.version)
	}
}
