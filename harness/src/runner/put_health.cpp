#include "harness/runner/put_health.hpp"

#include <fmt/format.h>

namespace convtest::harness {

using reports::Verdict;

std::string PutHealth::describe() const {
  std::string text;
  if (exit) text = fmt::format("the PUT {} during the case", *exit);
  if (probe_failure) text += (text.empty() ? "" : "; ") + *probe_failure + ": the PUT no longer serves valid requests";
  return text;
}

bool failed_by_put_health(std::string_view observed) {
  return observed.find(kCaseItselfMarker) != std::string_view::npos;
}

void apply_put_health(reports::CaseResult& result, const PutHealth& health) {
  if (health.healthy()) return;
  switch (result.verdict) {
    case Verdict::Pass:
    case Verdict::Warn:
    case Verdict::Unsupported:
    case Verdict::Inconclusive:
    case Verdict::ExpectedFail:
    case Verdict::UnexpectedPass:
      result.verdict = Verdict::Fail;
      result.observed = fmt::format("{}{}{})", health.describe(), kCaseItselfMarker, result.observed);
      return;
    case Verdict::Fail:
    case Verdict::Skip:
    case Verdict::Error: result.observed += "; also " + health.describe(); return;
  }
}

}  // namespace convtest::harness
