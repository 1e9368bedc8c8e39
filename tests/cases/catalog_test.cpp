#include "catalog.hpp"

#include <gtest/gtest.h>

#include <set>

#include "harness/cli/cli.hpp"
#include "harness/runner/filter.hpp"

namespace convtest::cases {
namespace {

harness::Registry full_catalog() { return make_catalog(); }

TEST(Catalog, HasNoMetadataProblems) {
  const auto registry = full_catalog();
  for (const auto& problem : registry.problems()) ADD_FAILURE() << problem;
  EXPECT_TRUE(static_cast<bool>(registry.sanity_probe()));
}

TEST(Catalog, CoversTheFirstCasesOfTheEngineIssue) {
  const auto registry = full_catalog();
  // requirement -> at least one case must name it
  for (const char* requirement : {"CONV-I11", "CONV-028", "CONV-035", "CONV-005", "CONV-009", "CONV-014", "CONV-038",
                                  "CONV-021", "CONV-045", "CONV-046", "CONV-I20", "CONV-017", "AMB-29"}) {
    harness::Selection selection;
    selection.requirements = {requirement};
    EXPECT_FALSE(harness::select(registry, selection).empty()) << requirement;
  }
  harness::Selection ipv6;
  ipv6.tags = {"ipv6"};
  EXPECT_FALSE(harness::select(registry, ipv6).empty());
  harness::Selection middlebox;
  middlebox.tags = {"middlebox"};
  EXPECT_FALSE(harness::select(registry, middlebox).empty());
}

TEST(Catalog, NegativeCasesAreThoseThatSendInvalidInput) {
  const auto registry = full_catalog();
  for (const auto& spec : registry.cases()) {
    // The sanity probe is a converter's; a client is launched afresh per case.
    if (spec.case_class == reports::CaseClass::Invalid && spec.role == harness::Role::Converter) {
      EXPECT_TRUE(spec.negative) << spec.id;
    }
  }
}

// Fallback cases (a plain-TCP client, MPTCP options stripped on the path)
// are tagged mptcp but hold for every converter; the reverse must hold.
TEST(Catalog, CasesNeedingMptcpAreTaggedMptcp) {
  const auto registry = full_catalog();
  for (const auto& spec : registry.cases()) {
    const bool tagged = std::find(spec.tags.begin(), spec.tags.end(), "mptcp") != spec.tags.end();
    const bool needs = std::find(spec.needs.begin(), spec.needs.end(), harness::Feature::Mptcp) != spec.needs.end();
    if (needs) {
      EXPECT_TRUE(tagged) << spec.id;
    }
  }
}

TEST(Catalog, ListingsRenderEveryCase) {
  const auto registry = full_catalog();
  std::vector<const harness::CaseSpec*> all;
  for (const auto& spec : registry.cases()) all.push_back(&spec);
  const std::string markdown = harness::cli::list_markdown(all);
  const std::string text = harness::cli::list_text(all);
  const auto json = nlohmann::json::parse(harness::cli::list_json(all));
  EXPECT_EQ(json.size(), all.size());
  for (const auto* spec : all) {
    EXPECT_NE(markdown.find("`" + spec->case_id() + "`"), std::string::npos) << spec->id;
    const std::string suffix = spec->id.substr(spec->case_id().size());
    EXPECT_NE(text.find(spec->case_id()), std::string::npos) << spec->id;
    if (!suffix.empty()) {
      EXPECT_NE(text.find(suffix), std::string::npos) << spec->id;
    }
  }
  // One header, one separator, one row per case: no row broken by a newline or a pipe.
  EXPECT_EQ(static_cast<std::size_t>(std::count(markdown.begin(), markdown.end(), '\n')), registry.case_count() + 2);
}

TEST(Catalog, RunsItsCasesAcrossFamiliesAndTransports) {
  const auto registry = full_catalog();
  EXPECT_GE(registry.cases().size(), 400U);
  std::set<std::string> over_ipv6;
  std::set<std::string> over_mptcp;
  std::set<std::string> cases;
  for (const auto& spec : registry.cases()) {
    if (spec.role != harness::Role::Converter) continue;
    cases.insert(spec.case_id());
    const auto family = spec.instance.family;
    if (family && harness::client_family(*family) == harness::Family::V6) over_ipv6.insert(spec.case_id());
    if (spec.instance.transport == harness::ClientTransport::Mptcp) over_mptcp.insert(spec.case_id());
  }
  // Most cases vary both; those that do not fix the dimension in their stimulus (docs/design.md, "Dimensions").
  EXPECT_GE(over_ipv6.size() * 10, cases.size() * 8);
  EXPECT_GE(over_mptcp.size() * 10, cases.size() * 8);
}

TEST(Catalog, HashIsStableAcrossRegistrations) {
  EXPECT_EQ(full_catalog().catalog_hash(), full_catalog().catalog_hash());
}

}  // namespace
}  // namespace convtest::cases
