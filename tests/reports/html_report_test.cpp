#include "reports/html_report.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>

#include "real_reports.hpp"
#include "report_fixture.hpp"
#include "reports/json_report.hpp"
#include "reports/matrix.hpp"

namespace convtest::reports {
namespace {

using testing::fresh_directory;
using testing::make_report;

HtmlRunContext context_for_tests() {
  HtmlRunContext context;
  context.requirement_sentences = {{"CONV-045", "The converter MUST report a server's RST as Connection Reset."}};
  context.artifact_base = "/runs/today";
  context.page_directory = "/runs/today/pages";
  return context;
}

std::string render(const RunReport& report, const HtmlRunContext& context = context_for_tests()) {
  const HtmlPage page = render_run_html(to_json(report), context);
  EXPECT_EQ(page.error, "");
  return page.html;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::size_t occurrences(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) ++count;
  return count;
}

TEST(HtmlReport, EscapesEverythingThePutPrinted) {
  RunReport report = make_report();
  report.results[0].observed = "<script>alert('x')</script> \"q\" \x01 \xff\xfe end";
  report.results[0].log = {"<img src=x onerror=alert(1)>"};
  report.results[0].tags = {"a\"b"};
  const std::string html = render(report);
  EXPECT_FALSE(contains(html, "<script>alert")) << "markup from the report reached the page";
  EXPECT_FALSE(contains(html, "<img"));
  EXPECT_TRUE(contains(html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &quot;q&quot;"));
  EXPECT_TRUE(contains(html, "\u2401")) << "a control byte is shown as its Control Picture";
  EXPECT_TRUE(contains(html, "\uFFFD")) << "invalid UTF-8 is replaced";
  EXPECT_TRUE(contains(html, "data-tags=\"a&quot;b\""));
  EXPECT_EQ(occurrences(html, "<script>"), 2U) << "only the page's own two scripts";
}

TEST(HtmlReport, CountsEveryVerdictOfTheReport) {
  const RunReport report = make_report();
  const std::string html = render(report);
  for (const auto& [verdict, count] : report.counts())
    EXPECT_TRUE(contains(html, fmt::format("data-verdict=\"{}\"><b class=\"count\">{}</b>", name(verdict), count)))
        << name(verdict);
  EXPECT_TRUE(contains(html, fmt::format("<span id=\"total\">{}</span>", report.results.size())));
  EXPECT_EQ(occurrences(html, "<tbody class=\"case\""), report.results.size());
}

TEST(HtmlReport, IsSelfContained) {
  const std::string html = render(make_report());
  for (const char* external : {"<link", " src=", "@import", "http://", "https://", "url("})
    EXPECT_FALSE(contains(html, external)) << external;
}

TEST(HtmlReport, EachRowCarriesItsDetails) {
  const RunReport report = make_report();
  HtmlRunContext context = context_for_tests();
  const CaseResult& failed = report.results[1];
  context.put_outputs[*failed.put_output] = "listening <on> 5124\n";
  const std::string html = render(report, context);
  EXPECT_TRUE(contains(html, "id=\"case-case-1\""));
  EXPECT_TRUE(contains(html, "<b>CONV-045</b>: The converter MUST report a server&#39;s RST as Connection Reset."));
  EXPECT_TRUE(contains(html, "<b>AMB-03</b>: <span class=\"muted\">(not in this catalog"));
  EXPECT_TRUE(contains(html, "<pre class=\"expected\">Error TLV 96 with value 0</pre>"));
  EXPECT_TRUE(contains(html, "<pre class=\"repro\">convtest run --seed 7 --case case-1</pre>"));
  EXPECT_TRUE(contains(html, "<pre class=\"put-output\">listening &lt;on&gt; 5124\n</pre>"));
  EXPECT_TRUE(contains(html, "<pre class=\"log\">client SYN\nreply</pre>"));
  // The pcap path is relative to the run's directory; the link to the page's.
  EXPECT_TRUE(contains(html, "<a class=\"pcap\" href=\"../out/artifacts/case-1.pcap\">"));
  EXPECT_TRUE(contains(html, "case-1 with family=v6, transport=mptcp (full grid)"));
}

TEST(HtmlReport, LinksSurviveOddPaths) {
  RunReport report = make_report();
  report.results[1].pcap = "/abs dir/a#b\"c.pcap";
  HtmlRunContext context = context_for_tests();
  context.page_directory = "";
  const std::string html = render(report, context);
  EXPECT_TRUE(contains(html, "href=\"file:///abs%20dir/a%23b%22c.pcap\""));
}

TEST(HtmlReport, RefusesWhatIsNoReport) {
  const HtmlRunContext context = context_for_tests();
  EXPECT_NE(render_html(nlohmann::json::parse(R"({"format": "something"})"), context).error, "");
  nlohmann::json newer = to_json(make_report());
  newer["version"] = 2;
  EXPECT_TRUE(contains(render_html(newer, context).error, "version"));
  nlohmann::json broken = to_json(make_report());
  broken["results"][0].erase("verdict");
  EXPECT_TRUE(contains(render_html(broken, context).error, "verdict"));
  EXPECT_TRUE(
      contains(render_matrix_html(nlohmann::json::parse(R"({"format": "convtest-matrix", "version": 1})")).error,
               "implementations"));
}

TEST(HtmlReport, ReadsJsonFilesWithErrorsAsValues) {
  const auto dir = fresh_directory("html-read");
  std::ofstream(dir / "bad.json") << "{\"format\": ";
  EXPECT_TRUE(contains(read_json_file(dir / "bad.json").error, "not valid JSON"));
  EXPECT_TRUE(contains(read_json_file(dir / "missing.json").error, "cannot read"));
  std::ofstream(dir / "good.json") << "{\"a\": 1}";
  EXPECT_EQ(read_json_file(dir / "good.json").document["a"], 1);
  std::filesystem::remove_all(dir);
}

TEST(HtmlReport, PutOutputsKeepTheirEnd) {
  const auto dir = fresh_directory("html-put-output");
  std::filesystem::create_directories(dir / "out/artifacts");
  std::ofstream(dir / "out/artifacts/case-1.put.log") << std::string(100, 'a') << "THE END";
  const auto outputs = read_put_outputs(to_json(make_report()), dir, 10);
  ASSERT_EQ(outputs.size(), 1U);
  EXPECT_EQ(outputs.begin()->second, "[first 97 bytes left out]\naaaTHE END");
  std::filesystem::remove_all(dir);
}

TEST(HtmlReport, OverallVerdictIsTheWorstPresent) {
  EXPECT_EQ(overall_verdict({{Verdict::Pass, 3}, {Verdict::Fail, 1}, {Verdict::Error, 1}}), Verdict::Fail);
  EXPECT_EQ(overall_verdict({{Verdict::Pass, 3}, {Verdict::Warn, 1}}), Verdict::Warn);
  EXPECT_EQ(overall_verdict({{Verdict::Pass, 0}, {Verdict::Unsupported, 2}}), Verdict::Unsupported);
  EXPECT_EQ(overall_verdict({}), Verdict::Skip);
}

std::vector<MatrixRun> real_runs() { return testing::real_runs(CONVTEST_REPORT_DATA); }
MatrixDocument real_matrix() { return testing::real_matrix(CONVTEST_REPORT_DATA); }

TEST(HtmlMatrix, BuiltFromRealReportsItFitsItsSchema) {
  for (const auto& run : real_runs()) EXPECT_FALSE(run.report.is_null()) << run.report_path;
  const MatrixDocument matrix = real_matrix();
  ASSERT_EQ(matrix.error, "");
  const auto dir = fresh_directory("matrix-schema");
  ASSERT_EQ(write_file_atomically(dir / "matrix.json", matrix.document.dump(2)), "");
  EXPECT_EQ(testing::validate_with_schema(dir / "matrix.json", CONVTEST_MATRIX_SCHEMA), 0);
  std::filesystem::remove_all(dir);
}

TEST(HtmlMatrix, TheSchemaRejectsWhatTheFormatForbids) {
  const auto dir = fresh_directory("matrix-tampered");
  const nlohmann::json good = real_matrix().document;
  const std::vector<testing::Tampering> tamperings = {
      [](nlohmann::json& d) { d["cases"][0]["verdicts"]["convproxy"] = "MAYBE"; },
      [](nlohmann::json& d) { d["implementations"][0]["role"] = "server"; },
      [](nlohmann::json& d) { d["pairs"][0].erase("verdict"); },
      [](nlohmann::json& d) { d["version"] = 2; },
      [](nlohmann::json& d) { d["implementations"][0]["counts"]["MAYBE"] = 1; },
  };
  EXPECT_EQ(testing::count_valid_tamperings(good, tamperings, dir, CONVTEST_MATRIX_SCHEMA), 0)
      << "a tampered matrix was accepted";
  std::filesystem::remove_all(dir);
}

TEST(HtmlMatrix, EveryCellShowsTheVerdictOfItsRunAndLinksToItsRow) {
  const MatrixDocument matrix = real_matrix();
  ASSERT_EQ(matrix.error, "");
  const HtmlPage page = render_matrix_html(matrix.document);
  ASSERT_EQ(page.error, "");
  std::size_t cells = 0;
  for (const auto& run : real_runs()) {
    for (const auto& result : run.report["results"]) {
      const std::string verdict = result["verdict"];
      const std::string href = *run.page + "#" + "case-";
      EXPECT_TRUE(
          contains(page.html, fmt::format("data-impl=\"{}\" data-verdict=\"{}\"><a href=\"{}", run.id, verdict, href)));
      ++cells;
    }
  }
  EXPECT_EQ(occurrences(page.html, "<td class=\"cell v-"), cells);
  // The two converters ran the same cases; the client its own.
  EXPECT_EQ(occurrences(page.html, "<td class=\"cell missing\""), 0U);
  EXPECT_TRUE(
      contains(page.html, "data-client=\"convclient\" data-converter=\"convproxy-faulty\" data-verdict=\"FAIL\""));
}

TEST(HtmlMatrix, ARepeatedImplementationIdIsRefused) {
  auto runs = real_runs();
  runs[1].id = runs[0].id;
  EXPECT_TRUE(contains(matrix_from_reports("twice", runs, {}).error, "taken"));
}

}  // namespace
}  // namespace convtest::reports

namespace convtest::reports {
namespace {

// The pair cells of `convtest matrix`: one per family, transport and
// profile, with what each saw and its folder; a run that left no report.
MatrixDocument event_matrix() {
  std::vector<MatrixRun> runs = real_runs();
  runs.push_back({.id = "vendor-x",
                  .report = nlohmann::json(),
                  .report_path = "runs/vendor-x/report.json",
                  .page = std::nullopt,
                  .problem = "the run was stopped after 900 s",
                  .name = "vendor-x",
                  .role = "converter"});
  std::vector<MatrixPair> pairs;
  for (const char* transport : {"tcp", "mptcp"})
    pairs.push_back({.client = "convclient",
                     .converter = "convproxy",
                     .verdict = std::string(transport) == "tcp" ? Verdict::Pass : Verdict::Fail,
                     .page = fmt::format("pairs/convclient/convproxy/v4-{}-none/", transport),
                     .report = fmt::format("pairs/convclient/convproxy/v4-{}-none/cell.json", transport),
                     .counts = std::nullopt,
                     .family = "v4",
                     .transport = transport,
                     .profile = "none",
                     .observed = "the client printed <1 byte>",
                     .folder = fmt::format("pairs/convclient/convproxy/v4-{}-none/", transport)});
  return matrix_from_reports("an event", runs, pairs);
}

TEST(HtmlMatrix, EventCellsFitTheSchemaAndGroupByVariant) {
  MatrixDocument matrix = event_matrix();
  ASSERT_EQ(matrix.error, "");
  matrix.document["event"] = {{"source", "event.json"}, {"exit_code", 1}, {"runs_kept", 0}, {"cells_kept", 2}};
  const auto dir = testing::fresh_directory("matrix-event-schema");
  ASSERT_EQ(write_file_atomically(dir / "matrix.json", matrix.document.dump(2)), "");
  EXPECT_EQ(testing::validate_with_schema(dir / "matrix.json", CONVTEST_MATRIX_SCHEMA), 0);
  std::filesystem::remove_all(dir);

  const HtmlPage page = render_matrix_html(matrix.document);
  ASSERT_EQ(page.error, "");
  EXPECT_EQ(occurrences(page.html, "<table class=\"pair-grid\""), 2U);
  EXPECT_TRUE(contains(page.html, "<caption>v4 · mptcp · none</caption>"));
  EXPECT_TRUE(contains(page.html, "data-verdict=\"PASS\" data-variant=\"v4 · tcp · none\""));
  EXPECT_TRUE(contains(page.html, "title=\"the client printed &lt;1 byte&gt;\""));
  EXPECT_TRUE(contains(page.html, "href=\"pairs/convclient/convproxy/v4-mptcp-none/\""));
  EXPECT_TRUE(contains(page.html, "the run was stopped after 900 s"));
  const auto& vendor = matrix.document["implementations"].back();
  EXPECT_EQ(vendor["verdict"], "INCONCLUSIVE");
  EXPECT_EQ(vendor["page"], nullptr);
}

}  // namespace
}  // namespace convtest::reports
