// Percentile distribution plots, HdrHistogram style: x is the percentile on a log 1/(1-p) axis
// (0%, 90%, 99%, 99.9%, ...), y the latency on a log axis, one line per run with a legend.
// Output is a self-contained SVG, or an HTML page around it; no scripts, no external files.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace laminar::bench {

struct plot_series {
    std::string name;
    std::vector<std::pair<double, double>> points;  // (percentile 0..100, microseconds)
    double max_us = 0;
};

// The e2e_latency (which = "e2e") or ack_latency distribution of a laminar-bench JSON run.
std::optional<plot_series> series_from_run(const nlohmann::json& run, const std::string& which,
                                           std::string& error);

std::string render_svg(const std::vector<plot_series>& series, const std::string& title);
std::string render_html(const std::vector<plot_series>& series, const std::string& title);

// Escapes text for XML character data and attribute values.
std::string xml_escape(const std::string& text);

}  // namespace laminar::bench
