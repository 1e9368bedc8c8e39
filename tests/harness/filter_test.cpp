#include "harness/runner/filter.hpp"

#include <gtest/gtest.h>

namespace convtest::harness {
namespace {

// The rows the cases below cite; their texts do not matter to filtering.
RequirementTable cited_requirements() {
  std::vector<Requirement> rows;
  for (std::string_view id : {"CONV-035", "CONV-045", "CONV-I11", "CONV-005", "CONV-I20", "CONV-020"})
    rows.push_back({.id = id, .section = "6", .level = "MUST", .sentence = "s"});
  rows.push_back(
      {.id = "AMB-06", .section = "6.1", .level = "position", .sentence = "s", .position = "p", .rationale = "r"});
  return RequirementTable(std::move(rows));
}

Registry catalog() {
  Registry registry(cited_requirements());
  const auto add = [&](std::string id, std::vector<std::string> requirements, std::string section, reports::Level level,
                       std::vector<std::string> tags) {
    CaseSpec spec;
    spec.id = std::move(id);
    spec.requirements = std::move(requirements);
    spec.section = std::move(section);
    spec.level = level;
    spec.tags = std::move(tags);
    spec.title = spec.stimulus = spec.expectation = "t";
    spec.accepted_outcomes = {"o"};
    spec.run = [](CaseContext&) { return CaseOutcome::pass(""); };
    registry.add(std::move(spec));
  };
  add("hdr-version-2", {"CONV-035", "AMB-06"}, "6.1", reports::Level::Must, {"header", "error"});
  add("err-server-rst-96", {"CONV-045"}, "6.2.8", reports::Level::Must, {"error"});
  add("connect-base-ipv6", {"CONV-I11"}, "6.2.5", reports::Level::Must, {"ipv6"});
  add("syn-ignored", {"CONV-005"}, "6", reports::Level::Should, {"ignore"});
  add("mbox-tfo", {"CONV-I20"}, "App. A.2", reports::Level::Behaviour, {"middlebox"});
  add("section-20", {"CONV-020"}, "6.20", reports::Level::Must, {});
  CaseSpec relayed;
  relayed.id = "flow-relay";
  relayed.requirements = {"CONV-I11"};
  relayed.section = "4.3";
  relayed.title = relayed.stimulus = relayed.expectation = "t";
  relayed.accepted_outcomes = {"o"};
  relayed.dimensions = {.family = {PathFamily::V4, PathFamily::V6},
                        .transport = {ClientTransport::Tcp, ClientTransport::Mptcp}};
  relayed.run = [](CaseContext&) { return CaseOutcome::pass(""); };
  registry.add(std::move(relayed));
  return registry;
}

std::vector<std::string> ids(const Selection& selection) {
  const Registry registry = catalog();
  std::vector<std::string> out;
  for (const CaseSpec* spec : select(registry, selection)) out.push_back(spec->id);
  return out;
}

using Ids = std::vector<std::string>;

Selection of_cases(std::vector<std::string> cases) {
  Selection selection;
  selection.cases = std::move(cases);
  return selection;
}

TEST(Filter, EmptySelectionSelectsAll) { EXPECT_EQ(ids({}).size(), 10U); }

TEST(Filter, ACaseIdSelectsEveryInstanceAndAnInstanceIdOnlyItself) {
  EXPECT_EQ(ids(of_cases({"flow-relay"})),
            (Ids{"flow-relay[v4,tcp]", "flow-relay[v4,mptcp]", "flow-relay[v6,tcp]", "flow-relay[v6,mptcp]"}));
  // Brackets would be a character class to fnmatch: an instance id is matched as it is written.
  EXPECT_EQ(ids(of_cases({"flow-relay[v6,mptcp]"})), (Ids{"flow-relay[v6,mptcp]"}));
  Selection excluding;
  excluding.excludes = {"flow-relay[v4,tcp]", "hdr-*", "err-*", "connect-*", "syn-*", "mbox-*", "section-*"};
  EXPECT_EQ(ids(excluding), (Ids{"flow-relay[v4,mptcp]", "flow-relay[v6,tcp]", "flow-relay[v6,mptcp]"}));
}

TEST(Filter, DimensionFiltersKeepInstancesWithTheirValuesOrDefaults) {
  DimensionFilter v6;
  ASSERT_EQ(parse_dimension_filter("family=v6", v6), std::nullopt);
  DimensionFilter mptcp;
  ASSERT_EQ(parse_dimension_filter("transport=mptcp", mptcp), std::nullopt);
  Selection both;
  both.dimensions = {v6, mptcp};
  EXPECT_EQ(ids(both), (Ids{"flow-relay[v6,mptcp]"}));
  DimensionFilter v4;
  ASSERT_EQ(parse_dimension_filter("family=v4", v4), std::nullopt);
  // A case that does not vary the family runs with IPv4 and is kept.
  Selection only_v4;
  only_v4.dimensions = {v4};
  EXPECT_EQ(ids(only_v4).size(), 8U);
}

TEST(Filter, CaseListsSplitAtCommasOutsideBrackets) {
  EXPECT_EQ(split_case_patterns({"a,b[v6,mptcp],c", "d"}), (Ids{"a", "b[v6,mptcp]", "c", "d"}));
}

TEST(Filter, GlobsOnCaseIdAreCaseInsensitive) {
  Selection selection;
  selection.cases = {"HDR-*", "err-*-96"};
  EXPECT_EQ(ids(selection), (Ids{"hdr-version-2", "err-server-rst-96"}));
}

TEST(Filter, RequirementGlobMatchesAnyOfTheCaseRequirements) {
  Selection selection;
  selection.requirements = {"amb-06"};
  EXPECT_EQ(ids(selection), (Ids{"hdr-version-2"}));
  selection.requirements = {"CONV-0[04]*"};
  EXPECT_EQ(ids(selection), (Ids{"err-server-rst-96", "syn-ignored"}));
}

TEST(Filter, SectionSelectsSubsectionsButNotSiblings) {
  Selection selection;
  selection.sections = {"6.2"};
  EXPECT_EQ(ids(selection), (Ids{"err-server-rst-96", "connect-base-ipv6"}));
  selection.sections = {"§6"};
  EXPECT_EQ(ids(selection).size(), 5U);  // all but the appendix
  selection.sections = {"App. A*"};
  EXPECT_EQ(ids(selection), (Ids{"mbox-tfo"}));
}

TEST(Filter, LevelAndTagCombineWithAnd) {
  Selection selection;
  selection.levels = {"must"};
  selection.tags = {"error"};
  EXPECT_EQ(ids(selection), (Ids{"hdr-version-2", "err-server-rst-96"}));
  selection.levels = {"SHOULD", "behaviour"};
  selection.tags = {};
  EXPECT_EQ(ids(selection), (Ids{"syn-ignored", "mbox-tfo"}));
}

TEST(Filter, ExcludeMatchesIdRequirementSectionOrTag) {
  Selection selection;
  selection.excludes = {"ipv6", "CONV-045", "hdr-*", "App. A.2", "6.20", "4.3"};
  EXPECT_EQ(ids(selection), (Ids{"syn-ignored"}));
}

TEST(Filter, SelectionCanBeEmpty) {
  Selection selection;
  selection.cases = {"does-not-exist"};
  EXPECT_TRUE(ids(selection).empty());
}

TEST(Filter, UnknownLevelsAreUsageErrors) {
  Selection selection;
  selection.levels = {"MUST", "SHALL"};
  const auto problems = selection_problems(selection);
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_NE(problems[0].find("SHALL"), std::string::npos);
}

}  // namespace
}  // namespace convtest::harness
