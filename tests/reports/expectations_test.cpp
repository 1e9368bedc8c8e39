// Expected deviations (--expect) and `convtest compare`: both file formats,
// what becomes XFAIL and XPASS, the exit code, the report round trip and
// what counts as a regression.

#include "reports/expectations.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "report_fixture.hpp"
#include "reports/compare.hpp"
#include "reports/json_report.hpp"

namespace convtest::reports {
namespace {

using testing::make_report;
using testing::make_result;

Expectations expectations_of(std::string_view text, bool strict = false) {
  auto parsed = parse_expectations(text);
  EXPECT_EQ(parsed.error, "");
  Expectations expectations;
  expectations.rows = parsed.rows;
  expectations.strict = strict;
  expectations.path = "expect.txt";
  expectations.sha256 = std::string(64, 'c');
  return expectations;
}

TEST(Expectations, LinesAndJsonSayTheSame) {
  const auto lines = parse_expectations("# known\nerr-* FAIL ticket 12: no ICMP code yet\n\nhdr-x[v6]  WARN  later\n");
  const auto json = parse_expectations(
      R"({"format": "convtest-expect", "version": 1, "expectations": [
          {"case": "err-*", "verdict": "FAIL", "why": "ticket 12: no ICMP code yet"},
          {"case": "hdr-x[v6]", "verdict": "WARN", "why": "later"}]})");
  ASSERT_EQ(lines.error, "");
  ASSERT_EQ(json.error, "");
  ASSERT_EQ(lines.rows.size(), 2U);
  ASSERT_EQ(json.rows.size(), 2U);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(lines.rows[i].pattern, json.rows[i].pattern);
    EXPECT_EQ(lines.rows[i].verdict, json.rows[i].verdict);
    EXPECT_EQ(lines.rows[i].why, json.rows[i].why);
  }
}

TEST(Expectations, EveryRowNeedsADeviationAndAJustification) {
  EXPECT_NE(parse_expectations("err-x FAIL\n").error.find("line 1: no justification"), std::string::npos);
  EXPECT_NE(parse_expectations("a FAIL ok\nerr-x PASS because\n").error.find("line 2"), std::string::npos);
  EXPECT_NE(parse_expectations("err-x\n").error.find("want CASE VERDICT"), std::string::npos);
  EXPECT_NE(parse_expectations(R"({"format": "convtest-expect", "version": 1, "expectations": [{"case": "a",
            "verdict": "FAIL", "why": " "}]})")
                .error.find("expectation 1: no \"why\""),
            std::string::npos);
  EXPECT_NE(parse_expectations(R"({"format": "other"})").error.find("not a convtest expectation file"),
            std::string::npos);
}

TEST(Expectations, TheNamedDeviationIsXfailAPassIsXpassAnythingElseStays) {
  const Expectations expectations =
      expectations_of("case-fail FAIL known\ncase-pass FAIL fixed now?\ncase-warn FAIL not this\n");
  CaseResult failed = make_result("case-fail", Verdict::Fail);
  CaseResult passed = make_result("case-pass", Verdict::Pass);
  CaseResult warned = make_result("case-warn", Verdict::Warn);
  CaseResult other = make_result("unlisted", Verdict::Fail);
  for (CaseResult* result : {&failed, &passed, &warned, &other}) apply_expectation(expectations, *result);
  EXPECT_EQ(failed.verdict, Verdict::ExpectedFail);
  ASSERT_TRUE(failed.expectation);
  EXPECT_EQ(failed.expectation->original, Verdict::Fail);
  EXPECT_EQ(failed.expectation->why, "known");
  EXPECT_EQ(passed.verdict, Verdict::UnexpectedPass);
  EXPECT_EQ(warned.verdict, Verdict::Warn);
  EXPECT_FALSE(warned.expectation);
  EXPECT_EQ(other.verdict, Verdict::Fail);
}

TEST(Expectations, AnInstanceMatchesItsCasePatternAndGlobs) {
  const Expectations expectations = expectations_of("hdr-version-2 FAIL all instances\nerr-*[v6] WARN v6 only\n");
  CaseResult instance = make_result("hdr-version-2[v6,mptcp]", Verdict::Fail);
  instance.case_id = "hdr-version-2";
  CaseResult v6 = make_result("err-x[v6]", Verdict::Warn);
  v6.case_id = "err-x";
  CaseResult v4 = make_result("err-x[v4]", Verdict::Warn);
  v4.case_id = "err-x";
  for (CaseResult* result : {&instance, &v6, &v4}) apply_expectation(expectations, *result);
  EXPECT_EQ(instance.verdict, Verdict::ExpectedFail);
  EXPECT_EQ(v6.verdict, Verdict::ExpectedFail);
  EXPECT_EQ(v4.verdict, Verdict::Warn);
}

TEST(Expectations, OnlyExpectedDeviationsLeftExitZeroAndXpassFailsOnlyWhenStrict) {
  RunReport report;
  report.results = {make_result("a", Verdict::Pass), make_result("b", Verdict::Fail)};
  EXPECT_EQ(exit_code_for(report), ExitCode::Failed);
  Expectations expectations = expectations_of("b FAIL known\na FAIL was broken\n");
  for (auto& result : report.results) apply_expectation(expectations, result);
  report.provenance.expectations = ExpectationsIdentity{"e", std::string(64, 'c'), 2, false};
  EXPECT_EQ(exit_code_for(report), ExitCode::Ok) << "one XFAIL, one XPASS";
  report.provenance.expectations->strict = true;
  EXPECT_EQ(exit_code_for(report), ExitCode::Failed);
}

TEST(Expectations, ResultsAndProvenanceSurviveTheJsonReportAndMatchTheSchema) {
  RunReport report = make_report();
  const Expectations expectations = expectations_of("case-* FAIL known\n", true);
  for (auto& result : report.results) apply_expectation(expectations, result);
  report.provenance.expectations = ExpectationsIdentity{"expect.txt", std::string(64, 'c'), 1, true};
  const auto document = to_json(report);
  const auto parsed = from_json(document);
  ASSERT_EQ(parsed.error, "");
  ASSERT_TRUE(parsed.report.provenance.expectations);
  EXPECT_TRUE(parsed.report.provenance.expectations->strict);
  std::size_t applied = 0;
  for (const auto& result : parsed.report.results)
    if (result.expectation) {
      ++applied;
      const bool failed = result.expectation->original == Verdict::Fail;
      EXPECT_EQ(result.verdict, failed ? Verdict::ExpectedFail : Verdict::UnexpectedPass) << result.id;
      EXPECT_EQ(result.expectation->pattern, "case-*");
    }
  EXPECT_EQ(applied, 2U) << "the fixture has one FAIL and one PASS";
  const auto dir = std::filesystem::temp_directory_path() / "convtest-expect-schema";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "report.json") << document.dump(2);
  EXPECT_EQ(testing::validate_with_schema(dir / "report.json"), 0);
  std::filesystem::remove_all(dir);
}

TEST(Compare, RegressionsFixesNewAndRemovedByCaseId) {
  RunReport base;
  base.provenance.catalog_hash = "aaa";
  base.results = {make_result("stays", Verdict::Pass),          make_result("breaks", Verdict::Pass),
                  make_result("warns", Verdict::Pass),          make_result("heals", Verdict::Fail),
                  make_result("accepted", Verdict::Fail),       make_result("gone", Verdict::Pass),
                  make_result("unsupported-now", Verdict::Pass)};
  RunReport next;
  next.provenance.catalog_hash = "bbb";
  next.results = {make_result("stays", Verdict::Pass),
                  make_result("breaks", Verdict::Fail),
                  make_result("warns", Verdict::Warn),
                  make_result("heals", Verdict::Pass),
                  make_result("accepted", Verdict::ExpectedFail),
                  make_result("brand-new", Verdict::Fail),
                  make_result("unsupported-now", Verdict::Unsupported)};
  const Comparison comparison = compare_reports(base, next);
  ASSERT_EQ(comparison.regressions.size(), 2U);
  EXPECT_EQ(comparison.regressions[0].id, "breaks");
  EXPECT_EQ(comparison.regressions[1].id, "warns");
  ASSERT_EQ(comparison.fixes.size(), 2U);
  EXPECT_EQ(comparison.fixes[0].id, "accepted");
  EXPECT_EQ(comparison.fixes[1].id, "heals");
  ASSERT_EQ(comparison.other.size(), 1U);
  EXPECT_EQ(comparison.other[0].id, "unsupported-now");
  EXPECT_EQ(comparison.added, std::vector<std::string>{"brand-new"});
  EXPECT_EQ(comparison.removed, std::vector<std::string>{"gone"});
  EXPECT_TRUE(comparison.catalog_changed());
  const std::string text = comparison_text(comparison);
  EXPECT_NE(text.find("breaks PASS -> FAIL"), std::string::npos) << text;
  EXPECT_NE(text.find("2 regression(s)"), std::string::npos) << text;
  EXPECT_NE(comparison_markdown(comparison).find("### Regressions"), std::string::npos);
  EXPECT_EQ(comparison_json(comparison)["regressions"].size(), 2U);
}

TEST(Compare, IdenticalReportsHaveNothingToSay) {
  const RunReport report = make_report();
  const Comparison comparison = compare_reports(report, report);
  EXPECT_TRUE(comparison.regressions.empty() && comparison.fixes.empty() && comparison.other.empty() &&
              comparison.added.empty() && comparison.removed.empty());
  EXPECT_FALSE(comparison.catalog_changed());
}

}  // namespace
}  // namespace convtest::reports
