#include "harness/runner/registry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <regex>

#include "harness/put/put_identity.hpp"

namespace convtest::harness {
namespace {

const std::regex kIdPattern("[a-z0-9][a-z0-9.-]*");
const std::regex kInstanceIdPattern("[a-z0-9][a-z0-9.-]*(\\[[a-z0-9,-]+\\])?");
const std::regex kSectionPattern("([0-9]+(\\.[0-9]+)*|App\\. [A-Z](\\.[0-9]+)*)");
const std::regex kTagPattern("[a-z0-9][a-z0-9-]*");

bool matches(const std::string& text, const std::regex& pattern) { return std::regex_match(text, pattern); }

void add_need(CaseSpec& spec, Feature feature) {
  if (std::find(spec.needs.begin(), spec.needs.end(), feature) == spec.needs.end()) spec.needs.push_back(feature);
}

// What an instance's values ask of the PUT beyond the case's own needs: a PUT
// that does not listen on IPv6 or take late Convert messages is not judged on
// them. An MPTCP client needs nothing: against a PUT without MPTCP it falls
// back to TCP, and the Convert session must work all the same.
void add_instance_needs(CaseSpec& spec) {
  const Instance& instance = spec.instance;
  const bool ipv6 = instance.family && (client_family(*instance.family) == Family::V6 ||
                                        destination_family(*instance.family) == Family::V6);
  if (ipv6 && spec.role == Role::Client) {
    if (std::find(spec.client_needs.begin(), spec.client_needs.end(), ClientFeature::Ipv6) == spec.client_needs.end())
      spec.client_needs.push_back(ClientFeature::Ipv6);
  } else if (ipv6) {
    add_need(spec, Feature::Ipv6);
  }
  if (instance.delivery == Delivery::Late) add_need(spec, Feature::LateConvert);
}

}  // namespace

nlohmann::json metadata_json(const CaseSpec& spec) {
  std::vector<std::string> needs;
  for (Feature feature : spec.needs) needs.emplace_back(name(feature));
  for (ClientFeature feature : spec.client_needs) needs.emplace_back(name(feature));
  nlohmann::json instance = nlohmann::json::object();
  for (const auto& [dimension, value] : spec.instance.values()) instance[std::string(dimension)] = value;
  return {
      {"id", spec.id},
      {"role", name(spec.role)},
      {"case", spec.case_id()},
      {"instance", instance},
      {"expansion", name(spec.expansion)},
      {"requirements", spec.requirements},
      {"section", spec.section},
      {"level", reports::name(spec.level)},
      {"class", reports::name(spec.case_class)},
      {"profile", name(spec.profile)},
      {"tags", spec.tags},
      {"needs", needs},
      {"title", spec.title},
      {"stimulus", spec.stimulus},
      {"expectation", spec.expectation},
      {"accepted_outcomes", spec.accepted_outcomes},
      {"negative", spec.negative},
      {"unkillable_reason", spec.unkillable_reason},
  };
}

std::vector<std::string> metadata_problems(const CaseSpec& spec) {
  std::vector<std::string> problems;
  auto problem = [&](std::string text) { problems.push_back(fmt::format("case \"{}\": {}", spec.id, text)); };
  if (!matches(spec.id, spec.base_id.empty() ? kIdPattern : kInstanceIdPattern))
    problem("id must be lower case [a-z0-9.-]");
  if (spec.requirements.empty()) problem("no requirement id");
  for (const auto& requirement : spec.requirements)
    if (!is_requirement_id(requirement))
      problem(fmt::format("\"{}\" is not a requirement id (CONV-xxx, AMB-xx, REF-xx)", requirement));
  if (!matches(spec.section, kSectionPattern))
    problem(fmt::format("\"{}\" is not an RFC section number", spec.section));
  if (spec.title.empty()) problem("no title (the sentence it tests)");
  if (spec.stimulus.empty()) problem("no stimulus text");
  if (spec.expectation.empty()) problem("no expectation text");
  if (spec.accepted_outcomes.empty()) problem("no accepted outcome");
  for (const auto& tag : spec.tags)
    if (!matches(tag, kTagPattern)) problem(fmt::format("tag \"{}\" must be lower case", tag));
  if (!spec.run) problem("no run function");
  const Dimensions& grid = spec.dimensions;
  const bool beyond_family = grid.transport.size() > 1 || grid.delivery.size() > 1 || grid.tfo.size() > 1;
  if (spec.role == Role::Client && (spec.negative || !spec.needs.empty() || beyond_family))
    problem("a client-role case has no converter sanity probe, PUT features or dimensions but the family");
  if (spec.role == Role::Converter && !spec.client_needs.empty()) problem("client features in a converter case");
  return problems;
}

Registry::Registry(RequirementTable requirements, std::uint64_t pairwise_seed)
    : requirements_(std::move(requirements)), pairwise_seed_(pairwise_seed), problems_(requirements_.problems()) {}

void Registry::add(CaseSpec spec) {
  for (auto& problem : metadata_problems(spec)) problems_.push_back(std::move(problem));
  if (!spec.base_id.empty())
    problems_.push_back(fmt::format("case \"{}\": base_id is set by the registry, not by the case", spec.id));
  for (const auto& requirement : spec.requirements)
    if (is_requirement_id(requirement) && requirements_.find(requirement) == nullptr)
      problems_.push_back(
          fmt::format("case \"{}\": cites {}, which is not in the requirement table "
                      "(cases/requirements/): a typo, or a row to add",
                      spec.id, requirement));
  if (find(spec.id) != nullptr ||
      std::any_of(cases_.begin(), cases_.end(), [&](const CaseSpec& known) { return known.base_id == spec.id; }))
    problems_.push_back(fmt::format("case \"{}\": duplicate id", spec.id));
  const Expanded expanded = expand(spec.dimensions, pairwise_seed_);
  spec.base_id = spec.id;
  spec.expansion = expanded.mode;
  for (const Instance& instance : expanded.instances) {
    CaseSpec one = spec;
    one.id = spec.base_id + instance_suffix(instance, spec.dimensions);
    one.instance = instance;
    add_instance_needs(one);
    cases_.push_back(std::move(one));
  }
}

std::size_t Registry::case_count() const {
  std::size_t count = 0;
  for (std::size_t i = 0; i < cases_.size(); ++i) count += (i == 0 || cases_[i].base_id != cases_[i - 1].base_id);
  return count;
}

const CaseSpec* Registry::find(std::string_view id) const {
  for (const auto& spec : cases_)
    if (spec.id == id) return &spec;
  return nullptr;
}

std::string Registry::catalog_hash() const {
  std::vector<const CaseSpec*> ordered;
  for (const auto& spec : cases_) ordered.push_back(&spec);
  std::sort(ordered.begin(), ordered.end(), [](const CaseSpec* a, const CaseSpec* b) { return a->id < b->id; });
  nlohmann::json all = nlohmann::json::array();
  for (const CaseSpec* spec : ordered) all.push_back(metadata_json(*spec));
  return sha256_hex(all.dump());
}

}  // namespace convtest::harness
