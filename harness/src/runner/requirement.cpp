#include "harness/runner/requirement.hpp"

#include <fmt/format.h>

#include <regex>
#include <set>

namespace convtest::harness {
namespace {

const std::regex kRequirementPattern("(CONV-I?[0-9]{2,3}|CLI-I?[0-9]{2,3}|AMB-[0-9]{2}|REF-[0-9]{2})");

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

}  // namespace

std::string_view name(RequirementKind kind) {
  switch (kind) {
    case RequirementKind::Converter: return "converter";
    case RequirementKind::Client: return "client";
    case RequirementKind::Ambiguity: return "ambiguity";
    case RequirementKind::Reference: return "reference";
  }
  return "converter";
}

bool is_requirement_id(std::string_view id) { return std::regex_match(id.begin(), id.end(), kRequirementPattern); }

RequirementKind Requirement::kind() const {
  if (starts_with(id, "CLI-")) return RequirementKind::Client;
  if (starts_with(id, "AMB-")) return RequirementKind::Ambiguity;
  if (starts_with(id, "REF-")) return RequirementKind::Reference;
  return RequirementKind::Converter;
}

const Requirement* RequirementTable::find(std::string_view id) const {
  for (const auto& row : rows_)
    if (row.id == id) return &row;
  return nullptr;
}

std::vector<std::string> RequirementTable::problems() const {
  std::vector<std::string> problems;
  std::set<std::string_view> seen;
  for (const auto& row : rows_) {
    auto problem = [&](std::string_view text) {
      problems.push_back(fmt::format("requirement \"{}\": {}", row.id, text));
    };
    if (!is_requirement_id(row.id)) problem("not a requirement id (CONV-xxx, CLI-xxx, AMB-xx, REF-xx)");
    if (!seen.insert(row.id).second) problem("listed twice");
    if (row.section.empty()) problem("no section");
    if (row.level.empty()) problem("no level");
    if (row.sentence.empty()) problem("no sentence");
    const bool ambiguity = row.kind() == RequirementKind::Ambiguity;
    if (ambiguity && (row.position.empty() || row.rationale.empty()))
      problem("an ambiguity needs its position and why");
    if (!ambiguity && !row.position.empty()) problem("only an ambiguity (AMB-xx) takes a position");
  }
  return problems;
}

}  // namespace convtest::harness
