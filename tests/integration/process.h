// A daemon started as a real process for integration tests: argv, working directory, captured
// stdout/stderr, signals, and waiting with a deadline; and what the tests around such processes
// share (a temporary directory, a free loopback port, a file's text).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "net/socket.h"

namespace laminar::testing {

inline std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// A fresh directory under /tmp, removed with everything in it when the object goes.
struct temp_dir {
    std::string path;
    temp_dir() {
        char name[] = "/tmp/laminar-test-XXXXXX";
        path = ::mkdtemp(name);
    }
    ~temp_dir() { std::filesystem::remove_all(path); }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
};

// A loopback port free when asked (the probe socket is closed before returning).
inline std::uint16_t free_port() {
    auto listener = net::listen_tcp({"127.0.0.1", 0});
    return *net::local_port(listener->get());
}

class process {
public:
    process(std::vector<std::string> argv, const std::string& directory) : _directory(directory) {
        _stdout_path = directory + "/stdout.log";
        _stderr_path = directory + "/stderr.log";
        _pid = ::fork();
        if (_pid == 0) {
            if (::chdir(directory.c_str()) != 0) ::_exit(126);
            int out = ::open(_stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            int err = ::open(_stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            ::dup2(out, 1);
            ::dup2(err, 2);
            std::vector<char*> args;
            for (auto& arg : argv) args.push_back(arg.data());
            args.push_back(nullptr);
            ::execv(args[0], args.data());
            ::_exit(127);
        }
    }
    ~process() {
        if (_pid > 0 && !_exit_status) {
            ::kill(_pid, SIGKILL);
            ::waitpid(_pid, nullptr, 0);
        }
    }

    void signal(int number) { ::kill(_pid, number); }

    // The exit status (WEXITSTATUS, or 128 + signal), or nothing if still running at the deadline.
    std::optional<int> wait_for_exit(std::chrono::milliseconds deadline) {
        const auto until = std::chrono::steady_clock::now() + deadline;
        while (!_exit_status && std::chrono::steady_clock::now() < until) {
            int status = 0;
            if (::waitpid(_pid, &status, WNOHANG) == _pid) {
                _exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return _exit_status;
    }

    std::string stdout_text() const { return read_text(_stdout_path); }
    std::string stderr_text() const { return read_text(_stderr_path); }

    // Waits until stdout contains `text`.
    bool wait_for_output(const std::string& text, std::chrono::milliseconds deadline) {
        const auto until = std::chrono::steady_clock::now() + deadline;
        while (std::chrono::steady_clock::now() < until) {
            if (stdout_text().find(text) != std::string::npos) return true;
            if (wait_for_exit(std::chrono::milliseconds(0))) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return false;
    }

private:
    std::string _directory;
    std::string _stdout_path;
    std::string _stderr_path;
    pid_t _pid = -1;
    std::optional<int> _exit_status;
};

}  // namespace laminar::testing
