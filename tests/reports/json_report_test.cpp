#include "reports/json_report.hpp"

#include <gtest/gtest.h>

#include "report_fixture.hpp"

namespace convtest::reports {
namespace {

using testing::fresh_directory;
using testing::make_report;
using testing::validate_with_schema;

TEST(JsonReport, ValidatesAgainstTheSchema) {
  const auto dir = fresh_directory("valid");
  ASSERT_EQ(write_json_report(dir / "report.json", make_report()), "");
  EXPECT_EQ(validate_with_schema(dir / "report.json"), 0);
  std::filesystem::remove_all(dir);
}

TEST(JsonReport, TheSchemaRejectsWhatTheFormatForbids) {
  // Proves the validation is a real check: each tampering must be caught.
  const auto dir = fresh_directory("tampered");
  const nlohmann::json good = to_json(make_report());
  const std::vector<testing::Tampering> tamperings = {
      [](nlohmann::json& d) { d["results"][0]["verdict"] = "MAYBE"; },
      [](nlohmann::json& d) { d["results"][0].erase("repro"); },
      [](nlohmann::json& d) { d["results"][0]["requirements"] = nlohmann::json::array({"RFC-1"}); },
      [](nlohmann::json& d) { d["provenance"]["catalog"]["sha256"] = "xyz"; },
      [](nlohmann::json& d) { d["provenance"]["started"] = "yesterday"; },
      [](nlohmann::json& d) { d["summary"]["exit_code"] = 7; },
      [](nlohmann::json& d) { d["version"] = 2; },
      [](nlohmann::json& d) { d["results"][0]["surprise"] = true; },
  };
  EXPECT_EQ(testing::count_valid_tamperings(good, tamperings, dir), 0) << "a tampered report was accepted";
  ASSERT_EQ(write_file_atomically(dir / "good.json", good.dump()), "");
  EXPECT_EQ(testing::count_valid({dir / "good.json"}), 1);
  std::filesystem::remove_all(dir);
}

TEST(JsonReport, CarriesEveryCaseFieldAndTheProvenance) {
  const RunReport report = make_report();
  const nlohmann::json document = to_json(report);
  EXPECT_EQ(document["format"], "convtest-report");
  EXPECT_EQ(document["provenance"]["seed"], 18446744073709551615ULL);
  EXPECT_EQ(document["provenance"]["started"], "2026-11-18T11:06:40.123Z");
  EXPECT_EQ(document["summary"]["wall_time_s"], 4.567);
  EXPECT_EQ(document["summary"]["counts"]["FAIL"], 1);
  EXPECT_EQ(document["summary"]["exit_code"], 1);
  EXPECT_DOUBLE_EQ(document["summary"]["phases_s"]["case"].get<double>(), 9 * 0.08);
  EXPECT_DOUBLE_EQ(document["summary"]["phases_s"]["put_start"].get<double>(), 9 * 0.03);
  const auto& failed = document["results"][1];
  EXPECT_EQ(failed["verdict"], "FAIL");
  EXPECT_EQ(failed["pcap"], "out/artifacts/case-1.pcap");
  EXPECT_EQ(failed["put_output"], "out/artifacts/case-1.put.log");
  EXPECT_EQ(failed["duration_s"], 0.123);
  EXPECT_EQ(failed["case"], "case-1");
  EXPECT_EQ(failed["instance"]["family"], "v6");
  EXPECT_EQ(failed["instance"]["transport"], "mptcp");
  EXPECT_EQ(failed["expansion"], "full");
  EXPECT_EQ(failed["phases_s"]["case"], 0.08);
  EXPECT_EQ(document["results"][0]["instance"], nlohmann::json::object());
  EXPECT_TRUE(document["results"][0]["pcap"].is_null());
}

// A PUT or client that prints raw bytes must not cost the report.
TEST(JsonReport, BytesThatAreNoUtf8AreReplacedNotFatal) {
  const auto dir = fresh_directory("utf8");
  RunReport report = make_report();
  report.results[0].observed = "stdout '\x22\x63\xb4\xff HTTP'";
  ASSERT_EQ(write_json_report(dir / "report.json", report), "");
  EXPECT_EQ(validate_with_schema(dir / "report.json"), 0);
  EXPECT_NE(testing::read_file(dir / "report.json").find("HTTP"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(JsonReport, ReadsBackWhatItWrote) {
  const RunReport report = make_report();
  const ParsedReport parsed = from_json(to_json(report));
  ASSERT_EQ(parsed.error, "");
  EXPECT_EQ(to_json(parsed.report), to_json(report));
}

TEST(JsonReport, ReadingForeignDocumentsYieldsAnErrorNotAnException) {
  EXPECT_NE(from_json(nlohmann::json::parse("[1,2]")).error, "");
  EXPECT_NE(from_json(nlohmann::json{{"format", "convtest-report"}, {"version", 9}}).error, "");
  nlohmann::json document = to_json(make_report());
  document["results"][2]["level"] = "PERHAPS";
  EXPECT_NE(from_json(document).error.find("level"), std::string::npos);
}

TEST(AtomicWrite, ReplacesTheFileAndLeavesNoTemporary) {
  const auto dir = fresh_directory("atomic");
  const auto path = dir / "nested" / "report.json";
  ASSERT_EQ(write_file_atomically(path, "old"), "");
  ASSERT_EQ(write_file_atomically(path, "new content"), "");
  EXPECT_EQ(testing::read_file(path), "new content");
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(path.parent_path())) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1U);
  std::filesystem::remove_all(dir);
}

TEST(AtomicWrite, ReportsAnUnwritableDestination) {
  EXPECT_NE(write_file_atomically("/proc/convtest-cannot-exist/report.json", "x"), "");
}

}  // namespace
}  // namespace convtest::reports
