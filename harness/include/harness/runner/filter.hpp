#pragma once
// Selecting cases: glob filters (case-insensitive, fnmatch syntax: * ? [..])
// on case id, requirement id, section, level and tag, plus excludes and
// dimension values (--dim family=v6). A case pattern selects an instance
// when it equals the instance id ("connect-base[v6,mptcp]") or matches the
// case id ("connect-base", "connect-*": every instance). Within
// one kind of filter any pattern may match; across kinds all must match.
// A section pattern also selects the sub-sections ("6.2" selects "6.2.5").
// An exclude removes a case when it matches its id, a requirement, its
// section or a tag.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/runner/dimensions.hpp"
#include "harness/runner/registry.hpp"

namespace convtest::harness {

struct Selection {
  std::vector<std::string> cases;
  std::vector<std::string> requirements;
  std::vector<std::string> sections;
  std::vector<std::string> levels;
  std::vector<std::string> tags;
  std::vector<std::string> excludes;
  std::vector<DimensionFilter> dimensions;
  std::optional<Role> role;         // nothing: cases of either role
  bool selects_everything() const;  // of its role
};

bool glob_match(std::string_view pattern, std::string_view text);
bool section_match(std::string_view pattern, std::string_view section);
bool is_selected(const CaseSpec& spec, const Selection& selection);
std::vector<const CaseSpec*> select(const Registry& registry, const Selection& selection);

// "a,b[v6,mptcp],c" -> a, b[v6,mptcp], c: commas inside brackets stay.
std::vector<std::string> split_case_patterns(const std::vector<std::string>& words);

// Unknown level names in a selection ("MUST", "should", ... are fine).
std::vector<std::string> selection_problems(const Selection& selection);

}  // namespace convtest::harness
