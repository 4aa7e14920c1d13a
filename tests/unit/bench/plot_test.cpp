// laminar-bench's plots: from runs' JSON to SVG / HTML that is well-formed XML (checked by a
// small tag matcher here), names each run in its legend (escaped), and refuses malformed input.
#include <gtest/gtest.h>

#include <random>

#include "bench/laminar_bench/plot.h"
#include "bench/laminar_bench/report.h"

namespace laminar::bench {
namespace {

// True when every tag is closed in order, attributes are quoted and no raw '<' or '&' sits in
// text: enough to catch broken markup (not a full XML parser).
bool well_formed(const std::string& doc, std::string& why) {
    std::vector<std::string> open;
    std::size_t i = 0;
    if (doc.rfind("<!DOCTYPE html>", 0) == 0) i = doc.find('\n') + 1;
    while (i < doc.size()) {
        if (doc[i] == '&') {
            const auto semi = doc.find(';', i);
            const std::string entity = doc.substr(i, semi == std::string::npos ? 0 : semi - i + 1);
            if (entity != "&amp;" && entity != "&lt;" && entity != "&gt;" && entity != "&quot;" &&
                entity != "&apos;") {
                why = "bad entity at " + std::to_string(i);
                return false;
            }
        }
        if (doc[i] != '<') {
            ++i;
            continue;
        }
        const auto end = doc.find('>', i);
        if (end == std::string::npos) {
            why = "unterminated tag";
            return false;
        }
        std::string tag = doc.substr(i + 1, end - i - 1);
        if (std::count(tag.begin(), tag.end(), '"') % 2 != 0 ||
            tag.find('<') != std::string::npos) {
            why = "bad tag " + tag;
            return false;
        }
        const bool closing = !tag.empty() && tag[0] == '/';
        const bool self_closing = !tag.empty() && tag.back() == '/';
        std::string name = tag.substr(closing ? 1 : 0);
        name = name.substr(0, name.find_first_of(" /"));
        if (closing) {
            if (open.empty() || open.back() != name) {
                why = "unbalanced </" + name + ">";
                return false;
            }
            open.pop_back();
        } else if (!self_closing && name != "meta") {
            open.push_back(name);
        }
        i = end + 1;
    }
    if (!open.empty()) why = "unclosed <" + open.back() + ">";
    return open.empty();
}

nlohmann::json synthetic_run(const std::string& name, double scale, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::lognormal_distribution<double> d(std::log(100'000.0 * scale), 0.8);
    run_context ctx;
    ctx.opt.name = name;
    ctx.end_ns = 1'000'000'000;
    std::vector<producer_tally> producers(1);
    std::vector<consumer_tally> consumers(1);
    for (int i = 0; i < 20'000; ++i) {
        consumers[0].e2e.record(static_cast<std::uint64_t>(d(rng)));
        producers[0].ack.record(static_cast<std::uint64_t>(d(rng) / 2));
    }
    return to_json(summarize(ctx, producers, consumers));
}

TEST(plot, svg_is_well_formed_and_names_every_run) {
    std::vector<plot_series> series;
    for (auto [name, scale] : {std::pair{"laminar native", 1.0},
                               {"redis <streams> & co", 2.0},
                               {"kafka \"librdkafka\"", 4.0}}) {
        std::string error;
        auto s = series_from_run(synthetic_run(name, scale, 1), "e2e", error);
        ASSERT_TRUE(s) << error;
        series.push_back(*s);
    }
    const std::string svg = render_svg(series, "e2e <latency>");
    std::string why;
    EXPECT_TRUE(well_formed(svg, why)) << why;
    EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
    EXPECT_NE(svg.find("laminar native"), std::string::npos);
    EXPECT_NE(svg.find("redis &lt;streams&gt; &amp; co"), std::string::npos);
    EXPECT_NE(svg.find("kafka &quot;librdkafka&quot;"), std::string::npos);
    EXPECT_EQ(std::count(svg.begin(), svg.end(), '\n') > 10, true);
    // One line per run.
    std::size_t paths = 0;
    for (auto at = svg.find("<path "); at != std::string::npos; at = svg.find("<path ", at + 1)) {
        ++paths;
    }
    EXPECT_EQ(paths, 3u);
    EXPECT_NE(svg.find("99.9%"), std::string::npos);

    const std::string html = render_html(series, "e2e");
    EXPECT_TRUE(well_formed(html, why)) << why;
    EXPECT_NE(html.find("<title>e2e</title>"), std::string::npos);
    EXPECT_NE(html.find("laminar native"), std::string::npos);
}

TEST(plot, ack_distribution_and_malformed_runs) {
    std::string error;
    auto run = synthetic_run("r", 1.0, 2);
    auto ack = series_from_run(run, "ack", error);
    auto e2e = series_from_run(run, "e2e", error);
    ASSERT_TRUE(ack && e2e);
    EXPECT_LT(ack->max_us, e2e->max_us * 2);
    EXPECT_NE(ack->points, e2e->points);

    EXPECT_FALSE(series_from_run(nlohmann::json::object(), "e2e", error));
    auto broken = run;
    broken["e2e_latency"]["distribution"] = {{50.0}};
    EXPECT_FALSE(series_from_run(broken, "e2e", error));
    broken["e2e_latency"]["distribution"] = {{150.0, 3.0}};
    EXPECT_FALSE(series_from_run(broken, "e2e", error));
    broken["e2e_latency"]["distribution"] = nlohmann::json::array();
    EXPECT_FALSE(series_from_run(broken, "e2e", error));
}

TEST(plot, escapes_control_characters_away) {
    EXPECT_EQ(xml_escape(std::string("a\x01<b>&\"'", 8)), "a&lt;b&gt;&amp;&quot;&apos;");
}

}  // namespace
}  // namespace laminar::bench
