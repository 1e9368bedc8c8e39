#pragma once
// The verdict model of the suite (docs/design.md, "Verdicts and exit codes"): what a case can
// conclude, how strong the requirement it checks is, and which kind of
// stimulus it sends.

#include <cstdint>
#include <optional>
#include <string_view>

namespace convtest::reports {

enum class Verdict : std::uint8_t {
  Pass,            // behaviour matches the requirement
  Fail,            // a MUST (or defined behaviour under --strict) violated
  Warn,            // a SHOULD or keyword-free behaviour violated
  Inconclusive,    // no verdict reachable: PUT unreachable, path altered unasked
  Unsupported,     // the PUT declared it lacks an optional feature the case needs
  Skip,            // not applicable in this run (profile, IP family...)
  Error,           // the harness itself failed
  ExpectedFail,    // "XFAIL": the deviation an expectation file names (--expect)
  UnexpectedPass,  // "XPASS": expected to deviate, but passed
};
inline constexpr Verdict kAllVerdicts[] = {Verdict::Pass,         Verdict::Fail,         Verdict::Warn,
                                           Verdict::Inconclusive, Verdict::Unsupported,  Verdict::Skip,
                                           Verdict::Error,        Verdict::ExpectedFail, Verdict::UnexpectedPass};

std::string_view name(Verdict verdict);  // "PASS", "FAIL", ...
std::optional<Verdict> parse_verdict(std::string_view text);

// BCP 14 strength of the requirement a case checks. MUST NOT counts as MUST,
// RECOMMENDED as SHOULD; Behaviour is a keyword-free normative statement.
enum class Level : std::uint8_t { Must, Should, May, Behaviour };
std::string_view name(Level level);  // "MUST", "SHOULD", "MAY", "behaviour"
std::optional<Level> parse_level(std::string_view text);

// ETSI-style stimulus class: a valid exchange, an invalid (malformed)
// message, or a valid message at the wrong moment.
enum class CaseClass : std::uint8_t { Valid, Invalid, Inopportune };
std::string_view name(CaseClass case_class);  // "valid", "invalid", "inopportune"
std::optional<CaseClass> parse_case_class(std::string_view text);

// A violation observed by a case becomes a verdict according to the level of
// the requirement: MUST -> FAIL; SHOULD, MAY and behaviour -> WARN, or FAIL
// under --strict.
Verdict verdict_for_violation(Level level, bool strict);

}  // namespace convtest::reports
