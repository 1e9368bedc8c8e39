#include "reports/verdict.hpp"

#include <gtest/gtest.h>

#include "report_fixture.hpp"
#include "reports/run_report.hpp"
#include "reports/text_summary.hpp"

namespace convtest::reports {
namespace {

RunReport with(std::initializer_list<Verdict> verdicts) {
  RunReport report;
  int index = 0;
  for (Verdict verdict : verdicts)
    report.results.push_back(testing::make_result("c" + std::to_string(index++), verdict));
  return report;
}

TEST(Verdict, NamesRoundTrip) {
  for (Verdict verdict : kAllVerdicts) EXPECT_EQ(parse_verdict(name(verdict)), verdict);
  EXPECT_FALSE(parse_verdict("pass"));
  EXPECT_EQ(parse_level("behaviour"), Level::Behaviour);
  EXPECT_EQ(parse_case_class("inopportune"), CaseClass::Inopportune);
}

TEST(Verdict, ViolationsFollowTheLevelAndStrict) {
  EXPECT_EQ(verdict_for_violation(Level::Must, false), Verdict::Fail);
  EXPECT_EQ(verdict_for_violation(Level::Should, false), Verdict::Warn);
  EXPECT_EQ(verdict_for_violation(Level::Behaviour, false), Verdict::Warn);
  EXPECT_EQ(verdict_for_violation(Level::Should, true), Verdict::Fail);
}

TEST(ExitCode, FollowsTheDesignContract) {
  EXPECT_EQ(exit_code_for(with({Verdict::Pass, Verdict::Warn, Verdict::Skip})), ExitCode::Ok);
  EXPECT_EQ(exit_code_for(with({Verdict::Pass, Verdict::Fail, Verdict::Error})), ExitCode::Failed);
  EXPECT_EQ(exit_code_for(with({Verdict::Pass, Verdict::Error})), ExitCode::HarnessError);
  EXPECT_EQ(exit_code_for(with({Verdict::Inconclusive})), ExitCode::Environment);
  EXPECT_EQ(exit_code_for(with({Verdict::Pass, Verdict::Inconclusive})), ExitCode::Environment);
  EXPECT_EQ(exit_code_for(with({Verdict::Unsupported, Verdict::Skip})), ExitCode::Environment);
  EXPECT_EQ(exit_code_for(with({})), ExitCode::Environment);  // nothing ran: never 0
  RunReport interrupted = with({Verdict::Pass});
  interrupted.provenance.interrupted = true;
  EXPECT_EQ(exit_code_for(interrupted), ExitCode::Environment);
  RunReport missing = with({Verdict::Pass});
  missing.environment_problems.emplace_back("needs root: CAP_NET_ADMIN");
  EXPECT_EQ(exit_code_for(missing), ExitCode::Environment);
}

TEST(TextSummary, ListsCountsFailuresAndRunTime) {
  const std::string text = text_summary(testing::make_report());
  EXPECT_NE(
      text.find("9 case(s): 1 PASS, 1 FAIL, 1 WARN, 1 INCONCLUSIVE, 1 UNSUPPORTED, 1 SKIP, 1 ERROR, 1 XFAIL, 1 XPASS"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("expected: Error TLV 96 with value 0"), std::string::npos);
  EXPECT_NE(text.find("repro:    convtest run --seed 7 --case case-1"), std::string::npos);
  EXPECT_NE(text.find("pcap:     out/artifacts/case-1.pcap"), std::string::npos);
  EXPECT_NE(text.find("suite run time: 4.57 s"), std::string::npos);
  EXPECT_EQ(text.find("case-0 "), std::string::npos);  // passing cases are not detailed
}

TEST(TextSummary, NamesTheDissectorNextToPcaps) {
  const std::string text = text_summary(testing::make_report(), "tools/wireshark/convert.lua");
  EXPECT_NE(text.find("decode:   tshark -X lua_script:tools/wireshark/convert.lua -r out/artifacts/case-1.pcap"),
            std::string::npos)
      << text;
  EXPECT_EQ(text_summary(testing::make_report()).find("decode:"), std::string::npos);
}

TEST(TextSummary, SumsEachPhaseOverTheCasesLargestFirst) {
  const std::string text = text_summary(testing::make_report());
  EXPECT_NE(
      text.find("time by phase (summed over 9 cases): case 0.72 s, put_start 0.27 s, teardown 0.09 s, lab 0.02 s"),
      std::string::npos)
      << text;
  EXPECT_EQ(text_summary(RunReport{}).find("time by phase"), std::string::npos);  // nothing ran, nothing to sum
}

TEST(TextSummary, FormatsLongDurations) {
  EXPECT_EQ(format_duration(std::chrono::milliseconds(72300)), "1 min 12.3 s");
}

}  // namespace
}  // namespace convtest::reports
