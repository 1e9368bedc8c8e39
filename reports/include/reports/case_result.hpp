#pragma once
// The result of one case: its metadata (so a report stands on its own), the
// verdict with expected vs observed text, and the artefacts needed to
// reproduce and debug it.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "reports/verdict.hpp"

namespace convtest::reports {

// How `observed` starts for a case that never ran (interrupted, or stopped by
// an environment problem): the summary counts these instead of detailing each.
inline constexpr std::string_view kNotRunPrefix = "not run: ";

struct CaseResult {
  std::string id;       // stable instance id, e.g. "hdr-version-2[v6,mptcp]"
  std::string case_id;  // the case it is an instance of: "hdr-version-2"
  // The dimension values of the instance ("family" -> "v6"), and how the
  // case's grid was expanded: "single", "full" or "pairwise".
  std::vector<std::pair<std::string, std::string>> instance;
  std::string expansion = "single";
  std::vector<std::string> requirements;  // CONV-xxx / AMB-xx / REF-xx
  std::string section;                    // RFC 8803 section, e.g. "6.1"
  Level level = Level::Must;
  CaseClass case_class = CaseClass::Valid;
  std::vector<std::string> tags;

  Verdict verdict = Verdict::Error;
  std::string expected;  // what the requirement demands, in words
  std::string observed;  // what the PUT did (or why no verdict was reached)
  std::chrono::milliseconds duration{0};
  // Where the duration went, in order: "lab" (namespace, link), "put_start"
  // (until the PUT listens), "case" (with its sanity probes), "teardown".
  std::vector<std::pair<std::string, std::chrono::microseconds>> phases;

  std::optional<std::string> pcap;        // capture of every packet of the case
  std::optional<std::string> put_output;  // PUT stdout+stderr, kept when the case did not pass
  std::string repro;                      // one shell line that re-runs exactly this case
  std::vector<std::string> log;           // what the case did, step by step

  // Set when an expectation (--expect) covered the case: the verdict it
  // named, why, its pattern, and the verdict the case reached by itself.
  struct ExpectationApplied {
    Verdict expected = Verdict::Fail;
    std::string why;
    std::string pattern;
    Verdict original = Verdict::Fail;
  };
  std::optional<ExpectationApplied> expectation;
};

}  // namespace convtest::reports
