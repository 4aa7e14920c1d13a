// Command sarama-compat drives Laminar (or any Kafka broker) through the Go client sarama 1.22
// (Debian's golang-github-shopify-sarama-dev) and exits non-zero with a message on the first
// answer that differs from what Kafka gives.
//
//	sarama-compat [-version 2.2.0] [-v] BOOTSTRAP SCENARIO
//
// Scenarios: admin, produce-consume, group, old-version (see scenarios below). -version is
// sarama's Config.Version: it picks the API versions sarama sends.
package main

import (
	"flag"
	"fmt"
	"log"
	"math/rand"
	"os"
	"strings"
	"time"

	"github.com/Shopify/sarama"
)

type scenario struct {
	run         func(env *environment)
	description string
}

var scenarios = map[string]scenario{
	"admin": {run_admin,
		"ClusterAdmin: topics, configs, partitions, records, and Kafka's error codes"},
	"produce-consume": {run_produce_consume,
		"every codec, keys, headers, timestamps; consumers and offsets by time"},
	"group":       {run_group, "two group members, offsets committed and resumed by a third"},
	"old-version": {run_old_version, "a Version below 0.11 fails clearly (Produce v2 refused)"},
}

// environment is what every scenario gets: where the broker is, the Config.Version asked for,
// and a prefix that makes this run's topic and group names unique.
type environment struct {
	bootstrap []string
	version   sarama.KafkaVersion
	prefix    string
}

// config returns a fresh sarama config at the run's version; the timeouts are short so that
// a broker that does not answer fails the run instead of hanging it.
func (env *environment) config() *sarama.Config {
	config := sarama.NewConfig()
	config.Version = env.version
	config.ClientID = "laminar-sarama-compat"
	config.Net.DialTimeout = 5 * time.Second
	config.Net.ReadTimeout = 15 * time.Second
	config.Net.WriteTimeout = 5 * time.Second
	config.Metadata.Retry.Max = 5
	config.Metadata.Retry.Backoff = 100 * time.Millisecond
	config.Admin.Timeout = 10 * time.Second
	return config
}

func (env *environment) name(kind string) string {
	return env.prefix + "-" + kind
}

// failf ends the run: the message names what differed from Kafka's behaviour.
func failf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "FAIL: "+format+"\n", args...)
	os.Exit(1)
}

func check(err error, what string) {
	if err != nil {
		failf("%s: %v", what, err)
	}
}

func step(format string, args ...interface{}) {
	fmt.Printf("ok: "+format+"\n", args...)
}

func usage() {
	fmt.Fprintf(os.Stderr, "usage: %s [-version X.Y.Z] [-v] BOOTSTRAP SCENARIO\nscenarios:\n",
		os.Args[0])
	for name, each := range scenarios {
		fmt.Fprintf(os.Stderr, "  %-16s %s\n", name, each.description)
	}
	os.Exit(2)
}

func main() {
	version_text := flag.String("version", sarama.MaxVersion.String(), "sarama Config.Version")
	verbose := flag.Bool("v", false, "sarama's own log on stderr")
	flag.Usage = usage
	flag.Parse()
	if flag.NArg() != 2 {
		usage()
	}
	chosen, known := scenarios[flag.Arg(1)]
	if !known {
		usage()
	}
	version, err := sarama.ParseKafkaVersion(*version_text)
	check(err, "version "+*version_text)
	if *verbose {
		sarama.Logger = log.New(os.Stderr, "[sarama] ", log.Ltime|log.Lmicroseconds)
	}
	// Names are unique per run so that runs against one broker never see each other's data.
	seed := time.Now().UnixNano()
	rand.Seed(seed)
	env := &environment{
		bootstrap: strings.Split(flag.Arg(0), ","),
		version:   version,
		prefix: fmt.Sprintf("sarama-%s-%s-%06d", flag.Arg(1),
			strings.ReplaceAll(version.String(), ".", "_"), rand.Intn(1000000)),
	}
	fmt.Printf("scenario %s, version %s, names %s (seed %d)\n", flag.Arg(1), version,
		env.prefix, seed)
	chosen.run(env)
	fmt.Println("PASS")
}
