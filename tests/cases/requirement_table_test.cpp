// The requirement table of the catalog: complete for every cited id, strict
// about ids it lacks, and the JSON listings (`list --format json`,
// `list --requirements --format json`) valid against their published schemas.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "catalog.hpp"
#include "requirements/requirements.hpp"

namespace convtest::cases {
namespace {

std::string convtest_output(const std::string& arguments) {
  const std::string command = std::string("'") + CONVTEST_BINARY + "' " + arguments;
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return output;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  EXPECT_EQ(::pclose(pipe), 0) << command;
  return output;
}

// Draft 2020-12 validation by python3-jsonschema (scripts/install-deps.sh); 0 = valid.
int validate(const std::string& document, const std::string& schema_name) {
  const auto path = std::filesystem::temp_directory_path() / ("convtest-" + schema_name + ".json");
  std::ofstream(path) << document;
  const std::string command =
      "python3 -c 'import json, sys, jsonschema\n"
      "schema = json.load(open(sys.argv[1]))\n"
      "jsonschema.Draft202012Validator.check_schema(schema)\n"
      "jsonschema.Draft202012Validator(schema).validate(json.load(open(sys.argv[2])))' '" +
      std::string(SCHEMA_DIR) + "/" + schema_name + ".schema.json' '" + path.string() + "'";
  const int status = std::system(command.c_str());
  std::filesystem::remove(path);
  return status;
}

TEST(RequirementTable, HasNoProblems) {
  for (const auto& problem : requirement_table().problems()) ADD_FAILURE() << problem;
}

TEST(RequirementTable, RejectsAnIdItLacks) {
  harness::Registry registry(requirement_table());
  harness::CaseSpec spec;
  spec.id = "err-server-rst-96";
  spec.requirements = {"CONV-071", "AMB-36"};  // one past the last row of each kind
  spec.section = "6.2.8";
  spec.title = spec.stimulus = spec.expectation = "t";
  spec.accepted_outcomes = {"o"};
  spec.run = [](harness::CaseContext&) { return harness::CaseOutcome::pass(""); };
  registry.add(spec);
  ASSERT_EQ(registry.problems().size(), 2U);
  EXPECT_NE(registry.problems()[0].find("cites CONV-071, which is not in the requirement table"), std::string::npos);
  EXPECT_NE(registry.problems()[1].find("cites AMB-36, which is not in the requirement table"), std::string::npos);
}

TEST(RequirementTable, ListsEveryCitedIdWithItsCases) {
  const auto listing = nlohmann::json::parse(convtest_output("list --requirements --format json"));
  std::set<std::string> listed;
  for (const auto& row : listing["requirements"]) listed.insert(row["id"].get<std::string>());
  const auto registry = make_catalog();
  for (const auto& spec : registry.cases())
    for (const auto& requirement : spec.requirements) {
      EXPECT_EQ(listed.count(requirement), 1U) << spec.id << " cites " << requirement;
      const auto* row = registry.requirements().find(requirement);
      ASSERT_NE(row, nullptr) << requirement;
      if (row->kind() == harness::RequirementKind::Ambiguity) {
        EXPECT_FALSE(row->position.empty()) << requirement;
      }
    }
  // The listing names cases, not their instances.
  const auto first_instance = [&registry](const std::string& case_id) -> const harness::CaseSpec* {
    for (const auto& spec : registry.cases())
      if (spec.case_id() == case_id) return &spec;
    return nullptr;
  };
  for (const auto& row : listing["requirements"])
    for (const auto& id : row["cases"]) {
      const auto* spec = first_instance(id.get<std::string>());
      ASSERT_NE(spec, nullptr) << id;
      EXPECT_NE(std::find(spec->requirements.begin(), spec->requirements.end(), row["id"]), spec->requirements.end());
    }
}

TEST(RequirementTable, JsonListingsValidateAgainstTheirSchemas) {
  EXPECT_EQ(validate(convtest_output("list --requirements --format json"), "requirements-v1"), 0);
  EXPECT_EQ(validate(convtest_output("list --format json"), "list-v1"), 0);
}

TEST(RequirementTable, TextAndMarkdownShowPositions) {
  const std::string text = convtest_output("list --requirements");
  EXPECT_NE(text.find("AMB-05"), std::string::npos);
  EXPECT_NE(text.find("position:"), std::string::npos);
  const std::string markdown = convtest_output("list --requirements --format markdown");
  EXPECT_NE(markdown.find("## Ambiguity positions"), std::string::npos);
  EXPECT_NE(markdown.find("| REF-10 |"), std::string::npos);
  EXPECT_NE(markdown.find("| CLI-018 |"), std::string::npos);
}

}  // namespace
}  // namespace convtest::cases
