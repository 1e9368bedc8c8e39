#pragma once
// `convtest list --format markdown`: the catalog document (docs/catalog.md):
// the case table, coverage requirement by requirement, and the link to the
// operational checklist for what no harness can judge.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "harness/runner/case.hpp"

namespace convtest::harness::cli {

// A converter requirement of the catalog spec (CONV-xxx, CONV-Ixx).
struct RequirementRow {
  std::string_view id;
  std::string_view section;
  std::string_view level;  // "MUST", "MUST NOT", "SHOULD", ..., "behaviour"
  bool operational;        // [ops]: a checklist item, not an automated verdict
  std::string_view text;
};

std::span<const RequirementRow> converter_requirements();

struct NotAutomated {
  std::string_view id;
  std::string_view reason;
};
std::span<const NotAutomated> not_automated_requirements();

std::string catalog_markdown(const std::vector<const CaseSpec*>& cases);

}  // namespace convtest::harness::cli
