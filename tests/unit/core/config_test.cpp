// Tests for core/properties.h and core/config.h: the properties syntax (Java's rules and our two
// deliberate differences), typed values, every error with its message, and value sources.
#include "core/config.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>

namespace laminar {
namespace {

using namespace std::chrono_literals;

// A small schema shaped like the broker's will be.
config_schema example_schema() {
    config_schema schema;
    schema.add_list("log.dirs", {"/var/lib/laminar"}, "Directories holding partition logs.")
        .add_int64("num.partitions", 1, 1, 10'000, "Partitions of an auto-created topic.")
        .add_list("listeners", {"PLAINTEXT://:9092"}, "Addresses the broker listens on.")
        .add_bool("auto.create.topics.enable", true, "Create topics on first use.")
        .add_duration("log.retention.ms", 7 * 24h, -1ms, 3650 * 24h,
                      "How long to keep a segment; -1 keeps it forever.")
        .add_size("log.segment.bytes", 1 << 30, 1 << 20, std::int64_t{1} << 40,
                  "Size of a log segment file.")
        .add_enum("compression.type", "producer",
                  {"producer", "none", "gzip", "snappy", "lz4", "zstd"},
                  "Compression of stored batches.")
        .add_float64("log.cleaner.min.cleanable.ratio", 0.5, 0.0, 1.0,
                     "Dirty ratio that triggers compaction.")
        .add_string("broker.rack", "", "Rack of this broker.")
        .add_ignored("zookeeper.connect", "Laminar has no ZooKeeper");
    return schema;
}

std::vector<property> parse_ok(std::string_view text) {
    auto parsed = parse_properties(text, "test.properties");
    EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().message());
    return parsed ? *parsed : std::vector<property>{};
}

std::string parse_error(std::string_view text) {
    auto parsed = parse_properties(text, "test.properties");
    EXPECT_FALSE(parsed);
    return parsed ? "" : parsed.error().message();
}

config config_ok(std::string_view text, std::span<const config_override> overrides = {}) {
    auto parsed = parse_config(example_schema(), text, "server.properties", overrides);
    EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().message());
    return parsed ? *parsed : config{};
}

std::string config_error_text(std::string_view text,
                              std::span<const config_override> overrides = {}) {
    auto parsed = parse_config(example_schema(), text, "server.properties", overrides);
    EXPECT_FALSE(parsed) << "parsed unexpectedly";
    return parsed ? "" : parsed.error().message();
}

// ---- properties syntax ----

TEST(properties, separators) {
    auto entries = parse_ok("a=1\nb: 2\nc 3\nd = 4\ne\t:\t5\nf==6\ng :=7\n");
    ASSERT_EQ(entries.size(), 7u);
    EXPECT_EQ(entries[0].key, "a");
    EXPECT_EQ(entries[0].value, "1");
    EXPECT_EQ(entries[1].value, "2");
    EXPECT_EQ(entries[2].key, "c");
    EXPECT_EQ(entries[2].value, "3");
    EXPECT_EQ(entries[3].value, "4");
    EXPECT_EQ(entries[4].value, "5");
    EXPECT_EQ(entries[5].value, "=6");  // only the first separator counts
    EXPECT_EQ(entries[6].value, "=7");
}

TEST(properties, comments_and_blank_lines) {
    auto entries = parse_ok("# comment\n! also a comment\n   # indented comment\n\n   \n"
                            "a=1 # not a comment\n\t! b=2\n");
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].value, "1 # not a comment");
    EXPECT_EQ(entries[0].line, 6u);
}

TEST(properties, whitespace) {
    auto entries = parse_ok("   a   =   spaced value   \nb=\\ kept\\ \n");
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].key, "a");
    EXPECT_EQ(entries[0].value, "spaced value");  // unescaped trailing blanks dropped
    EXPECT_EQ(entries[1].value, " kept ");         // escaped blanks kept
}

TEST(properties, empty_values) {
    auto entries = parse_ok("a=\nb\nc =   \nd:\n");
    ASSERT_EQ(entries.size(), 4u);
    for (const property& entry : entries) EXPECT_EQ(entry.value, "") << entry.key;
    EXPECT_EQ(entries[1].key, "b");
}

TEST(properties, continuation_lines) {
    auto entries = parse_ok("listeners=PLAINTEXT://a:9092,\\\n"
                            "          PLAINTEXT://b:9092\n"
                            "next=1\n");
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].value, "PLAINTEXT://a:9092,PLAINTEXT://b:9092");
    EXPECT_EQ(entries[0].line, 1u);
    EXPECT_EQ(entries[1].line, 3u);  // line numbers count the continued lines
}

TEST(properties, continuation_edge_cases) {
    // An even number of backslashes is an escaped backslash, not a continuation.
    auto even = parse_ok("a=x\\\\\nb=y\n");
    ASSERT_EQ(even.size(), 2u);
    EXPECT_EQ(even[0].value, "x\\");
    // A continued line that looks like a comment is content.
    auto hashed = parse_ok("a=x\\\n  # y\n");
    ASSERT_EQ(hashed.size(), 1u);
    EXPECT_EQ(hashed[0].value, "x# y");
    // A blank line ends the continuation; a backslash at the end of the file is dropped.
    auto blank = parse_ok("a=x\\\n\nb=y\\");
    ASSERT_EQ(blank.size(), 2u);
    EXPECT_EQ(blank[0].value, "x");
    EXPECT_EQ(blank[1].value, "y");
    EXPECT_EQ(blank[1].line, 3u);
    // A comment line ending in a backslash does not continue.
    auto comment = parse_ok("# note \\\na=1\n");
    ASSERT_EQ(comment.size(), 1u);
    EXPECT_EQ(comment[0].key, "a");
}

TEST(properties, line_endings) {
    auto entries = parse_ok("a=1\r\nb=2\rc=3\nd=4\\\r\n  5");
    ASSERT_EQ(entries.size(), 4u);
    EXPECT_EQ(entries[2].value, "3");
    EXPECT_EQ(entries[2].line, 3u);
    EXPECT_EQ(entries[3].value, "45");
    EXPECT_EQ(entries[3].line, 4u);
}

TEST(properties, escapes) {
    auto entries = parse_ok("tab=a\\tb\nnl=a\\nb\nkey\\=with\\:seps\\ and\\ space=v\n"
                            "uni=caf\\u00e9 \\u20AC\nemoji=\\uD83D\\uDE00\nother=\\q\\#\\!\n"
                            "backslash=C:\\\\temp\n");
    ASSERT_EQ(entries.size(), 7u);
    EXPECT_EQ(entries[0].value, "a\tb");
    EXPECT_EQ(entries[1].value, "a\nb");
    EXPECT_EQ(entries[2].key, "key=with:seps and space");
    EXPECT_EQ(entries[2].value, "v");
    EXPECT_EQ(entries[3].value, "caf\xC3\xA9 \xE2\x82\xAC");
    EXPECT_EQ(entries[4].value, "\xF0\x9F\x98\x80");
    EXPECT_EQ(entries[5].value, "q#!");
    EXPECT_EQ(entries[6].value, "C:\\temp");
}

TEST(properties, malformed_unicode_escapes) {
    EXPECT_EQ(parse_error("ok=1\nbad=\\u12G4\n"),
              "test.properties:2: malformed \\uXXXX escape (needs four hex digits)");
    EXPECT_EQ(parse_error("bad=\\u12"),
              "test.properties:1: malformed \\uXXXX escape (needs four hex digits)");
    EXPECT_EQ(parse_error("a=\\uD83D\nb=\\uDE00x\n"),
              "test.properties:1: unpaired UTF-16 surrogate in \\u escape\n"
              "test.properties:2: unpaired UTF-16 surrogate in \\u escape");
}

// ---- typed configuration ----

TEST(config, defaults_when_nothing_is_set) {
    config c = config_ok("");
    EXPECT_EQ(c.get_int64("num.partitions"), 1);
    EXPECT_EQ(c.get_list("log.dirs"), std::vector<std::string>{"/var/lib/laminar"});
    EXPECT_TRUE(c.get_bool("auto.create.topics.enable"));
    EXPECT_EQ(c.get_duration("log.retention.ms"), 7 * 24h);
    EXPECT_EQ(c.get_size("log.segment.bytes"), 1 << 30);
    EXPECT_EQ(c.get_string("compression.type"), "producer");
    EXPECT_DOUBLE_EQ(c.get_float64("log.cleaner.min.cleanable.ratio"), 0.5);
    EXPECT_EQ(c.get_string("broker.rack"), "");
    for (const config_entry& entry : c.entries()) {
        EXPECT_EQ(entry.source, config_source::default_value) << entry.name;
        EXPECT_EQ(entry.origin, "") << entry.name;
    }
    EXPECT_EQ(c.entries().size(), 9u);  // the ignored key is not a value
}

TEST(config, typed_values_from_a_file) {
    config c = config_ok("# Kafka-style server.properties\n"
                         "log.dirs=/data/a, /data/b ,/data/c\n"
                         "num.partitions=12\n"
                         "auto.create.topics.enable=FALSE\n"
                         "log.retention.ms=604800000\n"
                         "log.segment.bytes=256MiB\n"
                         "compression.type=zstd\n"
                         "log.cleaner.min.cleanable.ratio=0.25\n"
                         "broker.rack=rack-1\n"
                         "listeners=\n");
    EXPECT_EQ(c.get_list("log.dirs"), (std::vector<std::string>{"/data/a", "/data/b", "/data/c"}));
    EXPECT_EQ(c.get_int64("num.partitions"), 12);
    EXPECT_FALSE(c.get_bool("auto.create.topics.enable"));
    EXPECT_EQ(c.get_duration("log.retention.ms"), 7 * 24h);
    EXPECT_EQ(c.get_size("log.segment.bytes"), 256 << 20);
    EXPECT_EQ(c.get_string("compression.type"), "zstd");
    EXPECT_DOUBLE_EQ(c.get_float64("log.cleaner.min.cleanable.ratio"), 0.25);
    EXPECT_EQ(c.get_string("broker.rack"), "rack-1");
    EXPECT_TRUE(c.get_list("listeners").empty());  // an empty value is an empty list
    EXPECT_EQ(c.entry("num.partitions").source, config_source::file);
    EXPECT_EQ(c.entry("num.partitions").origin, "server.properties:3");
}

TEST(config, duration_and_size_units) {
    config c = config_ok("log.retention.ms=36h\nlog.segment.bytes=1GiB\n");
    EXPECT_EQ(c.get_duration("log.retention.ms"), 36h);
    EXPECT_EQ(c.get_size("log.segment.bytes"), 1 << 30);
    EXPECT_EQ(config_ok("log.retention.ms=-1").get_duration("log.retention.ms"), -1ms);
    EXPECT_EQ(config_ok("log.retention.ms=1500ms").get_duration("log.retention.ms"), 1500ms);
    EXPECT_EQ(config_ok("log.retention.ms=90s").get_duration("log.retention.ms"), 90s);
    EXPECT_EQ(config_ok("log.retention.ms=5m").get_duration("log.retention.ms"), 5min);
    EXPECT_EQ(config_ok("log.retention.ms=2d").get_duration("log.retention.ms"), 48h);
    EXPECT_EQ(config_ok("log.segment.bytes=4096KiB").get_size("log.segment.bytes"), 4 << 20);
    EXPECT_EQ(config_ok("log.segment.bytes=1TiB").get_size("log.segment.bytes"),
              std::int64_t{1} << 40);
}

TEST(config, overrides_beat_the_file_and_the_last_override_wins) {
    std::vector<config_override> overrides = {
        {"num.partitions", "6", "--set"},
        {"broker.rack", "rack-2", "--rack"},
        {"num.partitions", "8", "--set"},
    };
    config c = config_ok("num.partitions=3\nbroker.rack=rack-1\n", overrides);
    EXPECT_EQ(c.get_int64("num.partitions"), 8);
    EXPECT_EQ(c.entry("num.partitions").source, config_source::override_value);
    EXPECT_EQ(c.entry("num.partitions").origin, "--set");
    EXPECT_EQ(c.get_string("broker.rack"), "rack-2");
    EXPECT_EQ(c.entry("broker.rack").origin, "--rack");
    EXPECT_EQ(c.entry("compression.type").source, config_source::default_value);
}

TEST(config, parse_override_splits_at_the_first_equals) {
    auto parsed = parse_override("listeners=PLAINTEXT://:9092,SSL://:9093=x");
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->key, "listeners");
    EXPECT_EQ(parsed->value, "PLAINTEXT://:9092,SSL://:9093=x");
    EXPECT_EQ(parsed->origin, "--set");
    auto empty_value = parse_override("broker.rack=", "--override");
    ASSERT_TRUE(empty_value);
    EXPECT_EQ(empty_value->value, "");
    auto missing = parse_override("num.partitions");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().message(), "--set: expected key=value, got 'num.partitions'");
    EXPECT_EQ(parse_override("=3").error().message(), "--set: expected key=value, got '=3'");
}

TEST(config, describe_lists_every_value_with_its_source) {
    std::vector<config_override> overrides = {{"broker.rack", "r7", "--set"}};
    config c = config_ok("\nnum.partitions=3\nlog.dirs=/a,/b\n", overrides);
    std::string text = c.describe();
    EXPECT_NE(text.find("num.partitions                  = 3  (file server.properties:2)\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("log.dirs                        = /a,/b  (file server.properties:3)\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("broker.rack                     = r7  (override --set)\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("compression.type                = producer  (default)\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("log.retention.ms                = 604800000  (default)\n"),
              std::string::npos)
        << text;
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 9);
}

TEST(config, ignored_kafka_keys_are_warnings) {
    config c = config_ok("zookeeper.connect=zk:2181\n");
    ASSERT_EQ(c.warnings().size(), 1u);
    EXPECT_EQ(c.warnings()[0].origin, "server.properties:1");
    EXPECT_EQ(c.warnings()[0].message, "'zookeeper.connect' is ignored: Laminar has no ZooKeeper");
}

// ---- errors ----

TEST(config_errors, unknown_key_suggests_the_closest) {
    EXPECT_EQ(config_error_text("num.partitions=1\nnum.partition=3\n"),
              "server.properties:2: unknown key 'num.partition'; did you mean 'num.partitions'?");
    EXPECT_EQ(config_error_text("log.dir=/data\n"),
              "server.properties:1: unknown key 'log.dir'; did you mean 'log.dirs'?");
    EXPECT_EQ(config_error_text("log.retention.hours=168\n"),
              "server.properties:1: unknown key 'log.retention.hours'; did you mean "
              "'log.retention.ms'?");
    EXPECT_EQ(config_error_text("colour=blue\n"), "server.properties:1: unknown key 'colour'");
    EXPECT_EQ(config_error_text("=value\n"),
              "server.properties:1: empty key (the line starts with '=' or ':')");
}

TEST(config_errors, duplicate_key_names_both_lines) {
    EXPECT_EQ(config_error_text("num.partitions=1\n#\nnum.partitions=2\n"),
              "server.properties:3: duplicate key 'num.partitions', first set on line 1; a key "
              "may appear once per file");
}

TEST(config_errors, bad_values_say_what_was_expected) {
    EXPECT_EQ(config_error_text("auto.create.topics.enable=yes"),
              "server.properties:1: auto.create.topics.enable: expected true or false, got "
              "'yes'");
    EXPECT_EQ(config_error_text("num.partitions=three"),
              "server.properties:1: num.partitions: expected an integer in [1, 10000], got "
              "'three'");
    EXPECT_EQ(config_error_text("num.partitions=0"),
              "server.properties:1: num.partitions: expected an integer in [1, 10000], got '0'");
    EXPECT_EQ(config_error_text("num.partitions=99999999999999999999"),
              "server.properties:1: num.partitions: expected an integer in [1, 10000], got "
              "'99999999999999999999'");
    EXPECT_EQ(config_error_text("num.partitions="),
              "server.properties:1: num.partitions: expected an integer in [1, 10000], got an "
              "empty value");
    EXPECT_EQ(config_error_text("log.retention.ms=1.5h"),
              "server.properties:1: log.retention.ms: expected a duration in ms, or with a unit "
              "(ms, s, m, h, d) in [-1, 315360000000] ms, got '1.5h'");
    EXPECT_EQ(config_error_text("log.segment.bytes=1KiB"),
              "server.properties:1: log.segment.bytes: expected a size in bytes, or with a unit "
              "(KiB, MiB, GiB, TiB) in [1048576, 1099511627776] bytes, got '1KiB'");
    EXPECT_EQ(config_error_text("log.segment.bytes=9999999999TiB"),
              "server.properties:1: log.segment.bytes: expected a size in bytes, or with a unit "
              "(KiB, MiB, GiB, TiB) in [1048576, 1099511627776] bytes, got '9999999999TiB'");
    EXPECT_EQ(config_error_text("compression.type=zstandard"),
              "server.properties:1: compression.type: expected one of producer, none, gzip, "
              "snappy, lz4, zstd, got 'zstandard'");
    EXPECT_EQ(config_error_text("compression.type=LZ4"),
              "server.properties:1: compression.type: expected one of producer, none, gzip, "
              "snappy, lz4, zstd, got 'LZ4'; did you mean 'lz4'?");
    EXPECT_EQ(config_error_text("log.cleaner.min.cleanable.ratio=1.5"),
              "server.properties:1: log.cleaner.min.cleanable.ratio: expected a number in [0, "
              "1], got '1.5'");
    EXPECT_EQ(config_error_text("log.cleaner.min.cleanable.ratio=nan"),
              "server.properties:1: log.cleaner.min.cleanable.ratio: expected a number in [0, "
              "1], got 'nan'");
    EXPECT_EQ(config_error_text("log.dirs=/a,,/b"),
              "server.properties:1: log.dirs: expected a comma-separated list without empty "
              "items");
}

TEST(config_errors, every_problem_is_reported_at_once) {
    std::vector<config_override> overrides = {{"num.partitons", "3", "--set"},
                                              {"compression.type", "brotli", "--compression"}};
    EXPECT_EQ(config_error_text("num.partitions=x\nbogus=1\nnum.partitions=2\n", overrides),
              "server.properties:1: num.partitions: expected an integer in [1, 10000], got 'x'\n"
              "server.properties:2: unknown key 'bogus'\n"
              "server.properties:3: duplicate key 'num.partitions', first set on line 1; a key "
              "may appear once per file\n"
              "--set: unknown key 'num.partitons'; did you mean 'num.partitions'?\n"
              "--compression: compression.type: expected one of producer, none, gzip, snappy, "
              "lz4, zstd, got 'brotli'");
}

TEST(config_errors, problems_are_bounded) {
    std::string text;
    for (int i = 0; i < 200; ++i) text += "unknown.key." + std::to_string(i) + "=1\n";
    auto parsed = parse_config(example_schema(), text, "big.properties");
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().problems.size(), config_problems_max);
}

TEST(config_errors, syntax_errors_come_from_the_properties_parser) {
    EXPECT_EQ(config_error_text("broker.rack=\\uZZZZ"),
              "server.properties:1: malformed \\uXXXX escape (needs four hex digits)");
}

TEST(config_file, loads_a_file_and_names_it_in_errors) {
    char path[] = "/tmp/laminar_config_test_XXXXXX";
    int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    ::close(fd);
    {
        std::ofstream out(path);
        out << "num.partitions=4\nlog.dirs=/d1\n";
    }
    auto loaded = load_config(example_schema(), path);
    ASSERT_TRUE(loaded) << loaded.error().message();
    EXPECT_EQ(loaded->get_int64("num.partitions"), 4);
    EXPECT_EQ(loaded->entry("log.dirs").origin, std::string(path) + ":2");
    {
        std::ofstream out(path);
        out << "num.partitions=4\nnum.partitions=x\n";
    }
    auto broken = load_config(example_schema(), path);
    ASSERT_FALSE(broken);
    EXPECT_EQ(broken.error().problems[0].origin, std::string(path) + ":2");
    std::remove(path);
}

TEST(config_file, missing_file_is_an_error) {
    auto loaded = load_config(example_schema(), "/nonexistent/server.properties");
    ASSERT_FALSE(loaded);
    EXPECT_EQ(loaded.error().message(),
              "cannot read /nonexistent/server.properties: No such file or directory");
}

TEST(config_schema, closest_key_and_edit_distance) {
    EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
    EXPECT_EQ(edit_distance("", "abc"), 3u);
    EXPECT_EQ(edit_distance("same", "same"), 0u);
    config_schema schema = example_schema();
    EXPECT_EQ(schema.closest_key("listener"), "listeners");
    EXPECT_EQ(schema.closest_key("xyz"), "");
}

TEST(config_death, getter_with_the_wrong_type_is_a_bug) {
    config c = config_ok("");
    EXPECT_DEATH((void)c.get_bool("num.partitions"), "is a int64, not a bool");
    EXPECT_DEATH((void)c.get_int64("no.such.key"), "not in the schema");
}

TEST(config_death, schema_default_out_of_range_is_a_bug) {
    config_schema schema;
    EXPECT_DEATH(schema.add_int64("a", 0, 1, 10, "doc"), "assertion failed");
    schema.add_int64("a", 1, 1, 10, "doc");
    EXPECT_DEATH(schema.add_bool("a", true, "doc"), "assertion failed");
}

}  // namespace
}  // namespace laminar
