#pragma once
// The client under test (CUT) of the client role: how the harness launches it
// in each case's namespace and which optional behaviours it declares. The
// harness plays the converter and the servers; the CUT is started to reach a
// destination through the converter, writes what it reads on stdin and
// prints what it receives.

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "harness/lab/command_template.hpp"
#include "packetgen/result.hpp"

namespace convtest::harness {

// Optional client behaviours; a case needing an undeclared one is UNSUPPORTED.
enum class ClientFeature : std::uint8_t {
  Mptcp,            // "mptcp": opens MPTCP connections to the converter
  Info,             // "info": sends Info on first contact
  Cookie,           // "cookie": caches a Missing Cookie's cookie and retries with it
  ExtendedConnect,  // "extended-connect": asks for TCP options in an Extended Connect
  Ipv6,             // "ipv6": reaches the converter over IPv6
  Backoff,          // "backoff": waits after Resource Exceeded / Network Failure
};
inline constexpr ClientFeature kAllClientFeatures[] = {ClientFeature::Mptcp,  ClientFeature::Info,
                                                       ClientFeature::Cookie, ClientFeature::ExtendedConnect,
                                                       ClientFeature::Ipv6,   ClientFeature::Backoff};
std::string_view name(ClientFeature feature);
std::optional<ClientFeature> parse_client_feature(std::string_view text);

struct ClientDescription {
  std::string name = "convclient";
  // Placeholders: {conv} {conv6} {conv_addr} {conv_url_host} {conv_port}
  // {dest} {dest_port} {dest_url_host} {bin}; the *_url_host ones put an IPv6
  // address in brackets. {conv_addr} is the converter's address in the
  // family the case reaches it over; {state_dir} a folder kept for the case.
  std::string spawn_template;
  // NAME=VALUE added to the CUT's environment; the same placeholders in VALUE.
  std::vector<std::string> environment;
  std::set<ClientFeature> features;

  bool has(ClientFeature feature) const { return features.count(feature) != 0; }
  std::vector<std::string> feature_names() const;
};

// The built-in CUT: convclient next to the convtest binary.
ClientDescription default_convclient();

// Where one case sends the CUT.
struct CutTarget {
  std::string converter_v4;
  std::string converter_v6;
  std::uint16_t converter_port = 0;
  std::string destination;
  std::uint16_t destination_port = 0;
  bool converter_over_v6 = false;  // the case reaches the converter over IPv6
  // A folder that lives as long as the case: a CUT started twice in one
  // case keeps what it must remember there (a converter's back-off).
  std::string state_dir{};
};
// The placeholders' values for `target`, {bin} included.
NamedValues client_placeholders(const CutTarget& target, const std::filesystem::path& bin_dir);

// The "client" object of a PUT description file: {"name", "spawn",
// "environment", "features"}, every key optional (convclient's values then).
packetgen::Result<ClientDescription, std::string> client_from_json(const nlohmann::json& document);
nlohmann::json to_json(const ClientDescription& client);

// "--client-features mptcp,info" / "none"; an error names the unknown word.
packetgen::Result<std::set<ClientFeature>, std::string> parse_client_features(std::string_view text);
// "NAME=VALUE" with a non-empty name of letters, digits and '_'.
std::optional<std::string> client_env_problem(std::string_view entry);

}  // namespace convtest::harness
