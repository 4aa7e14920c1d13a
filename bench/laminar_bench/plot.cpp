#include "bench/laminar_bench/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace laminar::bench {
namespace {

constexpr double width = 960, plot_h = 400;
constexpr double left = 80, right = 30, top = 50;
constexpr const char* colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                  "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"};

// x position of a percentile: log10(1 / (1 - p)).
double nines(double percentile) {
    const double rest = 1.0 - percentile / 100.0;
    return rest <= 0 ? 0 : std::log10(1.0 / rest);
}

std::string number(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", value);
    return text;
}

std::string latency_label(double us) {
    char text[32];
    if (us >= 1e6)
        std::snprintf(text, sizeof text, "%gs", us / 1e6);
    else if (us >= 1e3)
        std::snprintf(text, sizeof text, "%gms", us / 1e3);
    else
        std::snprintf(text, sizeof text, "%gus", us);
    return text;
}

std::string percentile_label(int decade) {
    static const char* names[] = {"0%",     "90%",     "99%",      "99.9%",
                                  "99.99%", "99.999%", "99.9999%", "99.99999%"};
    return decade < 8 ? names[decade] : "1-1e-" + std::to_string(decade);
}

double at_percentile(const plot_series& s, double p) {
    for (const auto& [percentile, us] : s.points) {
        if (percentile >= p) return us;
    }
    return s.max_us;
}

}  // namespace

std::string xml_escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default:
                if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n') out += c;
        }
    }
    return out;
}

std::optional<plot_series> series_from_run(const nlohmann::json& run, const std::string& which,
                                           std::string& error) {
    const std::string field = which == "ack" ? "ack_latency" : "e2e_latency";
    if (!run.contains(field) || !run[field].is_object() || !run[field].contains("distribution") ||
        !run[field]["distribution"].is_array()) {
        error = "no " + field + ".distribution";
        return std::nullopt;
    }
    plot_series s;
    s.name = run.value("name", std::string("run"));
    for (const auto& point : run[field]["distribution"]) {
        if (!point.is_array() || point.size() != 2 || !point[0].is_number() ||
            !point[1].is_number()) {
            error = "malformed distribution point";
            return std::nullopt;
        }
        const double p = point[0].get<double>(), us = point[1].get<double>();
        if (p < 0 || p > 100 || us < 0) {
            error = "distribution point out of range";
            return std::nullopt;
        }
        s.max_us = std::max(s.max_us, us);
        if (p < 100) s.points.emplace_back(p, us);
    }
    if (s.points.empty()) {
        error = "empty distribution";
        return std::nullopt;
    }
    return s;
}

std::string render_svg(const std::vector<plot_series>& series, const std::string& title) {
    double x_max = 1, y_min = 1e300, y_max = 0;
    for (const auto& s : series) {
        for (const auto& [p, us] : s.points) {
            x_max = std::max(x_max, nines(p));
            y_min = std::min(y_min, std::max(us, 0.1));
            y_max = std::max(y_max, std::max(us, 0.1));
        }
        y_max = std::max(y_max, s.max_us);
    }
    if (y_max == 0) y_min = 1, y_max = 10;
    const int decades_x = static_cast<int>(std::ceil(x_max));
    const double log_lo = std::floor(std::log10(y_min)), log_hi = std::ceil(std::log10(y_max));
    const double log_span = std::max(1.0, log_hi - log_lo);
    const double plot_w = width - left - right;
    const double height = top + plot_h + 64 + 18.0 * static_cast<double>(series.size());
    auto px = [&](double x) { return left + plot_w * x / decades_x; };
    auto py = [&](double us) {
        return top + plot_h * (1.0 - (std::log10(std::max(us, 0.1)) - log_lo) / log_span);
    };

    std::string svg;
    svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + number(width) + "\" height=\"" +
           number(height) + "\" viewBox=\"0 0 " + number(width) + " " + number(height) +
           "\" font-family=\"sans-serif\" font-size=\"12\">\n";
    svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    svg += "<text x=\"" + number(width / 2) +
           "\" y=\"24\" text-anchor=\"middle\" font-size=\"16\">" + xml_escape(title) + "</text>\n";
    for (int d = 0; d <= decades_x; ++d) {
        svg += "<line x1=\"" + number(px(d)) + "\" y1=\"" + number(top) + "\" x2=\"" +
               number(px(d)) + "\" y2=\"" + number(top + plot_h) + "\" stroke=\"#ddd\"/>\n";
        svg += "<text x=\"" + number(px(d)) + "\" y=\"" + number(top + plot_h + 16) +
               "\" text-anchor=\"middle\">" + percentile_label(d) + "</text>\n";
    }
    for (double e = log_lo; e <= log_lo + log_span; e += 1) {
        const double us = std::pow(10.0, e);
        svg += "<line x1=\"" + number(left) + "\" y1=\"" + number(py(us)) + "\" x2=\"" +
               number(left + plot_w) + "\" y2=\"" + number(py(us)) + "\" stroke=\"#ddd\"/>\n";
        svg += "<text x=\"" + number(left - 6) + "\" y=\"" + number(py(us) + 4) +
               "\" text-anchor=\"end\">" + latency_label(us) + "</text>\n";
    }
    svg += "<rect x=\"" + number(left) + "\" y=\"" + number(top) + "\" width=\"" + number(plot_w) +
           "\" height=\"" + number(plot_h) + "\" fill=\"none\" stroke=\"black\"/>\n";
    svg += "<text x=\"" + number(left + plot_w / 2) + "\" y=\"" + number(top + plot_h + 34) +
           "\" text-anchor=\"middle\">percentile (log 1/(1-p))</text>\n";
    svg += "<text transform=\"translate(18 " + number(top + plot_h / 2) +
           ") rotate(-90)\" text-anchor=\"middle\">latency (log)</text>\n";
    for (std::size_t i = 0; i < series.size(); ++i) {
        const auto& s = series[i];
        const char* color = colors[i % std::size(colors)];
        std::string path;
        for (const auto& [p, us] : s.points) {
            path += (path.empty() ? "M" : " L") + number(px(nines(p))) + " " + number(py(us));
        }
        svg += "<path d=\"" + path + "\" fill=\"none\" stroke=\"" + color +
               "\" stroke-width=\"2\"/>\n";
        const double legend_y = top + plot_h + 56 + 18.0 * static_cast<double>(i);
        char stats[160];
        std::snprintf(stats, sizeof stats, "  p50 %.1f  p99 %.1f  p99.9 %.1f  max %.1f us",
                      at_percentile(s, 50), at_percentile(s, 99), at_percentile(s, 99.9), s.max_us);
        svg += "<line x1=\"" + number(left) + "\" y1=\"" + number(legend_y - 4) + "\" x2=\"" +
               number(left + 24) + "\" y2=\"" + number(legend_y - 4) + "\" stroke=\"" + color +
               "\" stroke-width=\"3\"/>\n";
        svg += "<text x=\"" + number(left + 30) + "\" y=\"" + number(legend_y) + "\">" +
               xml_escape(s.name) + xml_escape(stats) + "</text>\n";
    }
    svg += "</svg>\n";
    return svg;
}

std::string render_html(const std::vector<plot_series>& series, const std::string& title) {
    return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + xml_escape(title) +
           "</title></head>\n<body>\n" + render_svg(series, title) + "</body></html>\n";
}

}  // namespace laminar::bench
