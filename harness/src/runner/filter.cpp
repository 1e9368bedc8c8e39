#include "harness/runner/filter.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <string>

namespace convtest::harness {
namespace {

bool any_match(const std::vector<std::string>& patterns, std::string_view text) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [text](const std::string& pattern) { return glob_match(pattern, text); });
}

bool any_match_any(const std::vector<std::string>& patterns, const std::vector<std::string>& texts) {
  return std::any_of(texts.begin(), texts.end(),
                     [&patterns](const std::string& text) { return any_match(patterns, text); });
}

bool any_section_match(const std::vector<std::string>& patterns, std::string_view section) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [section](const std::string& pattern) { return section_match(pattern, section); });
}

bool case_matches(const std::vector<std::string>& patterns, const CaseSpec& spec) {
  return std::any_of(patterns.begin(), patterns.end(), [&spec](const std::string& pattern) {
    return pattern == spec.id || glob_match(pattern, spec.case_id());
  });
}

bool dimensions_match(const std::vector<DimensionFilter>& filters, const Instance& instance) {
  return std::all_of(filters.begin(), filters.end(),
                     [&instance](const DimensionFilter& filter) { return matches(instance, filter); });
}

std::string_view without_section_sign(std::string_view pattern) {
  if (pattern.rfind("§", 0) == 0) pattern.remove_prefix(std::string_view("§").size());
  return pattern;
}

}  // namespace

bool Selection::selects_everything() const {
  return cases.empty() && requirements.empty() && sections.empty() && levels.empty() && tags.empty() &&
         excludes.empty() && dimensions.empty();
}

bool glob_match(std::string_view pattern, std::string_view text) {
  const std::string p(pattern);
  const std::string t(text);
  return ::fnmatch(p.c_str(), t.c_str(), FNM_CASEFOLD) == 0;
}

bool section_match(std::string_view pattern, std::string_view section) {
  pattern = without_section_sign(pattern);
  if (glob_match(pattern, section)) return true;
  // "6.2" selects "6.2.5" but not "6.20".
  return section.size() > pattern.size() && section.substr(0, pattern.size()) == pattern &&
         section[pattern.size()] == '.';
}

bool is_selected(const CaseSpec& spec, const Selection& selection) {
  if (selection.role && spec.role != *selection.role) return false;
  if (!selection.cases.empty() && !case_matches(selection.cases, spec)) return false;
  if (!dimensions_match(selection.dimensions, spec.instance)) return false;
  if (!selection.requirements.empty() && !any_match_any(selection.requirements, spec.requirements)) return false;
  if (!selection.sections.empty() && !any_section_match(selection.sections, spec.section)) return false;
  if (!selection.levels.empty() && !any_match(selection.levels, reports::name(spec.level))) return false;
  if (!selection.tags.empty() && !any_match_any(selection.tags, spec.tags)) return false;
  const auto& excludes = selection.excludes;
  const bool excluded = case_matches(excludes, spec) || any_match_any(excludes, spec.requirements) ||
                        any_section_match(excludes, spec.section) || any_match_any(excludes, spec.tags);
  return !excluded;
}

std::vector<const CaseSpec*> select(const Registry& registry, const Selection& selection) {
  std::vector<const CaseSpec*> chosen;
  for (const auto& spec : registry.cases())
    if (is_selected(spec, selection)) chosen.push_back(&spec);
  return chosen;
}

std::vector<std::string> split_case_patterns(const std::vector<std::string>& words) {
  std::vector<std::string> patterns;
  for (const auto& word : words) {
    std::string current;
    int depth = 0;
    for (char c : word) {
      if (c == '[') ++depth;
      if (c == ']' && depth > 0) --depth;
      if (c == ',' && depth == 0) {
        if (!current.empty()) patterns.push_back(std::move(current));
        current.clear();
      } else {
        current += c;
      }
    }
    if (!current.empty()) patterns.push_back(std::move(current));
  }
  return patterns;
}

std::vector<std::string> selection_problems(const Selection& selection) {
  std::vector<std::string> problems;
  for (const auto& level : selection.levels) {
    const bool known = glob_match(level, "MUST") || glob_match(level, "SHOULD") || glob_match(level, "MAY") ||
                       glob_match(level, "behaviour");
    if (!known) problems.push_back("unknown level \"" + level + "\" (MUST, SHOULD, MAY or behaviour)");
  }
  return problems;
}

}  // namespace convtest::harness
