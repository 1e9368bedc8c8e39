#include "harness/runner/case.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace convtest::harness {

using reports::Verdict;

std::string_view name(ProfileScope scope) {
  switch (scope) {
    case ProfileScope::Any: return "any";
    case ProfileScope::DefaultOnly: return "default";
    case ProfileScope::StrictOnly: return "strict";
  }
  return "?";
}

std::string_view name(Role role) { return role == Role::Converter ? "converter" : "client"; }

std::optional<Role> parse_role(std::string_view text) {
  if (text == "converter") return Role::Converter;
  if (text == "client") return Role::Client;
  return std::nullopt;
}

CaseOutcome CaseOutcome::pass(std::string observed) { return {Verdict::Pass, std::move(observed), false}; }
CaseOutcome CaseOutcome::violated(std::string observed) { return {Verdict::Fail, std::move(observed), true}; }
CaseOutcome CaseOutcome::fail(std::string observed) { return {Verdict::Fail, std::move(observed), false}; }
CaseOutcome CaseOutcome::warn(std::string observed) { return {Verdict::Warn, std::move(observed), false}; }
CaseOutcome CaseOutcome::inconclusive(std::string why) { return {Verdict::Inconclusive, std::move(why), false}; }
CaseOutcome CaseOutcome::unsupported(std::string why) { return {Verdict::Unsupported, std::move(why), false}; }
CaseOutcome CaseOutcome::skip(std::string why) { return {Verdict::Skip, std::move(why), false}; }
CaseOutcome CaseOutcome::error(std::string what_broke) { return {Verdict::Error, std::move(what_broke), false}; }

Clock::duration CaseContext::scaled(Clock::duration base) const {
  return std::chrono::duration_cast<Clock::duration>(base * time_scale);
}

Clock::time_point CaseContext::deadline_in(Clock::duration base) const {
  return std::min(Clock::now() + scaled(base), deadline);
}

Lab& CaseContext::the_lab() const {
  if (lab == nullptr) {
    std::fprintf(stderr, "case %s needs a lab but the runner has none\n", spec.id.c_str());
    std::abort();
  }
  return *lab;
}

}  // namespace convtest::harness
