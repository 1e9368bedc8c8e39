#include "reports/verdict.hpp"

#include <array>
#include <utility>

namespace convtest::reports {
namespace {

template <class Enum, std::size_t N>
std::optional<Enum> lookup(const std::array<std::pair<Enum, std::string_view>, N>& table, std::string_view text) {
  for (const auto& [value, label] : table)
    if (label == text) return value;
  return std::nullopt;
}

template <class Enum, std::size_t N>
std::string_view label_of(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum value) {
  for (const auto& [candidate, label] : table)
    if (candidate == value) return label;
  return "?";
}

constexpr std::array<std::pair<Verdict, std::string_view>, 9> kVerdictNames{{
    {Verdict::Pass, "PASS"},
    {Verdict::Fail, "FAIL"},
    {Verdict::Warn, "WARN"},
    {Verdict::Inconclusive, "INCONCLUSIVE"},
    {Verdict::Unsupported, "UNSUPPORTED"},
    {Verdict::Skip, "SKIP"},
    {Verdict::Error, "ERROR"},
    {Verdict::ExpectedFail, "XFAIL"},
    {Verdict::UnexpectedPass, "XPASS"},
}};

constexpr std::array<std::pair<Level, std::string_view>, 4> kLevelNames{{
    {Level::Must, "MUST"},
    {Level::Should, "SHOULD"},
    {Level::May, "MAY"},
    {Level::Behaviour, "behaviour"},
}};

constexpr std::array<std::pair<CaseClass, std::string_view>, 3> kClassNames{{
    {CaseClass::Valid, "valid"},
    {CaseClass::Invalid, "invalid"},
    {CaseClass::Inopportune, "inopportune"},
}};

}  // namespace

std::string_view name(Verdict verdict) { return label_of(kVerdictNames, verdict); }
std::optional<Verdict> parse_verdict(std::string_view text) { return lookup(kVerdictNames, text); }

std::string_view name(Level level) { return label_of(kLevelNames, level); }
std::optional<Level> parse_level(std::string_view text) { return lookup(kLevelNames, text); }

std::string_view name(CaseClass case_class) { return label_of(kClassNames, case_class); }
std::optional<CaseClass> parse_case_class(std::string_view text) { return lookup(kClassNames, text); }

Verdict verdict_for_violation(Level level, bool strict) {
  if (level == Level::Must || strict) return Verdict::Fail;
  return Verdict::Warn;
}

}  // namespace convtest::reports
