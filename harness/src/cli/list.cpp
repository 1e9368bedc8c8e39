#include <fmt/format.h>

#include <algorithm>

#include "catalog_markdown.hpp"
#include "harness/cli/cli.hpp"

namespace convtest::harness::cli {
namespace {

std::string joined(const std::vector<std::string>& items, std::string_view separator = ", ") {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : std::string(separator)) + item;
  return text;
}

std::string needs_text(const CaseSpec& spec) {
  std::vector<std::string> names;
  for (Feature feature : spec.needs) names.emplace_back(name(feature));
  return joined(names);
}

}  // namespace

std::string list_text(const std::vector<const CaseSpec*>& cases) {
  std::size_t id_width = 4;
  for (const CaseSpec* spec : cases) id_width = std::max(id_width, spec->case_id().size());
  std::string text;
  for (const auto& instances : group_by_case(cases)) {
    const CaseSpec* spec = instances.front();
    text += fmt::format("{:<{}}  {:<9}  §{:<7}  {}\n", spec->case_id(), id_width, reports::name(spec->level),
                        spec->section, joined(spec->requirements));
    text += fmt::format("    {}\n", spec->title);
    text += fmt::format("    sends:   {}\n", spec->stimulus);
    text += fmt::format("    expects: {}\n", spec->expectation);
    if (!spec->needs.empty()) text += fmt::format("    needs:   {}\n", needs_text(*spec));
    if (const auto grid = grid_text(instances); !grid.empty()) text += fmt::format("    runs:    {}\n", grid);
  }
  text += fmt::format("{} case(s), {} instance(s)\n", case_count(cases), cases.size());
  return text;
}

std::string list_json(const std::vector<const CaseSpec*>& cases) {
  nlohmann::json all = nlohmann::json::array();
  for (const CaseSpec* spec : cases) all.push_back(metadata_json(*spec));
  return all.dump(2) + "\n";
}

std::string list_markdown(const std::vector<const CaseSpec*>& cases) {
  std::string text =
      "| id | requirements | § | level | class | requirement | what it sends | what must happen | needs | instances |\n"
      "|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& instances : group_by_case(cases)) {
    const CaseSpec* spec = instances.front();
    text += fmt::format("| `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", spec->case_id(),
                        markdown_cell(joined(spec->requirements)), markdown_cell(spec->section),
                        reports::name(spec->level), reports::name(spec->case_class), markdown_cell(spec->title),
                        markdown_cell(spec->stimulus), markdown_cell(spec->expectation),
                        markdown_cell(needs_text(*spec)), markdown_cell(grid_text(instances)));
  }
  return text;
}

}  // namespace convtest::harness::cli
