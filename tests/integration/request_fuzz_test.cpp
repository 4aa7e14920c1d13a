// Fuzzing the broker's request handlers end to end ("never a crash"): a real laminar-broker
// process on a temporary data dir receives random and mutated request frames over TCP, then
// must still be up, answer ApiVersions and Metadata, serve the records produced before the
// frames (and again after a clean restart), and stop cleanly.
//
// Why a process and not a libFuzzer target: the fuzz preset (clang 14) cannot compile the
// broker (std::variant in libstdc++ 12's headers, used by the group coordinator), and the
// handlers need the reactor, io_uring and a data dir anyway. So this is a seeded, reproducible
// generator instead: the corpus is tests/fuzz/seeds/request_decode_fuzz/*_frame (one valid frame
// per API and version) plus frames built here that reach deep into the handlers (Produce with
// a real batch, Fetch, ListOffsets, Metadata, CreateTopics, on topic "fuzz-target"). Each frame
// is one of: a corpus frame as it is, or mutated (bit flips, interesting integers, truncation,
// insertion, deletion, another API key or version, a splice of two frames, a bad size prefix),
// or a valid header of a random API and version followed by random bytes.
//
// Environment: LAMINAR_FUZZ_SEED (default 1; printed), LAMINAR_FUZZ_FRAMES (default 3000), or
// LAMINAR_FUZZ_SECONDS (a time bound instead, for long runs). On a broker crash the last frames
// sent are left in a directory named in the failure, with the broker's stderr.
#include <poll.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "core/endian.h"
#include "net/kafka/messages.h"
#include "net/kafka/records.h"
#include "net/socket.h"
#include "tests/integration/process.h"

namespace laminar {
namespace {

using testing::free_port;
using testing::read_text;
using testing::temp_dir;

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using kafka::bytes;

constexpr auto response_wait = 100ms;   // then the connection is dropped and a new one made
constexpr int connect_wait_ms = 5000;
constexpr std::size_t frames_kept = 32;  // the last frames sent, written out on a crash
const std::string target_topic = "fuzz-target";
const std::string kept_topic = "fuzz-kept";  // never named in a generated frame
constexpr std::int32_t kept_partitions = 3;

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
    const char* text = std::getenv(name);
    return text ? std::strtoull(text, nullptr, 10) : fallback;
}


// One blocking connection, frames in and out.
class connection {
public:
    enum class outcome { answered, closed, timed_out };

    // A shard that stops accepting shows as a connect that never completes (its listen queue
    // full), so connecting has a deadline too.
    explicit connection(std::uint16_t port) {
        _fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bool connected =
            ::connect(_fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
        if (!connected && errno == EINPROGRESS) {
            pollfd ready{_fd, POLLOUT, 0};
            int error = 0;
            socklen_t length = sizeof(error);
            connected = ::poll(&ready, 1, connect_wait_ms) == 1 &&
                        ::getsockopt(_fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 &&
                        error == 0;
        }
        if (!connected) {
            ::close(_fd);
            _fd = -1;
        }
    }
    ~connection() {
        if (_fd >= 0) ::close(_fd);
    }
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    bool open() const noexcept { return _fd >= 0; }

    bool send(std::span<const std::byte> frame) {
        std::size_t done = 0;
        while (done < frame.size()) {
            auto sent = ::send(_fd, frame.data() + done, frame.size() - done, MSG_NOSIGNAL);
            if (sent <= 0) return false;
            done += static_cast<std::size_t>(sent);
        }
        return true;
    }

    // One response frame's payload (without the size prefix).
    outcome receive(bytes& payload, std::chrono::milliseconds wait) {
        std::byte prefix[4];
        if (auto got = read_exactly(prefix, wait); got != outcome::answered) return got;
        auto size = load_be<std::int32_t>(prefix);
        if (size < 0 || size > (64 << 20)) return outcome::closed;
        payload.resize(static_cast<std::size_t>(size));
        return read_exactly(payload, wait);
    }

private:
    outcome read_exactly(std::span<std::byte> out, std::chrono::milliseconds wait) {
        const auto until = std::chrono::steady_clock::now() + wait;
        std::size_t done = 0;
        while (done < out.size()) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                until - std::chrono::steady_clock::now());
            if (left.count() <= 0) return outcome::timed_out;
            pollfd ready{_fd, POLLIN, 0};
            if (::poll(&ready, 1, static_cast<int>(left.count())) <= 0) continue;
            auto got = ::recv(_fd, out.data() + done, out.size() - done, 0);
            if (got <= 0) return outcome::closed;
            done += static_cast<std::size_t>(got);
        }
        return outcome::answered;
    }

    int _fd = -1;
};

template <typename M>
bytes request_frame(const M& message, std::int16_t version, std::int32_t correlation_id) {
    bytes frame;
    kafka::writer out(frame);
    auto start = kafka::begin_frame(out);
    auto key = static_cast<std::int16_t>(M::key);
    kafka::encode_request_header({key, version, correlation_id, "request-fuzz"}, out);
    if (!kafka::encode_message(message, version, frame)) ADD_FAILURE() << "encode " << key;
    kafka::finish_frame(out, start);
    return frame;
}

// Sends a request and decodes its response; nullopt (and a test failure) if there is none.
template <typename Response, typename Request>
std::optional<Response> exchange(connection& link, const Request& request, std::int16_t version) {
    constexpr std::int32_t correlation_id = 4242;
    if (!link.send(request_frame(request, version, correlation_id))) {
        ADD_FAILURE() << "send failed";
        return std::nullopt;
    }
    bytes payload;
    if (link.receive(payload, 10s) != connection::outcome::answered) {
        ADD_FAILURE() << "no response to api " << static_cast<int>(Request::key);
        return std::nullopt;
    }
    kafka::reader in(payload);
    auto key = static_cast<std::int16_t>(Request::key);
    auto header = kafka::decode_response_header(in, kafka::response_header_version(key, version));
    EXPECT_TRUE(header && header->correlation_id == correlation_id);
    auto decoded = kafka::decode_message<Response>(
        std::span<const std::byte>(payload).subspan(in.position()), version);
    EXPECT_TRUE(decoded) << "undecodable response to api " << key;
    if (!decoded) return std::nullopt;
    return std::move(*decoded);
}


// Three batches of known records per partition of `kept_topic`, as the read-back reference.
std::vector<kafka::record> kept_records(std::int32_t partition, int batch) {
    std::vector<kafka::record> records;
    for (int i = 0; i < 5; ++i) {
        kafka::record record;
        record.offset_delta = i;
        std::string value = "p" + std::to_string(partition) + "-b" + std::to_string(batch) +
                            "-r" + std::to_string(i);
        record.value = bytes(reinterpret_cast<const std::byte*>(value.data()),
                             reinterpret_cast<const std::byte*>(value.data()) + value.size());
        records.push_back(std::move(record));
    }
    return records;
}

bytes batch_of(std::span<const kafka::record> records, std::int64_t timestamp) {
    kafka::record_batch_options options;
    options.base_timestamp = timestamp;
    auto built = kafka::build_record_batch(options, records);
    EXPECT_TRUE(built);
    return built ? std::move(*built) : bytes{};
}

kafka::produce_request produce_of(const std::string& topic, std::int32_t partition, bytes batch) {
    kafka::produce_request request;
    request.acks = -1;
    request.timeout_ms = 5000;
    kafka::produce_request_topic data;
    data.name = topic;
    data.partition_data.push_back({partition, std::move(batch)});
    request.topic_data.push_back(std::move(data));
    return request;
}

kafka::fetch_request fetch_of(const std::string& topic, std::int32_t partitions,
                              std::int32_t max_wait_ms) {
    kafka::fetch_request request;
    request.max_wait_ms = max_wait_ms;
    request.min_bytes = 1;
    request.max_bytes = 1 << 20;
    kafka::fetch_topic wanted;
    wanted.topic = topic;
    for (std::int32_t p = 0; p < partitions; ++p) {
        wanted.partitions.push_back({.partition = p, .partition_max_bytes = 1 << 20});
    }
    request.topics.push_back(std::move(wanted));
    return request;
}

// Frames that reach deep into the handlers, on target_topic (mutations start from these too).
std::vector<bytes> built_frames() {
    std::vector<bytes> frames;
    std::vector<kafka::record> records = kept_records(0, 0);
    for (std::int16_t version = 3; version <= 10; ++version) {
        frames.push_back(request_frame(
            produce_of(target_topic, version % 2, batch_of(records, 1'700'000'000'000)), version,
            version));
    }
    for (std::int16_t version = 4; version <= 12; version += 4) {
        frames.push_back(request_frame(fetch_of(target_topic, 2, 0), version, version));
    }
    kafka::metadata_request metadata;
    metadata.topics = std::vector<kafka::metadata_request_topic>{{{}, target_topic}};
    for (std::int16_t version : {1, 9, 12}) {
        frames.push_back(request_frame(metadata, version, version));
    }
    kafka::create_topics_request create;
    create.topics.push_back({.name = target_topic, .num_partitions = 2, .replication_factor = 1});
    for (std::int16_t version : {2, 5}) frames.push_back(request_frame(create, version, 1));
    kafka::list_offsets_request offsets;
    offsets.topics.push_back({.name = target_topic, .partitions = {{.partition_index = 0,
                                                                     .timestamp = -1}}});
    for (std::int16_t version : {1, 7}) frames.push_back(request_frame(offsets, version, 1));
    return frames;
}

std::vector<bytes> corpus() {
    std::vector<bytes> frames = built_frames();
    std::vector<fs::path> seeds;
    for (const auto& entry : fs::directory_iterator(LAMINAR_REQUEST_SEEDS_DIR)) {
        if (entry.path().filename().string().ends_with("_frame")) seeds.push_back(entry.path());
    }
    std::sort(seeds.begin(), seeds.end());  // the order of a seeded run must not vary
    for (const auto& path : seeds) {
        std::ifstream in(path, std::ios::binary);
        std::vector<char> text((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
        const auto* data = reinterpret_cast<const std::byte*>(text.data());
        frames.emplace_back(data, data + text.size());
    }
    return frames;
}

class mutator {
public:
    mutator(std::uint64_t seed, std::vector<bytes> corpus)
        : _random(seed), _corpus(std::move(corpus)) {}

    bytes next() {
        bytes frame = _corpus[pick(_corpus.size())];
        const auto how = pick(100);
        if (how < 5) return frame;
        if (how < 15) frame = random_request();
        // Mostly one mutation, so that many frames still decode and reach a handler.
        const auto rounds = 1 + (pick(4) == 0 ? pick(4) : 0);
        for (std::size_t i = 0; i < rounds; ++i) mutate(frame);
        // Mostly a consistent size prefix, so the broker reads what was meant as the frame.
        if (frame.size() >= 4 && pick(10) != 0) {
            store_be(frame.data(), static_cast<std::int32_t>(frame.size() - 4));
        }
        return frame;
    }

private:
    std::size_t pick(std::size_t bound) { return bound ? _random() % bound : 0; }

    std::int64_t interesting() {
        static constexpr std::int64_t values[] = {0, 1, -1, 2, 127, 128, 255, 0x7fff, -0x8000,
                                                  0xffff, 0x7fffffff, -0x7fffffff - 1, 64,
                                                  1 << 20, 100000};
        return values[pick(std::size(values))];
    }

    std::int16_t random_version() {
        return static_cast<std::int16_t>(static_cast<int>(pick(19)) - 1);
    }

    // A valid request header of a random key (0-70) and version (-1 to 17), random body.
    bytes random_request() {
        bytes frame(4);
        kafka::writer out(frame);
        auto key = static_cast<std::int16_t>(pick(71));
        kafka::encode_request_header({key, random_version(), 7, "fuzz"}, out);
        auto body = pick(200);
        for (std::size_t i = 0; i < body; ++i) frame.push_back(static_cast<std::byte>(_random()));
        return frame;
    }

    void mutate(bytes& frame) {
        const std::size_t header_end = 4;  // the size prefix is fixed afterwards
        if (frame.size() <= header_end + 4) {
            frame.push_back(static_cast<std::byte>(_random()));
            return;
        }
        const std::size_t at = header_end + pick(frame.size() - header_end);
        switch (pick(9)) {
        case 0: frame[at] ^= static_cast<std::byte>(1u << pick(8)); break;
        case 1: frame[at] = static_cast<std::byte>(interesting()); break;
        case 2:
            if (at + 4 <= frame.size()) {
                store_be(frame.data() + at, static_cast<std::int32_t>(interesting()));
            }
            break;
        case 3:
            if (at + 2 <= frame.size()) {
                store_be(frame.data() + at, static_cast<std::int16_t>(interesting()));
            }
            break;
        case 4: frame.resize(at); break;
        case 5: {
            bytes chunk(1 + pick(16));
            for (std::byte& byte : chunk) byte = static_cast<std::byte>(_random());
            auto where = frame.begin() + static_cast<std::ptrdiff_t>(at);
            frame.insert(where, chunk.begin(), chunk.end());
            break;
        }
        case 6: {
            auto count = std::min(frame.size() - at, 1 + pick(16));
            auto from = frame.begin() + static_cast<std::ptrdiff_t>(at);
            frame.erase(from, from + static_cast<std::ptrdiff_t>(count));
            break;
        }
        case 7:  // another API key or version for the same body
            if (pick(2)) store_be(frame.data() + 4, static_cast<std::int16_t>(pick(71)));
            else store_be(frame.data() + 6, random_version());
            break;
        default: {  // this frame's head, another frame's tail
            const bytes& other = _corpus[pick(_corpus.size())];
            if (other.size() <= header_end) break;
            std::size_t from = header_end + pick(other.size() - header_end);
            frame.resize(at);
            frame.insert(frame.end(), other.begin() + static_cast<std::ptrdiff_t>(from),
                         other.end());
        }
        }
    }

    std::mt19937_64 _random;
    std::vector<bytes> _corpus;
};


class broker_process {
public:
    broker_process(const std::string& dir, std::uint16_t port)
        : _listen("127.0.0.1:" + std::to_string(port)),
          _process({LAMINAR_BROKER_BINARY, "--dev", "--listen", _listen}, dir) {}
    bool started() { return _process.wait_for_output("listening on " + _listen, 20s); }
    bool running() { return !_process.wait_for_exit(0ms).has_value(); }
    testing::process& process() { return _process; }

private:
    std::string _listen;
    testing::process _process;
};

void create_kept_topic(connection& link) {
    kafka::create_topics_request create;
    create.topics.push_back(
        {.name = kept_topic, .num_partitions = kept_partitions, .replication_factor = 1});
    auto created = exchange<kafka::create_topics_response>(link, create, 5);
    ASSERT_TRUE(created && created->topics.size() == 1);
    EXPECT_EQ(created->topics[0].error_code, 0);
}

void produce_kept_records(connection& link) {
    for (std::int32_t partition = 0; partition < kept_partitions; ++partition) {
        for (int batch = 0; batch < 3; ++batch) {
            auto request = produce_of(kept_topic, partition,
                                      batch_of(kept_records(partition, batch), 1'700'000'000'000));
            auto produced = exchange<kafka::produce_response>(link, request, 9);
            ASSERT_TRUE(produced && produced->responses.size() == 1);
            const auto& answer = produced->responses[0].partition_responses.at(0);
            EXPECT_EQ(answer.error_code, 0);
            EXPECT_EQ(answer.base_offset, batch * 5);
        }
    }
}

// The broker answers ApiVersions and Metadata and serves every record of kept_topic.
void expect_serving(std::uint16_t port) {
    connection link(port);
    ASSERT_TRUE(link.open());
    auto versions = exchange<kafka::api_versions_response>(link, kafka::api_versions_request{}, 3);
    ASSERT_TRUE(versions);
    EXPECT_EQ(versions->error_code, 0);
    EXPECT_GT(versions->api_keys.size(), 10u);

    kafka::metadata_request metadata;
    metadata.topics = std::vector<kafka::metadata_request_topic>{{{}, kept_topic}};
    auto described = exchange<kafka::metadata_response>(link, metadata, 12);
    ASSERT_TRUE(described && described->topics.size() == 1);
    EXPECT_EQ(described->topics[0].error_code, 0);
    EXPECT_EQ(described->topics[0].partitions.size(), static_cast<std::size_t>(kept_partitions));

    auto fetched = exchange<kafka::fetch_response>(link, fetch_of(kept_topic, kept_partitions, 0),
                                                   12);
    ASSERT_TRUE(fetched && fetched->responses.size() == 1);
    for (const auto& partition : fetched->responses[0].partitions) {
        EXPECT_EQ(partition.error_code, 0);
        EXPECT_EQ(partition.high_watermark, 15);
        std::vector<kafka::record> expected;
        for (int batch = 0; batch < 3; ++batch) {
            for (auto& record : kept_records(partition.partition_index, batch)) {
                expected.push_back(std::move(record));
            }
        }
        std::vector<kafka::record> got;
        ASSERT_TRUE(partition.records.data) << "partition " << partition.partition_index;
        const bytes& data = *partition.records.data;
        std::span<const std::byte> rest = data;
        while (!rest.empty()) {
            auto parsed = kafka::parse_record_batch(rest);
            ASSERT_TRUE(parsed) << "partition " << partition.partition_index << ": "
                                << kafka::to_string(parsed.error()) << " at "
                                << (data.size() - rest.size()) << " of " << data.size();
            for (auto& record : parsed->records) got.push_back(std::move(record));
            rest = rest.subspan(parsed->header.total_bytes());
        }
        EXPECT_EQ(got, expected) << "partition " << partition.partition_index;
    }
}

// Connections land on the shards by the kernel's SO_REUSEPORT hash: 16 of them reach each of
// two shards with probability 1 - 2^-15, and every one must be accepted and answered.
void expect_every_shard_answers(std::uint16_t port) {
    for (int i = 0; i < 16; ++i) {
        connection link(port);
        ASSERT_TRUE(link.open()) << "connection " << i << " not accepted";
        auto versions =
            exchange<kafka::api_versions_response>(link, kafka::api_versions_request{}, 3);
        ASSERT_TRUE(versions) << "connection " << i;
    }
}

struct tally {
    std::uint64_t frames = 0;
    std::uint64_t answered = 0;
    std::uint64_t closed = 0;
    std::uint64_t timed_out = 0;
    std::uint64_t send_failed = 0;
    std::uint64_t correlation_mismatches = 0;
    std::uint64_t connect_failed = 0;  // no connection within connect_wait_ms
};

// Writes the last frames sent and the broker's stderr next to the temp dir, for a reproducer.
std::string keep_evidence(const std::deque<bytes>& recent, const std::string& stderr_text,
                          std::uint64_t seed) {
    auto dir = fs::temp_directory_path() /
               ("laminar-request-fuzz-crash-" + std::to_string(seed) + "-" +
                std::to_string(::getpid()));
    fs::create_directories(dir);
    std::size_t index = 0;
    for (const auto& frame : recent) {
        std::ofstream out(dir / ("frame-" + std::to_string(index++)), std::ios::binary);
        out.write(reinterpret_cast<const char*>(frame.data()),
                  static_cast<std::streamsize>(frame.size()));
    }
    std::ofstream(dir / "broker-stderr.log") << stderr_text;
    return dir.string();
}

// Sends one frame on `link` (reconnecting when the broker dropped it) and waits for its answer.
void send_one(std::unique_ptr<connection>& link, std::uint16_t port, const bytes& frame,
              tally& counts) {
    ++counts.frames;
    if (!link->open()) {
        ++counts.connect_failed;
        link = std::make_unique<connection>(port);
        return;
    }
    if (!link->send(frame)) {
        ++counts.send_failed;
        link = std::make_unique<connection>(port);
        return;
    }
    bytes payload;
    switch (link->receive(payload, response_wait)) {
    case connection::outcome::answered:
        ++counts.answered;
        // Every request header starts key, version, correlation id: the answer echoes the id.
        if (frame.size() >= 12 && payload.size() >= 4 &&
            !std::equal(frame.begin() + 8, frame.begin() + 12, payload.begin())) {
            ++counts.correlation_mismatches;
        }
        return;
    case connection::outcome::closed: ++counts.closed; break;
    case connection::outcome::timed_out: ++counts.timed_out; break;
    }
    link = std::make_unique<connection>(port);
}

TEST(request_fuzz, random_and_mutated_frames_never_bring_the_broker_down) {
    const std::uint64_t seed = env_number("LAMINAR_FUZZ_SEED", 1);
    const std::uint64_t frames_max = env_number("LAMINAR_FUZZ_FRAMES", 3000);
    const std::uint64_t seconds = env_number("LAMINAR_FUZZ_SECONDS", 0);
    std::printf("request_fuzz: seed %llu (LAMINAR_FUZZ_SEED)\n",
                static_cast<unsigned long long>(seed));
    std::fflush(stdout);
    temp_dir dir;
    const auto port = free_port();
    {
        broker_process broker(dir.path, port);
        ASSERT_TRUE(broker.started()) << broker.process().stderr_text();
        {
            connection setup(port);
            ASSERT_TRUE(setup.open());
            create_kept_topic(setup);
            produce_kept_records(setup);
        }
        mutator generator(seed, corpus());
        tally counts;
        std::deque<bytes> recent;
        auto link = std::make_unique<connection>(port);
        int connect_failures_in_row = 0;
        const auto start = std::chrono::steady_clock::now();
        const auto until = start + std::chrono::seconds(seconds);
        while (seconds ? std::chrono::steady_clock::now() < until : counts.frames < frames_max) {
            recent.push_back(generator.next());
            if (recent.size() > frames_kept) recent.pop_front();
            send_one(link, port, recent.back(), counts);
            if (!broker.running()) {
                FAIL() << "broker exited after frame " << counts.frames << " (seed " << seed
                       << "); last frames in "
                       << keep_evidence(recent, broker.process().stderr_text(), seed);
            }
            if (!link->open() && ++connect_failures_in_row >= 3) {
                FAIL() << "broker stopped accepting connections after frame " << counts.frames
                       << " (seed " << seed << "); last frames in "
                       << keep_evidence(recent, broker.process().stderr_text(), seed);
            }
            if (link->open()) connect_failures_in_row = 0;
        }
        const double elapsed = std::chrono::duration<double>(
            std::chrono::steady_clock::now() - start).count();
        std::printf("request_fuzz: %llu frames in %.1f s: %llu answered, %llu closed by the "
                    "broker, %llu unanswered after %lld ms, %llu sends refused, %llu connects "
                    "failed\n",
                    static_cast<unsigned long long>(counts.frames), elapsed,
                    static_cast<unsigned long long>(counts.answered),
                    static_cast<unsigned long long>(counts.closed),
                    static_cast<unsigned long long>(counts.timed_out),
                    static_cast<long long>(response_wait.count()),
                    static_cast<unsigned long long>(counts.send_failed),
                    static_cast<unsigned long long>(counts.connect_failed));
        EXPECT_EQ(counts.correlation_mismatches, 0u);
        EXPECT_GT(counts.answered, 0u);
        expect_every_shard_answers(port);
        expect_serving(port);
        broker.process().signal(SIGTERM);
        EXPECT_EQ(broker.process().wait_for_exit(30s), 0) << broker.process().stderr_text();
        EXPECT_EQ(broker.process().stderr_text().find("internal error"), std::string::npos);
    }
    // The logs the frames were thrown at still read back after a restart. Another port, so
    // the first run's "listening on" in stdout.log cannot be taken for this one's.
    const auto restart_port = free_port();
    broker_process again(dir.path, restart_port);
    ASSERT_TRUE(again.started()) << again.process().stderr_text();
    expect_serving(restart_port);
    again.process().signal(SIGTERM);
    EXPECT_EQ(again.process().wait_for_exit(30s), 0) << again.process().stderr_text();
}

}  // namespace
}  // namespace laminar
