#pragma once
// The catalog: every case, registered explicitly by the composition root
// (cases/register_all), never by static initialisation. Metadata mistakes are
// collected as problems, so `convtest` can refuse to run a broken catalog
// and a test can assert there are none. A registry is built on the
// requirement table: a case citing an id the table lacks is such a mistake.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "harness/runner/case.hpp"
#include "harness/runner/requirement.hpp"

namespace convtest::harness {

class Registry {
 public:
  explicit Registry(RequirementTable requirements, std::uint64_t pairwise_seed = kDefaultPairwiseSeed);

  // Adds the case, expanded into one instance per combination of its dimensions.
  void add(CaseSpec spec);
  void set_sanity_probe(SanityProbe probe) { sanity_probe_ = std::move(probe); }

  // Every instance of every case, in registration order.
  const std::vector<CaseSpec>& cases() const { return cases_; }
  std::uint64_t pairwise_seed() const { return pairwise_seed_; }
  std::size_t case_count() const;  // cases before expansion
  const CaseSpec* find(std::string_view id) const;
  const SanityProbe& sanity_probe() const { return sanity_probe_; }
  const RequirementTable& requirements() const { return requirements_; }
  // Duplicate ids, malformed ids / sections, requirement ids missing from the
  // table, missing run functions or texts, flaws of the table: one line each.
  const std::vector<std::string>& problems() const { return problems_; }

  // SHA-256 (hex) over the metadata of every case, in id order: two runs with
  // the same hash ran the same catalog.
  std::string catalog_hash() const;
  // The catalog's version (docs/catalog-changelog.md): it changes with every
  // change of the hash, and the changelog says what changed.
  void set_version(std::string version) { version_ = std::move(version); }
  const std::string& version() const { return version_; }

 private:
  RequirementTable requirements_;
  std::uint64_t pairwise_seed_;
  std::vector<CaseSpec> cases_;
  std::vector<std::string> problems_;
  SanityProbe sanity_probe_;
  std::string version_ = "unversioned";
};

// The metadata of a case as JSON (for `list --format json` and the hash).
nlohmann::json metadata_json(const CaseSpec& spec);

// Checks one case's metadata; empty when it is well formed.
std::vector<std::string> metadata_problems(const CaseSpec& spec);

}  // namespace convtest::harness
