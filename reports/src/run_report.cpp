#include "reports/run_report.hpp"

#include <algorithm>

namespace convtest::reports {

VerdictCounts RunReport::counts() const {
  VerdictCounts counts;
  for (Verdict verdict : kAllVerdicts) counts[verdict] = 0;
  for (const auto& result : results) ++counts[result.verdict];
  return counts;
}

std::chrono::milliseconds RunReport::wall_time() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(provenance.finished - provenance.started);
}

std::vector<std::pair<std::string, std::chrono::microseconds>> RunReport::phase_totals() const {
  std::map<std::string, std::chrono::microseconds> sums;
  for (const auto& result : results)
    for (const auto& [phase, spent] : result.phases) sums[phase] += spent;
  std::vector<std::pair<std::string, std::chrono::microseconds>> totals(sums.begin(), sums.end());
  std::stable_sort(totals.begin(), totals.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  return totals;
}

ExitCode exit_code_for(const RunReport& report) {
  const VerdictCounts counts = report.counts();
  // A conformance failure is the most useful signal, so it wins over a
  // harness error elsewhere in the same run; the summary lists both.
  if (counts.at(Verdict::Fail) > 0) return ExitCode::Failed;
  const auto& expectations = report.provenance.expectations;
  if (counts.at(Verdict::UnexpectedPass) > 0 && expectations && expectations->strict) return ExitCode::Failed;
  if (counts.at(Verdict::Error) > 0) return ExitCode::HarnessError;
  if (!report.environment_problems.empty() || report.provenance.interrupted) return ExitCode::Environment;
  if (counts.at(Verdict::Inconclusive) > 0) return ExitCode::Environment;
  const std::size_t judged = counts.at(Verdict::Pass) + counts.at(Verdict::Warn) + counts.at(Verdict::ExpectedFail) +
                             counts.at(Verdict::UnexpectedPass);
  if (judged == 0) return ExitCode::Environment;  // never 0 when nothing was judged
  return ExitCode::Ok;
}

}  // namespace convtest::reports
