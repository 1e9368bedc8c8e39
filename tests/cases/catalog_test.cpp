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
    if (spec.case_class == reports::CaseClass::Invalid) {
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
    EXPECT_NE(markdown.find("`" + spec->id + "`"), std::string::npos) << spec->id;
    EXPECT_NE(text.find(spec->id), std::string::npos) << spec->id;
  }
  // One header, one separator, one row per case: no row broken by a newline or a pipe.
  EXPECT_EQ(static_cast<std::size_t>(std::count(markdown.begin(), markdown.end(), '\n')), all.size() + 2);
}

TEST(Catalog, HashIsStableAcrossRegistrations) {
  EXPECT_EQ(full_catalog().catalog_hash(), full_catalog().catalog_hash());
}

}  // namespace
}  // namespace convtest::cases
