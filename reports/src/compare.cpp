#include "reports/compare.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace convtest::reports {
namespace {

// How bad a verdict is for the implementation; nothing for verdicts that
// say the case was not judged (a changed feature list, a profile).
std::optional<int> badness(Verdict verdict) {
  switch (verdict) {
    case Verdict::Pass:
    case Verdict::ExpectedFail:
    case Verdict::UnexpectedPass: return 0;
    case Verdict::Warn: return 1;
    case Verdict::Inconclusive: return 2;
    case Verdict::Fail:
    case Verdict::Error: return 3;
    case Verdict::Unsupported:
    case Verdict::Skip: return std::nullopt;
  }
  return std::nullopt;
}

std::map<std::string, const CaseResult*> by_id(const RunReport& report) {
  std::map<std::string, const CaseResult*> results;
  for (const auto& result : report.results) results.emplace(result.id, &result);
  return results;
}

std::string change_line(const VerdictChange& change) {
  std::string line = fmt::format("{} {} -> {}", change.id, name(change.before), name(change.after));
  if (!change.observed.empty()) line += ": " + change.observed;
  return line;
}

struct Section {
  std::string_view title;
  std::vector<std::string> lines;
};

std::vector<Section> sections(const Comparison& comparison) {
  auto lines = [](const std::vector<VerdictChange>& changes) {
    std::vector<std::string> out;
    for (const auto& change : changes) out.push_back(change_line(change));
    return out;
  };
  return {{"Regressions", lines(comparison.regressions)},
          {"Fixes", lines(comparison.fixes)},
          {"Other changes", lines(comparison.other)},
          {"New cases", comparison.added},
          {"Removed cases", comparison.removed}};
}

std::string headline(const Comparison& comparison) {
  std::string text =
      fmt::format("{} regression(s), {} fix(es), {} other change(s), {} new, {} removed", comparison.regressions.size(),
                  comparison.fixes.size(), comparison.other.size(), comparison.added.size(), comparison.removed.size());
  if (comparison.catalog_changed())
    text += fmt::format("; the catalog changed ({} -> {})", comparison.base_catalog.substr(0, 12),
                        comparison.new_catalog.substr(0, 12));
  return text;
}

nlohmann::json changes_json(const std::vector<VerdictChange>& changes) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& change : changes)
    out.push_back({{"id", change.id},
                   {"before", name(change.before)},
                   {"after", name(change.after)},
                   {"observed", change.observed}});
  return out;
}

}  // namespace

Comparison compare_reports(const RunReport& base, const RunReport& next) {
  Comparison comparison;
  comparison.base_catalog = base.provenance.catalog_hash;
  comparison.new_catalog = next.provenance.catalog_hash;
  const auto before = by_id(base);
  const auto after = by_id(next);
  for (const auto& [id, old_result] : before)
    if (after.count(id) == 0) comparison.removed.push_back(id);
  for (const auto& [id, new_result] : after) {
    const auto found = before.find(id);
    if (found == before.end()) {
      comparison.added.push_back(id);
      continue;
    }
    const Verdict was = found->second->verdict;
    const Verdict is = new_result->verdict;
    if (was == is) continue;
    VerdictChange change{id, was, is, new_result->observed};
    const auto old_badness = badness(was);
    const auto new_badness = badness(is);
    if (old_badness && new_badness && *new_badness > *old_badness)
      comparison.regressions.push_back(std::move(change));
    else if (old_badness && new_badness && *new_badness < *old_badness)
      comparison.fixes.push_back(std::move(change));
    else
      comparison.other.push_back(std::move(change));
  }
  return comparison;
}

std::string comparison_text(const Comparison& comparison) {
  std::string text;
  for (const auto& section : sections(comparison)) {
    if (section.lines.empty()) continue;
    text += fmt::format("{}:\n", section.title);
    for (const auto& line : section.lines) text += "  " + line + "\n";
  }
  return text + headline(comparison) + "\n";
}

std::string comparison_markdown(const Comparison& comparison) {
  std::string text = fmt::format("**{}**\n", headline(comparison));
  for (const auto& section : sections(comparison)) {
    if (section.lines.empty()) continue;
    text += fmt::format("\n### {}\n\n", section.title);
    for (const auto& line : section.lines) {
      const std::size_t space = std::min(line.find(' '), line.size());
      text += "- `" + line.substr(0, space) + "`" + line.substr(space) + "\n";
    }
  }
  return text;
}

nlohmann::json comparison_json(const Comparison& comparison) {
  return {
      {"format", "convtest-compare"},
      {"version", 1},
      {"catalog",
       {{"base", comparison.base_catalog}, {"new", comparison.new_catalog}, {"changed", comparison.catalog_changed()}}},
      {"regressions", changes_json(comparison.regressions)},
      {"fixes", changes_json(comparison.fixes)},
      {"other", changes_json(comparison.other)},
      {"added", comparison.added},
      {"removed", comparison.removed}};
}

}  // namespace convtest::reports
