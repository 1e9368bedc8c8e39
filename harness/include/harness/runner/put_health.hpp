#pragma once
// The one rule that keeps a dead converter from looking conformant: a case
// during which the PUT exited, or after which it no longer serves a valid
// request, never ends as PASS, WARN, UNSUPPORTED or INCONCLUSIVE. The runner
// applies it to every case; no case has to remember it.

#include <optional>
#include <string>
#include <string_view>

#include "reports/case_result.hpp"

namespace convtest::harness {

// What the runner saw of the PUT around one case.
struct PutHealth {
  std::optional<std::string> exit;           // "exited with status 1", "killed by signal 11 (SIGSEGV)"
  std::optional<std::string> probe_failure;  // "sanity probe after the case failed: ..."

  [[nodiscard]] bool healthy() const { return !exit && !probe_failure; }
  // "the PUT exited with status 1 during the case; sanity probe ...".
  [[nodiscard]] std::string describe() const;
};

// What follows the PUT's health in the observed text of a case it turned
// into FAIL: "the PUT ... (case itself: what the case saw)".
inline constexpr std::string_view kCaseItselfMarker = " (case itself: ";
// Whether a FAIL's observed text is that of the health rule, not of the
// case's own requirement.
[[nodiscard]] bool failed_by_put_health(std::string_view observed);

// A PASS, WARN, UNSUPPORTED or INCONCLUSIVE of a case with an unhealthy PUT
// becomes FAIL, its observed text leading with what happened to the PUT; a
// FAIL, a harness ERROR or an interrupted (SKIP) case keeps its verdict and
// gets the note. A healthy PUT changes nothing.
void apply_put_health(reports::CaseResult& result, const PutHealth& health);

}  // namespace convtest::harness
