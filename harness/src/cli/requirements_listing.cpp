// `convtest list --requirements`: the requirement table with, for each id,
// the cases that cite it (text and JSON; the markdown is in
// catalog_markdown.cpp, shared with docs/catalog.md).

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "catalog_markdown.hpp"
#include "harness/cli/cli.hpp"

namespace convtest::harness::cli {
namespace {

// Why an id has no case, if it has none.
enum class Coverage : std::uint8_t { Covered, Operational, NotAutomated, NotCovered };

Coverage coverage(const Requirement& row, const std::vector<std::string>& cases) {
  if (!cases.empty()) return Coverage::Covered;
  if (row.operational) return Coverage::Operational;
  if (!row.not_automated.empty()) return Coverage::NotAutomated;
  return Coverage::NotCovered;
}

std::string_view name(Coverage value) {
  switch (value) {
    case Coverage::Covered: return "covered";
    case Coverage::Operational: return "operational";
    case Coverage::NotAutomated: return "not-automated";
    case Coverage::NotCovered: return "not-covered";
  }
  return "not-covered";
}

std::string cases_line(const Requirement& row, const std::vector<std::string>& cases) {
  switch (coverage(row, cases)) {
    case Coverage::Covered: return fmt::format("{}", fmt::join(cases, ", "));
    case Coverage::Operational: return "none (operational: the operator checklist, docs/ops-checklist.md)";
    case Coverage::NotAutomated: return fmt::format("none (not automated: {})", row.not_automated);
    case Coverage::NotCovered: return "none";
  }
  return "none";
}

nlohmann::json optional_text(std::string_view text) {
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(std::string(text));
}

}  // namespace

std::string requirements_text(const RequirementTable& table, const std::vector<const CaseSpec*>& cases) {
  const auto covered = cases_by_requirement(cases);
  std::map<Coverage, std::size_t> counts;
  std::string text;
  for (const auto& row : table.rows()) {
    const auto& ids = citing(covered, row.id);
    ++counts[coverage(row, ids)];
    text += fmt::format("{:<9} {:<10} {:<11} §{}\n", row.id, name(row.kind()), row.level, row.section);
    const bool ambiguity = row.kind() == RequirementKind::Ambiguity;
    text += fmt::format("    {:<9} {}\n", ambiguity ? "open:" : "says:", row.sentence);
    if (ambiguity) {
      text += fmt::format("    {:<9} {}\n", "position:", row.position);
      text += fmt::format("    {:<9} {}\n", "why:", row.rationale);
    }
    text += fmt::format("    {:<9} {}\n", "cases:", cases_line(row, ids));
  }
  text += fmt::format(
      "{} requirement(s): {} cited by the listed cases, {} operational, {} not automated, {} not "
      "cited\n",
      table.rows().size(), counts[Coverage::Covered], counts[Coverage::Operational], counts[Coverage::NotAutomated],
      counts[Coverage::NotCovered]);
  return text;
}

std::string requirements_json(const RequirementTable& table, const std::vector<const CaseSpec*>& cases) {
  const auto covered = cases_by_requirement(cases);
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : table.rows()) {
    const auto& ids = citing(covered, row.id);
    rows.push_back({
        {"id", row.id},
        {"kind", name(row.kind())},
        {"section", row.section},
        {"level", row.level},
        {"sentence", row.sentence},
        {"position", optional_text(row.position)},
        {"rationale", optional_text(row.rationale)},
        {"operational", row.operational},
        {"not_automated", optional_text(row.not_automated)},
        {"coverage", name(coverage(row, ids))},
        {"cases", ids},
    });
  }
  const nlohmann::json document = {{"format", "convtest-requirements"}, {"version", 1}, {"requirements", rows}};
  return document.dump(2) + "\n";
}

}  // namespace convtest::harness::cli
