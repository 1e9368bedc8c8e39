#include "harness/runner/registry.hpp"

#include <gtest/gtest.h>

namespace convtest::harness {
namespace {

// The rows valid_spec cites.
RequirementTable small_table() {
  return RequirementTable({
      {.id = "CONV-045", .section = "6.2.8", .level = "MUST", .sentence = "Connection Reset: Value 0."},
      {.id = "AMB-03",
       .section = "6.2.2",
       .level = "position",
       .sentence = "What close means.",
       .position = "FIN after the Error TLV.",
       .rationale = "The error must reach the client."},
  });
}

CaseSpec valid_spec(std::string id) {
  CaseSpec spec;
  spec.id = std::move(id);
  spec.requirements = {"CONV-045", "AMB-03"};
  spec.section = "6.2.8";
  spec.title = "A converter returns Error 96.";
  spec.stimulus = "server RST";
  spec.expectation = "Error 96";
  spec.accepted_outcomes = {"Error 96 then FIN"};
  spec.run = [](CaseContext&) { return CaseOutcome::pass("y"); };
  return spec;
}

TEST(Registry, AcceptsWellFormedCases) {
  Registry registry(small_table());
  registry.add(valid_spec("err-server-rst-96"));
  registry.add(valid_spec("hdr-version-2"));
  EXPECT_TRUE(registry.problems().empty());
  EXPECT_EQ(registry.cases().size(), 2U);
  ASSERT_NE(registry.find("hdr-version-2"), nullptr);
  EXPECT_EQ(registry.find("nope"), nullptr);
}

TEST(Registry, ReportsDuplicateIdsAndBadMetadata) {
  Registry registry(small_table());
  registry.add(valid_spec("dup"));
  registry.add(valid_spec("dup"));
  CaseSpec bad = valid_spec("Bad Id");
  bad.requirements = {"RFC-8803"};
  bad.section = "six";
  bad.run = nullptr;
  bad.tags = {"Upper"};
  registry.add(bad);
  const auto& problems = registry.problems();
  const auto mentions = [&](const std::string& text) {
    for (const auto& problem : problems)
      if (problem.find(text) != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(mentions("\"dup\": duplicate id"));
  EXPECT_TRUE(mentions("id must be lower case"));
  EXPECT_TRUE(mentions("\"RFC-8803\" is not a requirement id"));
  EXPECT_TRUE(mentions("\"six\" is not an RFC section number"));
  EXPECT_TRUE(mentions("no run function"));
  EXPECT_TRUE(mentions("tag \"Upper\""));
}

// A well-formed id that the table lacks (CONV-450, a slip for CONV-045) is a
// catalog problem naming the case and the id.
TEST(Registry, RejectsRequirementIdsMissingFromTheTable) {
  Registry registry(small_table());
  CaseSpec typo = valid_spec("err-server-rst-96");
  typo.requirements = {"CONV-450", "AMB-03"};
  registry.add(typo);
  ASSERT_EQ(registry.problems().size(), 1U);
  EXPECT_EQ(registry.problems().front(),
            "case \"err-server-rst-96\": cites CONV-450, which is not in the requirement table (cases/requirements/): "
            "a typo, or a row to add");
}

TEST(Registry, ReportsFlawsOfTheRequirementTable) {
  Registry registry(RequirementTable({
      {.id = "CONV-045", .section = "6.2.8", .level = "MUST", .sentence = "Connection Reset: Value 0."},
      {.id = "CONV-045", .section = "6.2.8", .level = "MUST", .sentence = "Connection Reset: Value 0."},
      {.id = "AMB-03", .section = "6.2.2", .level = "position", .sentence = "What close means."},
      {.id = "conv-1", .section = "1", .level = "MUST", .sentence = "x"},
  }));
  const std::vector<std::string> expected{
      "requirement \"CONV-045\": listed twice",
      "requirement \"AMB-03\": an ambiguity needs its position and why",
      "requirement \"conv-1\": not a requirement id (CONV-xxx, CLI-xxx, AMB-xx, REF-xx)",
  };
  EXPECT_EQ(registry.problems(), expected);
}

TEST(Registry, CatalogHashDependsOnMetadataNotOrder) {
  Registry one(small_table());
  one.add(valid_spec("a"));
  one.add(valid_spec("b"));
  Registry two(small_table());
  two.add(valid_spec("b"));
  two.add(valid_spec("a"));
  EXPECT_EQ(one.catalog_hash(), two.catalog_hash());
  EXPECT_EQ(one.catalog_hash().size(), 64U);
  Registry three(small_table());
  three.add(valid_spec("a"));
  CaseSpec changed = valid_spec("b");
  changed.level = reports::Level::Should;
  three.add(changed);
  EXPECT_NE(one.catalog_hash(), three.catalog_hash());
}

TEST(Registry, MetadataJsonHasEveryCatalogField) {
  CaseSpec spec = valid_spec("x");
  spec.needs = {Feature::Mptcp};
  spec.negative = true;
  const auto json = metadata_json(spec);
  for (const char* key :
       {"id", "case", "instance", "expansion", "requirements", "section", "level", "class", "profile", "tags", "needs",
        "title", "stimulus", "expectation", "accepted_outcomes", "negative", "unkillable_reason"})
    EXPECT_TRUE(json.contains(key)) << key;
  EXPECT_EQ(json["needs"][0], "mptcp");
  EXPECT_EQ(json["level"], "MUST");
}

TEST(Registry, ACaseWithDimensionsBecomesOneInstancePerCombination) {
  Registry registry(small_table());
  CaseSpec spec = valid_spec("connect-base");
  spec.dimensions = {.family = {PathFamily::V4, PathFamily::V6},
                     .transport = {ClientTransport::Tcp, ClientTransport::Mptcp}};
  registry.add(spec);
  registry.add(valid_spec("hdr-version-2"));
  EXPECT_TRUE(registry.problems().empty()) << registry.problems().front();
  std::vector<std::string> ids;
  for (const auto& instance : registry.cases()) ids.push_back(instance.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"connect-base[v4,tcp]", "connect-base[v4,mptcp]", "connect-base[v6,tcp]",
                                           "connect-base[v6,mptcp]", "hdr-version-2"}));
  EXPECT_EQ(registry.case_count(), 2U);
  const CaseSpec* v6 = registry.find("connect-base[v6,mptcp]");
  ASSERT_NE(v6, nullptr);
  EXPECT_EQ(v6->case_id(), "connect-base");
  EXPECT_EQ(v6->instance.family, PathFamily::V6);
  EXPECT_EQ(v6->instance.transport, ClientTransport::Mptcp);
  EXPECT_EQ(v6->expansion, Expansion::Full);
  const auto json = metadata_json(*v6);
  EXPECT_EQ(json["case"], "connect-base");
  EXPECT_EQ(json["instance"]["family"], "v6");
  EXPECT_EQ(json["expansion"], "full");
  EXPECT_TRUE(metadata_problems(*v6).empty());
}

TEST(Registry, ACaseIdUsedByAnotherCasesInstancesIsADuplicate) {
  Registry registry(small_table());
  CaseSpec spec = valid_spec("connect-base");
  spec.dimensions = {.transport = {ClientTransport::Tcp, ClientTransport::Mptcp}};
  registry.add(spec);
  registry.add(valid_spec("connect-base"));
  ASSERT_EQ(registry.problems().size(), 1U);
  EXPECT_NE(registry.problems().front().find("duplicate id"), std::string::npos);
}

TEST(Registry, ThePairwiseSeedChoosesTheInstancesOfLargeGrids) {
  CaseSpec spec = valid_spec("every-path");
  spec.dimensions = {.family = {PathFamily::V4, PathFamily::V6, PathFamily::V6ToV4, PathFamily::V4ToV6},
                     .transport = {ClientTransport::Tcp, ClientTransport::Mptcp},
                     .delivery = {Delivery::Syn, Delivery::Split},
                     .tfo = {TfoOption::None, TfoOption::CookieRequest, TfoOption::BogusCookie}};
  Registry one(small_table(), 1);
  one.add(spec);
  Registry again(small_table(), 1);
  again.add(spec);
  EXPECT_EQ(one.catalog_hash(), again.catalog_hash());
  EXPECT_EQ(one.cases().front().expansion, Expansion::Pairwise);
  EXPECT_EQ(one.cases().front().id, "every-path[v4,tcp,syn,no-tfo]");
  EXPECT_LT(one.cases().size(), spec.dimensions.grid());
}

TEST(Registry, InstancesNeedIpv6ForAnIpv6SideAndLateConvertForALateMessage) {
  CaseSpec spec = valid_spec("paths");
  spec.needs = {Feature::Info};
  spec.dimensions = {.family = {PathFamily::V4, PathFamily::V4ToV6},
                     .transport = {ClientTransport::Tcp, ClientTransport::Mptcp},
                     .delivery = {Delivery::Syn, Delivery::Late}};
  Registry registry(small_table());
  registry.add(spec);
  const auto needs_of = [&](std::string_view id) {
    const CaseSpec* instance = registry.find(id);
    return instance == nullptr ? std::vector<Feature>{} : instance->needs;
  };
  EXPECT_EQ(needs_of("paths[v4,tcp,syn]"), (std::vector<Feature>{Feature::Info}));
  EXPECT_EQ(needs_of("paths[v4-to-v6,mptcp,syn]"), (std::vector<Feature>{Feature::Info, Feature::Ipv6}));
  EXPECT_EQ(needs_of("paths[v4,mptcp,late]"), (std::vector<Feature>{Feature::Info, Feature::LateConvert}));
}

}  // namespace
}  // namespace convtest::harness
