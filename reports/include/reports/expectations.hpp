#pragma once
// Expected deviations (`convtest run --expect FILE`): a vendor's CI gates on
// "no regression" while known deviations remain, as h2spec's excludeSpecs or
// packetdrill's .exfail files do. A case whose verdict is the one its
// expectation names becomes XFAIL; one expected to deviate that now passes
// becomes XPASS. Two file formats, same meaning:
//   JSON (reports/schema/expect-v1.schema.json):
//     {"format": "convtest-expect", "version": 1,
//      "expectations": [{"case": "hdr-*", "verdict": "FAIL", "why": "..."}]}
//   lines: "CASE-OR-GLOB VERDICT JUSTIFICATION...", '#' starts a comment.
// The first expectation whose pattern matches a case id applies.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reports/case_result.hpp"
#include "reports/verdict.hpp"

namespace convtest::reports {

struct Expectation {
  std::string pattern;  // a case id, an instance id or a glob ("*" and "?"; brackets are literal)
  Verdict verdict = Verdict::Fail;
  std::string why;
};

struct Expectations {
  std::vector<Expectation> rows;
  std::string path;     // where they were read from
  std::string sha256;   // of the file's bytes, for provenance
  bool strict = false;  // --strict-expect: an XPASS fails the run
};

// Parses either format; the error names the line or field at fault.
struct ParsedExpectations {
  std::vector<Expectation> rows;
  std::string error;  // empty on success
};
ParsedExpectations parse_expectations(std::string_view text);

// Reads and parses FILE, hashing its bytes; nothing and an error text when
// it cannot be read or parsed.
struct LoadedExpectations {
  std::optional<Expectations> expectations;
  std::string error;
};
LoadedExpectations load_expectations(const std::filesystem::path& path);

// The expectation for a case: an instance id matches its own pattern or
// its case's ("hdr-version-2" covers "hdr-version-2[v6]").
const Expectation* find_expectation(const Expectations& expectations, const CaseResult& result);

// Turns the result into XFAIL or XPASS when an expectation covers it;
// `result.expectation` then records which one and the verdict before.
void apply_expectation(const Expectations& expectations, CaseResult& result);

}  // namespace convtest::reports
