// `convtest compare --format json` against reports/schema/compare-v1: the
// comparison of two real reports (tests/reports/data), both ways, so that
// regressions, fixes, added and removed cases all appear in what is checked.

#include <gtest/gtest.h>

#include "report_fixture.hpp"
#include "reports/compare.hpp"
#include "reports/html_report.hpp"
#include "reports/json_report.hpp"

namespace convtest::reports {
namespace {

RunReport real_report(const char* name) {
  const auto file = read_json_file(std::filesystem::path(CONVTEST_REPORT_DATA) / (std::string(name) + ".json"));
  EXPECT_EQ(file.error, "");
  auto parsed = from_json(file.document);
  EXPECT_EQ(parsed.error, "");
  return parsed.report;
}

TEST(CompareJson, ComparisonsOfRealReportsFitTheSchema) {
  const RunReport clean = real_report("convproxy");
  const RunReport faulty = real_report("convproxy-faulty");
  const auto dir = testing::fresh_directory("compare-schema");
  const Comparison worse = compare_reports(clean, faulty);
  const Comparison better = compare_reports(faulty, clean);
  ASSERT_FALSE(worse.regressions.empty());
  ASSERT_FALSE(better.fixes.empty());
  for (const auto& [name, comparison] : {std::pair{"worse", &worse}, std::pair{"better", &better}}) {
    const auto path = dir / (std::string(name) + ".json");
    ASSERT_EQ(write_file_atomically(path, comparison_json(*comparison).dump(2)), "");
    EXPECT_EQ(testing::validate_with_schema(path, CONVTEST_COMPARE_SCHEMA), 0) << name;
  }
  std::filesystem::remove_all(dir);
}

TEST(CompareJson, TheSchemaRejectsWhatTheFormatForbids) {
  const auto dir = testing::fresh_directory("compare-tampered");
  const nlohmann::json good =
      comparison_json(compare_reports(real_report("convproxy"), real_report("convproxy-faulty")));
  const std::vector<testing::Tampering> tamperings = {
      [](nlohmann::json& d) { d["regressions"][0]["after"] = "MAYBE"; },
      [](nlohmann::json& d) { d.erase("regressions"); },
      [](nlohmann::json& d) { d["unexpected"] = true; },
  };
  EXPECT_EQ(testing::count_valid_tamperings(good, tamperings, dir, CONVTEST_COMPARE_SCHEMA), 0)
      << "a tampered comparison was accepted";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace convtest::reports
