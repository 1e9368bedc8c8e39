#include "catalog_markdown.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

#include "harness/cli/cli.hpp"

namespace convtest::harness::cli {
namespace {

constexpr std::string_view kChecklist = "ops-checklist.md";
constexpr std::string_view kDesign = "design.md";

std::string case_links(const std::vector<std::string>& ids) {
  std::string text;
  for (const auto& id : ids) text += fmt::format("{}`{}`", text.empty() ? "" : ", ", id);
  return text;
}

std::string citing_cell(const CasesByRequirement& covered, std::string_view id) {
  const auto& ids = citing(covered, id);
  return ids.empty() ? "none" : case_links(ids);
}

std::vector<const Requirement*> rows_of(const RequirementTable& table, RequirementKind kind) {
  std::vector<const Requirement*> rows;
  for (const auto& row : table.rows())
    if (row.kind() == kind) rows.push_back(&row);
  return rows;
}

std::string level_counts(const std::vector<const CaseSpec*>& cases) {
  std::map<std::string_view, std::size_t> counts;
  for (const auto& group : group_by_case(cases)) ++counts[reports::name(group.front()->level)];
  std::string text;
  for (const auto level :
       {reports::Level::Must, reports::Level::Should, reports::Level::May, reports::Level::Behaviour})
    if (const auto found = counts.find(reports::name(level)); found != counts.end())
      text += fmt::format("{}{} {}", text.empty() ? "" : ", ", found->second, found->first);
  return text;
}

std::string header(const std::vector<const CaseSpec*>& cases) {
  return fmt::format(
      "# The convtest catalog\n\n"
      "Generated from the case registry by `convtest list --format markdown`; do not edit by hand.\n"
      "Regenerate with `scripts/update-catalog-doc.sh` (a test fails while this file is stale).\n\n"
      "{} cases ({}), run as {} instances across their dimensions (docs/design.md, \"Dimensions\").\n"
      "Requirement ids refer to the requirement table (`convtest list --requirements`):\n"
      "CONV-xxx (BCP 14 keywords), CONV-Ixx (normative text without keywords, judged as `behaviour`), AMB-xx\n"
      "(the position taken on an ambiguity, [below](#ambiguity-positions)), REF-xx (RFC 7413 / RFC 8684 rules\n"
      "the flows rely on). T is the converter, C the client, S the server. Requirements that no harness can\n"
      "judge are in the [operator checklist]({}).\n\n",
      case_count(cases), level_counts(cases), cases.size(), kChecklist);
}

std::string converter_coverage(const RequirementTable& table, const CasesByRequirement& covered) {
  std::string text =
      "## Coverage by requirement\n\n"
      "| requirement | § | level | what it says | cases |\n"
      "|---|---|---|---|---|\n";
  std::size_t testable = 0;
  std::size_t with_cases = 0;
  std::size_t operational = 0;
  std::size_t explained = 0;
  for (const Requirement* row : rows_of(table, RequirementKind::Converter)) {
    const auto& ids = citing(covered, row->id);
    std::string cell = case_links(ids);
    if (row->operational) {
      ++operational;
      cell += fmt::format("{}[ops] [checklist]({})", cell.empty() ? "" : "; ", kChecklist);
    } else {
      ++testable;
      if (!ids.empty())
        ++with_cases;
      else if (!row->not_automated.empty())
        ++explained, cell = fmt::format("not automated: {}", row->not_automated);
      else
        cell = "not covered";
    }
    text += fmt::format("| {} | {} | {} | {} | {} |\n", row->id, row->section, row->level, markdown_cell(row->sentence),
                        markdown_cell(cell));
  }
  text += fmt::format(
      "\n{} of {} black-box testable converter requirements have at least one case, {} more say "
      "why this catalog cannot judge them; {} are operational ([checklist]({})).\n\n",
      with_cases, testable, explained, operational, kChecklist);
  return text;
}

std::string ambiguity_positions(const RequirementTable& table, const CasesByRequirement& covered) {
  std::string text = fmt::format(
      "## Ambiguity positions\n\n"
      "Where RFC 8803 leaves a choice open, a case judges by the position below and cites its AMB id. The default\n"
      "profile follows these positions; `--strict` also turns SHOULDs into FAILs and takes the strict side of\n"
      "AMB-01 ([design]({}), \"Ambiguities and profiles\").\n\n"
      "| id | § | what is open | position taken | why | cases |\n"
      "|---|---|---|---|---|---|\n",
      kDesign);
  for (const Requirement* row : rows_of(table, RequirementKind::Ambiguity))
    text += fmt::format("| {} | {} | {} | {} | {} | {} |\n", row->id, row->section, markdown_cell(row->sentence),
                        markdown_cell(row->position), markdown_cell(row->rationale), citing_cell(covered, row->id));
  return text + "\n";
}

std::string simple_table(std::string_view title, std::string_view section_header, const RequirementTable& table,
                         RequirementKind kind, const CasesByRequirement& covered) {
  std::string text = fmt::format(
      "## {}\n\n"
      "| id | {} | level | what it says | cases |\n"
      "|---|---|---|---|---|\n",
      title, section_header);
  for (const Requirement* row : rows_of(table, kind)) {
    std::string cell = citing_cell(covered, row->id);
    if (row->operational) cell += fmt::format("; [ops] [checklist]({})", kChecklist);
    text += fmt::format("| {} | {} | {} | {} | {} |\n", row->id, row->section, row->level, markdown_cell(row->sentence),
                        cell);
  }
  return text + "\n";
}

std::string references(const RequirementTable& table, const CasesByRequirement& covered) {
  return simple_table("Rules of RFC 7413 and RFC 8684 the flows rely on", "source", table, RequirementKind::Reference,
                      covered);
}

std::string client_requirements(const RequirementTable& table, const CasesByRequirement& covered) {
  return simple_table("Client requirements", "§", table, RequirementKind::Client, covered);
}

bool any_cited(const RequirementTable& table, RequirementKind kind, const CasesByRequirement& covered) {
  const auto rows = rows_of(table, kind);
  return std::any_of(rows.begin(), rows.end(), [&](const Requirement* row) { return covered.count(row->id) > 0; });
}

}  // namespace

std::string markdown_cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n')
      out += ' ';
    else
      out += c;
  }
  return out;
}

CasesByRequirement cases_by_requirement(const std::vector<const CaseSpec*>& cases) {
  CasesByRequirement out;
  for (const auto& group : group_by_case(cases))
    for (const auto& requirement : group.front()->requirements) out[requirement].push_back(group.front()->case_id());
  return out;
}

std::vector<std::vector<const CaseSpec*>> group_by_case(const std::vector<const CaseSpec*>& instances) {
  std::vector<std::vector<const CaseSpec*>> groups;
  for (const CaseSpec* spec : instances) {
    if (groups.empty() || groups.back().front()->case_id() != spec->case_id()) groups.emplace_back();
    groups.back().push_back(spec);
  }
  return groups;
}

std::size_t case_count(const std::vector<const CaseSpec*>& instances) { return group_by_case(instances).size(); }

std::string grid_text(const std::vector<const CaseSpec*>& instances) {
  const CaseSpec& first = *instances.front();
  if (first.expansion == Expansion::Single) return {};
  std::vector<std::string_view> suffixes;
  for (const CaseSpec* spec : instances)
    suffixes.emplace_back(std::string_view(spec->id).substr(spec->case_id().size()));
  return fmt::format("{} of {}, {} instance(s): {}", name(first.expansion), first.dimensions.grid(), instances.size(),
                     fmt::join(suffixes, " "));
}

const std::vector<std::string>& citing(const CasesByRequirement& covered, std::string_view id) {
  static const std::vector<std::string> kNone;
  const auto found = covered.find(id);
  return found == covered.end() ? kNone : found->second;
}

namespace {

std::vector<const CaseSpec*> of_role(const std::vector<const CaseSpec*>& cases, Role role) {
  std::vector<const CaseSpec*> out;
  std::copy_if(cases.begin(), cases.end(), std::back_inserter(out),
               [role](const CaseSpec* spec) { return spec->role == role; });
  return out;
}

std::string client_section(const std::vector<const CaseSpec*>& cases) {
  return fmt::format(
      "## Client cases\n\n"
      "Run with `convtest run --role client`: the harness plays the converter and the server, the client under\n"
      "test is launched in each case's namespace (docs/guide.md, \"Testing a Convert client\"). {} cases ({}).\n\n"
      "{}\n",
      case_count(cases), level_counts(cases), list_markdown(cases));
}

}  // namespace

std::string catalog_markdown(const std::vector<const CaseSpec*>& cases, const RequirementTable& requirements) {
  const auto covered = cases_by_requirement(cases);
  const auto converter_cases = of_role(cases, Role::Converter);
  const auto client_cases = of_role(cases, Role::Client);
  std::string text = header(converter_cases);
  if (!converter_cases.empty()) text += "## Cases\n\n" + list_markdown(converter_cases) + "\n";
  if (!client_cases.empty()) text += client_section(client_cases);
  text += converter_coverage(requirements, covered) + ambiguity_positions(requirements, covered) +
          references(requirements, covered);
  // The client role's rows join the document with its first case.
  if (any_cited(requirements, RequirementKind::Client, covered)) text += client_requirements(requirements, covered);
  text.pop_back();  // one newline at the end of the file
  return text;
}

std::string requirements_markdown(const RequirementTable& table, const std::vector<const CaseSpec*>& cases) {
  const auto covered = cases_by_requirement(cases);
  std::string text = fmt::format(
      "# The convtest requirement table\n\n"
      "Generated by `convtest list --requirements --format markdown`. T is the converter, C the client, S the\n"
      "server. Cases: those of the selection citing the id.\n\n"
      "{}{}{}{}",
      converter_coverage(table, covered), ambiguity_positions(table, covered), references(table, covered),
      client_requirements(table, covered));
  text.pop_back();
  return text;
}

}  // namespace convtest::harness::cli
