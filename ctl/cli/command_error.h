// How a `laminar` command ends when it cannot do what was asked: an exit code a script can rely
// on and one line for a person. Commands throw `command_error`; bin/laminar.cpp prints it and
// exits with its code. The CLI is not on any data path, so an exception is the plain way to
// leave from deep inside a command.
#pragma once

#include <stdexcept>
#include <string>

namespace laminar::cli {

// Exit codes, documented in ctl/cli/README.md.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failed = 1;       // the cluster refused or failed, or bad data
inline constexpr int exit_usage = 2;        // the command line is wrong
inline constexpr int exit_unreachable = 3;  // no broker answered within --timeout

class command_error : public std::runtime_error {
public:
    command_error(int exit_code, const std::string& message)
        : std::runtime_error(message), _exit_code(exit_code) {}
    int exit_code() const noexcept { return _exit_code; }

private:
    int _exit_code;
};

[[noreturn]] inline void fail_command(int exit_code, const std::string& message) {
    throw command_error(exit_code, message);
}

}  // namespace laminar::cli
