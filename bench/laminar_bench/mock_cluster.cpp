// laminar-mock-cluster: librdkafka's in-memory mock cluster (rd_kafka_mock_cluster_new) as a
// process, so bench/compare can measure librdkafka clients against it like any broker. Prints
// "bootstrap.servers=HOST:PORT,..." and stays up until SIGTERM or SIGINT.
// Usage: laminar-mock-cluster [--brokers N] [--topic NAME:PARTITIONS]...
// (librdkafka 2.0's mock answers no CreateTopics; --topic creates topics up front, otherwise
// the mock auto-creates a topic on first use with its default partition count.)
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

int main(int argc, char** argv) {
    int brokers = 1;
    std::vector<std::pair<std::string, int>> topics;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--brokers") == 0 && i + 1 < argc) {
            brokers = std::atoi(argv[++i]);
        } else if (std::strcmp(argv[i], "--topic") == 0 && i + 1 < argc) {
            const std::string spec = argv[++i];
            const auto colon = spec.rfind(':');
            const int partitions =
                colon == std::string::npos ? 0 : std::atoi(spec.c_str() + colon + 1);
            if (partitions < 1) {
                std::fprintf(stderr, "laminar-mock-cluster: --topic NAME:PARTITIONS\n");
                return 2;
            }
            topics.emplace_back(spec.substr(0, colon), partitions);
        } else {
            std::fprintf(
                stderr, "usage: laminar-mock-cluster [--brokers N] [--topic NAME:PARTITIONS]...\n");
            return 2;
        }
    }
    if (brokers < 1) {
        std::fprintf(stderr, "laminar-mock-cluster: --brokers at least 1\n");
        return 2;
    }
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    // Blocked before librdkafka starts its threads, so they inherit the mask and sigwait below
    // is the only receiver.
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);

    char error[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", error, sizeof error);  // no bootstrap.servers warning
    rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
    if (handle == nullptr) {
        std::fprintf(stderr, "laminar-mock-cluster: %s\n", error);
        return 1;
    }
    rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(handle, brokers);
    if (cluster == nullptr) {
        std::fprintf(stderr, "laminar-mock-cluster: rd_kafka_mock_cluster_new failed\n");
        rd_kafka_destroy(handle);
        return 1;
    }
    for (const auto& [name, partitions] : topics) {
        const rd_kafka_resp_err_t code =
            rd_kafka_mock_topic_create(cluster, name.c_str(), partitions, 1);
        if (code != RD_KAFKA_RESP_ERR_NO_ERROR) {
            std::fprintf(stderr, "laminar-mock-cluster: topic %s: %s\n", name.c_str(),
                         rd_kafka_err2str(code));
            return 1;
        }
    }
    std::printf("bootstrap.servers=%s\n", rd_kafka_mock_cluster_bootstraps(cluster));
    std::fflush(stdout);
    int received = 0;
    sigwait(&stop, &received);
    rd_kafka_mock_cluster_destroy(cluster);
    rd_kafka_destroy(handle);
    return 0;
}
