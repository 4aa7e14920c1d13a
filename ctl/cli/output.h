// What commands print: aligned tables for people, JSON for scripts (`--format json`). Tables
// go to stdout with a header row and columns padded to their widest cell; JSON is one document
// per command (consume prints one object per line instead), with invalid UTF-8 in keys and
// values replaced rather than failing the command.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace laminar::cli {

enum class output_format { table, json };

// --format table|json on a command.
void add_format_option(CLI::App& command, output_format& format);

// A check for numeric options with a short message ("must be at least 1").
CLI::Validator at_least(double minimum);

class table {
public:
    explicit table(std::vector<std::string> headings);
    void add_row(std::vector<std::string> cells);
    bool empty() const noexcept { return _rows.empty(); }
    void print(std::FILE* out = stdout) const;

private:
    std::vector<std::string> _headings;
    std::vector<std::vector<std::string>> _rows;
};

void print_json(const nlohmann::json& document, std::FILE* out = stdout);
// One line, for JSON Lines output.
std::string json_line(const nlohmann::json& document);
std::string json_line(const nlohmann::ordered_json& document);  // fields in the order given

// "1,2,3" ("" for none).
std::string join_ids(const std::vector<std::int32_t>& ids);
std::vector<std::int32_t> ids_of(const std::int32_t* ids, int count);

}  // namespace laminar::cli
