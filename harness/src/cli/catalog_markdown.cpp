#include "catalog_markdown.hpp"

#include <map>
#include <set>

#include <fmt/format.h>

#include "harness/cli/cli.hpp"

namespace convtest::harness::cli {
namespace {

constexpr std::string_view kChecklist = "ops-checklist.md";

using CasesByRequirement = std::map<std::string, std::vector<std::string>, std::less<>>;

CasesByRequirement cases_by_requirement(const std::vector<const CaseSpec*>& cases) {
  CasesByRequirement out;
  for (const CaseSpec* spec : cases)
    for (const auto& requirement : spec->requirements) out[requirement].push_back(spec->id);
  return out;
}

std::string case_links(const std::vector<std::string>& ids) {
  std::string text;
  for (const auto& id : ids) text += fmt::format("{}`{}`", text.empty() ? "" : ", ", id);
  return text;
}

std::string level_counts(const std::vector<const CaseSpec*>& cases) {
  std::map<std::string_view, std::size_t> counts;
  for (const CaseSpec* spec : cases) ++counts[reports::name(spec->level)];
  std::string text;
  for (const auto level : {reports::Level::Must, reports::Level::Should, reports::Level::May, reports::Level::Behaviour})
    if (const auto found = counts.find(reports::name(level)); found != counts.end())
      text += fmt::format("{}{} {}", text.empty() ? "" : ", ", found->second, found->first);
  return text;
}

std::string header(const std::vector<const CaseSpec*>& cases) {
  return fmt::format(
      "# The convtest catalog\n\n"
      "Generated from the case registry by `convtest list --format markdown`; do not edit by hand.\n"
      "Regenerate with `scripts/update-catalog-doc.sh` (a test fails while this file is stale).\n\n"
      "{} cases ({}). Requirement ids refer to the catalog spec: CONV-xxx (BCP 14 keywords),\n"
      "CONV-Ixx (normative text without keywords, judged as `behaviour`), AMB-xx (the position taken on an\n"
      "ambiguity), REF-xx (RFC 7413 / RFC 8684 rules the flows rely on). Requirements that no harness can\n"
      "judge are in the [operator checklist]({}).\n\n",
      cases.size(), level_counts(cases), kChecklist);
}

std::string_view not_automated_reason(std::string_view id) {
  for (const auto& row : not_automated_requirements())
    if (row.id == id) return row.reason;
  return {};
}

std::string coverage_table(const CasesByRequirement& covered) {
  std::string text =
      "## Coverage by requirement\n\n"
      "| requirement | § | level | what it says | cases |\n"
      "|---|---|---|---|---|\n";
  std::size_t testable = 0;
  std::size_t with_cases = 0;
  std::size_t operational = 0;
  std::size_t explained = 0;
  for (const auto& row : converter_requirements()) {
    const auto found = covered.find(row.id);
    std::string cell;
    if (found != covered.end()) cell = case_links(found->second);
    if (row.operational) {
      ++operational;
      cell += fmt::format("{}[ops] [checklist]({})", cell.empty() ? "" : "; ", kChecklist);
    } else {
      ++testable;
      if (found != covered.end()) ++with_cases;
      else if (const auto reason = not_automated_reason(row.id); !reason.empty()) ++explained, cell = fmt::format("not automated: {}", reason);
      else cell = "not covered";
    }
    text += fmt::format("| {} | {} | {} | {} | {} |\n", row.id, row.section, row.level, row.text, cell);
  }
  text += fmt::format("\n{} of {} black-box testable converter requirements have at least one case, {} more say "
                      "why this catalog cannot judge them; {} are operational ([checklist]({})).\n\n",
                      with_cases, testable, explained, operational, kChecklist);
  return text;
}

std::string other_references(const CasesByRequirement& covered) {
  std::set<std::string_view> listed;
  for (const auto& row : converter_requirements()) listed.insert(row.id);
  std::string rows;
  for (const auto& [requirement, ids] : covered)
    if (listed.count(requirement) == 0) rows += fmt::format("| {} | {} |\n", requirement, case_links(ids));
  if (rows.empty()) return {};
  return "## Ambiguity positions and references\n\n"
         "| id | cases |\n"
         "|---|---|\n" +
         rows;
}

}  // namespace

std::string catalog_markdown(const std::vector<const CaseSpec*>& cases) {
  const auto covered = cases_by_requirement(cases);
  return header(cases) + "## Cases\n\n" + list_markdown(cases) + "\n" + coverage_table(covered) +
         other_references(covered);
}

}  // namespace convtest::harness::cli
