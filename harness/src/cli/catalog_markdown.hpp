#pragma once
// `convtest list --format markdown`: the catalog document (docs/catalog.md):
// the case table, coverage requirement by requirement, the positions taken on
// ambiguities, and the link to the operational checklist for what no harness
// can judge. The requirement sections also make `list --requirements
// --format markdown`.

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "harness/runner/case.hpp"
#include "harness/runner/requirement.hpp"

namespace convtest::harness::cli {

std::string catalog_markdown(const std::vector<const CaseSpec*>& cases, const RequirementTable& requirements);

// Consecutive instances of one case, in catalog order.
std::vector<std::vector<const CaseSpec*>> group_by_case(const std::vector<const CaseSpec*>& instances);
// How a case runs across its dimensions: "full, 4 instances: [v4,tcp] [v4,mptcp] ...", or "" for one.
std::string grid_text(const std::vector<const CaseSpec*>& instances);
std::size_t case_count(const std::vector<const CaseSpec*>& instances);

// A table cell: no pipe or newline may break the row.
std::string markdown_cell(std::string_view text);

// Requirement id -> the ids of the cases citing it (case ids, not instance ids), in case order.
using CasesByRequirement = std::map<std::string, std::vector<std::string>, std::less<>>;
CasesByRequirement cases_by_requirement(const std::vector<const CaseSpec*>& cases);
// The cases citing `id` (empty when none does).
const std::vector<std::string>& citing(const CasesByRequirement& covered, std::string_view id);

}  // namespace convtest::harness::cli
