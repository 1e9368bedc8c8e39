// The event file of `convtest matrix`: what it reads, and every problem as
// one value naming the field (docs/interop-event.md).

#include "harness/matrix/event.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "harness/matrix/pair_cell.hpp"

namespace convtest::harness::matrix {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

json converter(const std::string& id) {
  return {{"id", id}, {"put", {{"name", id}, {"spawn", "{bin}/convproxy --listen {addr}"}, {"features", {"mptcp"}}}}};
}

json minimal() {
  return {{"format", "convtest-event"},
          {"version", 1},
          {"converters", {converter("a")}},
          {"clients", {{{"client", {{"name", "convclient"}}}}}}};
}

std::string problem(const json& document, const fs::path& base = ".") {
  auto event = event_from_json(document, base);
  EXPECT_FALSE(event.ok());
  return event.ok() ? "" : event.error();
}

TEST(Event, AMinimalEventTakesTheDefaults) {
  auto event = event_from_json(minimal(), ".");
  ASSERT_TRUE(event.ok()) << event.error();
  EXPECT_EQ(event->converters.at(0).id, "a");
  EXPECT_EQ(event->clients.at(0).id, "convclient");  // the description's name
  ASSERT_EQ(event->profiles.size(), 1U);
  EXPECT_EQ(event->profiles[0].name, "none");
  EXPECT_EQ(event->pairs.families.size(), 2U);
  EXPECT_EQ(event->pairs.transports.size(), 2U);
  EXPECT_TRUE(event->converter_selection.empty());
}

TEST(Event, SelectionsProfilesAndPairsAreRead) {
  json document = minimal();
  document["profiles"] = {"none", "mptcp-stripped"};
  document["converter_selection"] = {{"case", {"hdr-*"}}, {"dim", {"family=v4"}}};
  document["pairs"] = {{"request_bytes", 100}, {"families", {"v6"}}, {"transports", {"mptcp"}}, {"cell_seconds", 5}};
  auto event = event_from_json(document, ".");
  ASSERT_TRUE(event.ok()) << event.error();
  EXPECT_TRUE(event->profiles[1].strips_mptcp);
  EXPECT_EQ(event->converter_selection, (std::vector<std::string>{"--case", "hdr-*", "--dim", "family=v4"}));
  EXPECT_EQ(event->pairs.request_bytes, 100U);
  EXPECT_EQ(event->pairs.families, std::vector<PairFamily>{PairFamily::V6});
  EXPECT_EQ(event->pairs.transports, std::vector<PairTransport>{PairTransport::Mptcp});
}

TEST(Event, AClientOnABoxIsReadWithItsLinkAndAddresses) {
  json document = minimal();
  document["clients"][0]["remote"] = {{"iface", "eth1"}, {"address6", ""}};
  auto event = event_from_json(document, ".");
  ASSERT_TRUE(event.ok()) << event.error();
  ASSERT_TRUE(event->clients.at(0).box.has_value());
  EXPECT_EQ(event->clients[0].box->iface, "eth1");
  EXPECT_EQ(event->clients[0].box->address4, "192.0.2.100");  // the lab plan's first client
  EXPECT_EQ(event->clients[0].box->address6, "");             // none
  EXPECT_FALSE(event_from_json(minimal(), ".")->clients.at(0).box.has_value());
}

TEST(Event, AClientBoxWithoutALinkOrWithABadAddressIsRefused) {
  json document = minimal();
  document["clients"][0]["remote"] = json::object();
  EXPECT_NE(problem(document).find("\"iface\" must name the interface"), std::string::npos) << problem(document);
  document["clients"][0]["remote"] = {{"iface", "eth1"}, {"address", "2001:db8::1"}};
  EXPECT_NE(problem(document).find("\"address\" must be an IPv4 address"), std::string::npos) << problem(document);
  document["clients"][0]["remote"] = {{"iface", "eth1"}, {"address6", "192.0.2.9"}};
  EXPECT_NE(problem(document).find("\"address6\" must be an IPv6 address"), std::string::npos) << problem(document);
  document["clients"][0]["remote"] = {{"iface", "eth1"}, {"port", 1}};
  EXPECT_NE(problem(document).find("unknown key \"port\""), std::string::npos) << problem(document);
}

TEST(Event, APairCellSkipsOnlyWhatItCannotRun) {
  PairCellSpec spec;
  spec.converter.mode = PutMode::Remote;
  spec.converter.iface = "eth1";
  spec.converter.features = {Feature::Ipv6, Feature::Mptcp};
  spec.client.features = {ClientFeature::Ipv6, ClientFeature::Mptcp};
  EXPECT_EQ(pair_cell_skip_reason(spec), "");  // a converter on a box has pair cells
  spec.client_box = ClientBox{"eth2"};
  EXPECT_EQ(pair_cell_skip_reason(spec), "");
  spec.client_box->iface = "eth1";
  EXPECT_NE(pair_cell_skip_reason(spec).find("both on eth1"), std::string::npos);
  spec.client_box = ClientBox{"eth2", "192.0.2.100", ""};
  spec.family = PairFamily::V6;
  EXPECT_EQ(pair_cell_skip_reason(spec), "the client's box has no IPv6 address");
}

TEST(Event, EveryProblemNamesItsField) {
  json document = minimal();
  document["colour"] = "blue";
  EXPECT_NE(problem(document).find("unknown key \"colour\""), std::string::npos);
  document = minimal();
  document["converters"][0]["put"]["features"] = {"teleport"};
  EXPECT_NE(problem(document).find("\"converters\"[0]: \"put\""), std::string::npos) << problem(document);
  document = minimal();
  document["converters"].push_back(converter("a"));
  EXPECT_NE(problem(document).find("id \"a\" is used twice"), std::string::npos);
  document = minimal();
  document["converters"][0]["id"] = "../a";
  EXPECT_NE(problem(document).find("id \"../a\""), std::string::npos);
  document = minimal();
  document["profiles"] = {"wormhole"};
  EXPECT_NE(problem(document).find("unknown profile \"wormhole\""), std::string::npos);
  document = minimal();
  document["client_selection"] = {{"dim", {"colour=blue"}}};
  EXPECT_NE(problem(document).find("\"client_selection\""), std::string::npos);
  document = minimal();
  document["pairs"] = {{"request_bytes", 0}};
  EXPECT_NE(problem(document).find("\"request_bytes\""), std::string::npos);
  document = minimal();
  document["version"] = 2;
  EXPECT_NE(problem(document).find("\"version\""), std::string::npos);
  document = minimal();
  document["converters"][0]["expect"] = "no-such.expect";
  EXPECT_NE(problem(document).find("\"expect\""), std::string::npos);
  EXPECT_NE(problem(json{{"format", "convtest-event"}, {"version", 1}}).find("nothing to run"), std::string::npos);
}

TEST(Event, PathsStartAtTheEventFilesFolder) {
  const fs::path dir = fs::temp_directory_path() / ("convtest-event-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "vendor.json") << converter("v")["put"].dump();
  std::ofstream(dir / "client.json") << json{{"client", {{"name", "vc"}, {"spawn", "vc {dest}"}}}}.dump();
  std::ofstream(dir / "v.expect") << "hdr-* FAIL known\n";
  json document = minimal();
  document["converters"] = {{{"put", "vendor.json"}, {"expect", "v.expect"}}};
  document["clients"] = {{{"client", "client.json"}}};
  std::ofstream(dir / "event.json") << document.dump();
  auto event = load_event(dir / "event.json");
  ASSERT_TRUE(event.ok()) << event.error();
  EXPECT_EQ(event->converters.at(0).id, "v");
  EXPECT_EQ(event->converters.at(0).expect, dir / "v.expect");
  EXPECT_EQ(event->clients.at(0).client.spawn_template, "vc {dest}");
  std::ofstream(dir / "broken.json") << "{";
  auto broken = load_event(dir / "broken.json");
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().find("not valid JSON"), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace convtest::harness::matrix
