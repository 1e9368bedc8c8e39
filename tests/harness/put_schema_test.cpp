// The published schema of the PUT file (reports/schema/put-v1.schema.json)
// agrees with the field table, accepts docker/put.json and whatever the
// writer produces, and rejects what the reader rejects.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "harness/put/put_description.hpp"
#include "harness/put/put_fields.hpp"

namespace convtest::harness {
namespace {

nlohmann::json schema() {
  std::ifstream in(CONVTEST_PUT_SCHEMA);
  return nlohmann::json::parse(in);
}

std::filesystem::path written(const std::string& name, const nlohmann::json& document) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("convtest-put-schema-" + std::to_string(::getpid()) + "-" + name + ".json");
  std::ofstream(path) << document.dump(2) << "\n";
  return path;
}

// How many of `documents` the schema rejects (Draft 2020-12 with formats, by python3-jsonschema).
int rejected(const std::vector<std::filesystem::path>& documents) {
  std::string command =
      "python3 -c 'import json, sys, jsonschema\n"
      "schema = json.load(open(sys.argv[1]))\n"
      "jsonschema.Draft202012Validator.check_schema(schema)\n"
      "v = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())\n"
      "sys.exit(sum(1 for f in sys.argv[2:] if not v.is_valid(json.load(open(f)))))' '" CONVTEST_PUT_SCHEMA "'";
  for (const auto& document : documents) command += " '" + document.string() + "'";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(PutSchema, KeysAndRangesAreTheFieldTable) {
  const nlohmann::json properties = schema().at("properties");
  std::set<std::string> table_keys;
  for (const PutField& field : put_fields()) {
    const std::string key(field.key);
    table_keys.insert(key);
    ASSERT_TRUE(properties.contains(key)) << key;
    if (field.range) {
      EXPECT_EQ(properties[key].at("minimum").get<double>(), field.range->min) << key;
      EXPECT_EQ(properties[key].at("maximum").get<double>(), field.range->max) << key;
    }
  }
  std::set<std::string> schema_keys;
  for (const auto& [key, value] : properties.items()) schema_keys.insert(key);
  table_keys.insert("client");  // an object of its own: the client role's CUT
  EXPECT_EQ(schema_keys, table_keys);
  std::set<std::string> client_features;
  for (ClientFeature feature : kAllClientFeatures) client_features.emplace(name(feature));
  EXPECT_EQ(properties["client"]["properties"]["features"]["items"]["enum"].get<std::set<std::string>>(),
            client_features);
  std::set<std::string> features;
  for (Feature feature : kAllFeatures) features.emplace(name(feature));
  EXPECT_EQ(properties["features"]["items"]["enum"].get<std::set<std::string>>(), features);
}

TEST(PutSchema, AcceptsTheComposeLabAndTheWriter) {
  PutDescription full = default_convproxy();
  full.mode = PutMode::Remote;
  full.iface = "eth1";
  full.netns_path = "/proc/1/ns/net";
  full.image_digest = "sha256:4f3a";
  full.startup_seconds = 0.5;
  full.client = ClientDescription{.name = "curl+preload",
                                  .spawn_template = "curl -sS http://{dest_url_host}:{dest_port}/",
                                  .environment = {"LD_PRELOAD=/usr/lib/libconvert.so"},
                                  .features = {ClientFeature::Info}};
  PutDescription no_ipv6 = without_convproxy_facts(default_convproxy());
  no_ipv6.address6.clear();
  const std::vector<std::filesystem::path> documents = {
      CONVTEST_DOCKER_PUT, written("convproxy", to_json(default_convproxy())), written("full", to_json(full)),
      written("no-ipv6", to_json(no_ipv6))};
  EXPECT_EQ(rejected(documents), 0);
  for (const auto& document : documents) {
    std::ifstream in(document);
    const auto read = put_from_json(nlohmann::json::parse(in));
    EXPECT_TRUE(read.ok()) << document << ": " << read.error();
    if (document != CONVTEST_DOCKER_PUT) std::filesystem::remove(document);
  }
}

TEST(PutSchema, RejectsWhatTheReaderRejects) {
  const std::vector<nlohmann::json> mistakes = {
      {{"session_limit", -1}},      {{"session_limit", 0}},       {{"port", 70000}},
      {{"port", "5124"}},           {{"cookie_max_age", 7200}},   {{"startup_seconds", 61}},
      {{"address", "192.0.2"}},     {{"address6", "192.0.2.1"}},  {{"acl_denied", {"nobody"}}},
      {{"features", {"teleport"}}}, {{"mode", "carrier-pigeon"}}, {{"prot", 5124}},
  };
  std::vector<std::filesystem::path> documents;
  for (std::size_t i = 0; i < mistakes.size(); ++i) {
    EXPECT_FALSE(put_from_json(mistakes[i]).ok()) << mistakes[i].dump();
    documents.push_back(written("mistake-" + std::to_string(i), mistakes[i]));
  }
  EXPECT_EQ(rejected(documents), static_cast<int>(documents.size()));
  for (const auto& document : documents) std::filesystem::remove(document);
}

}  // namespace
}  // namespace convtest::harness
