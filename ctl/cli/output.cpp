#include "ctl/cli/output.h"

#include <algorithm>

#include <fmt/format.h>

namespace laminar::cli {

void add_format_option(CLI::App& command, output_format& format) {
    command.add_option("--format", format, "Output: table (default) or json")
        ->transform(CLI::CheckedTransformer(
            std::map<std::string, output_format>{{"table", output_format::table},
                                                 {"json", output_format::json}}));
}

table::table(std::vector<std::string> headings) : _headings(std::move(headings)) {}

void table::add_row(std::vector<std::string> cells) {
    cells.resize(_headings.size());
    _rows.push_back(std::move(cells));
}

void table::print(std::FILE* out) const {
    std::vector<std::size_t> widths;
    for (const auto& heading : _headings) widths.push_back(heading.size());
    for (const auto& row : _rows) {
        for (std::size_t column = 0; column < row.size(); ++column) {
            widths[column] = std::max(widths[column], row[column].size());
        }
    }
    auto print_row = [&](const std::vector<std::string>& row) {
        std::string line;
        for (std::size_t column = 0; column < row.size(); ++column) {
            line += row[column];
            if (column + 1 < row.size()) line.append(widths[column] - row[column].size() + 2, ' ');
        }
        line += '\n';
        std::fputs(line.c_str(), out);
    };
    print_row(_headings);
    for (const auto& row : _rows) print_row(row);
}

CLI::Validator at_least(double minimum) {
    auto check = [minimum](std::string& text) -> std::string {
        std::size_t used = 0;
        double value = 0;
        try {
            value = std::stod(text, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || used != text.size()) return "not a number: " + text;
        if (value < minimum) return fmt::format("must be at least {}, got {}", minimum, text);
        return "";
    };
    return CLI::Validator(check, fmt::format(">={}", minimum));
}

std::string json_line(const nlohmann::json& document) {
    return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string json_line(const nlohmann::ordered_json& document) {
    return document.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void print_json(const nlohmann::json& document, std::FILE* out) {
    auto text = document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    text += '\n';
    std::fputs(text.c_str(), out);
}

std::string join_ids(const std::vector<std::int32_t>& ids) {
    std::string text;
    for (auto id : ids) {
        if (!text.empty()) text += ',';
        text += std::to_string(id);
    }
    return text;
}

std::vector<std::int32_t> ids_of(const std::int32_t* ids, int count) {
    return count > 0 ? std::vector<std::int32_t>(ids, ids + count) : std::vector<std::int32_t>{};
}

}  // namespace laminar::cli
