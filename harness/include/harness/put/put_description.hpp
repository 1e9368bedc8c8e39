#pragma once
// The facts the suite needs about a proxy under test (docs/design.md, "The PUT description"):
// how to reach or launch it, and which optional features it declares. Read
// from flags or a small JSON file; cases needing an undeclared feature are
// UNSUPPORTED, not FAIL.

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "harness/put/client_description.hpp"
#include "packetgen/result.hpp"

namespace convtest::harness {

// Optional capabilities of a converter; a case lists the ones it needs.
enum class Feature : std::uint8_t {
  Mptcp,         // MPTCP towards clients (MP_CAPABLE in its SYN-ACK)
  Cookie,        // cookie mode (Cookie TLV, Missing Cookie)
  Info,          // answers Info with Supported TCP Extensions
  Ipv6,          // listens on IPv6 and connects to IPv6 servers
  TfoUpstream,   // TFO towards servers (advertises kind 34)
  Acl,           // a client ACL; denied addresses in acl_denied
  SessionLimit,  // a session limit; its value in session_limit
  LateConvert,   // takes a Convert message that arrives after the handshake (AMB-13)
};
inline constexpr Feature kAllFeatures[] = {Feature::Mptcp,        Feature::Cookie,      Feature::Info,
                                           Feature::Ipv6,         Feature::TfoUpstream, Feature::Acl,
                                           Feature::SessionLimit, Feature::LateConvert};
std::string_view name(Feature feature);  // "mptcp", "cookie", "info", "ipv6", "tfo", "acl", "limit", "late-convert"
std::optional<Feature> parse_feature(std::string_view text);

// How the suite reaches the PUT.
enum class PutMode : std::uint8_t {
  Spawn,   // launched inside each case's namespace from a command template
  Netns,   // already running in a namespace the harness joins (--netns PATH)
  Remote,  // on another box, reached over a NIC at L2 (--remote --iface IF)
};
std::string_view name(PutMode mode);  // "spawn", "netns", "remote"

struct PutDescription {
  std::string name = "convproxy";
  PutMode mode = PutMode::Spawn;
  // Placeholders: {addr} {addr6} {port} {bin} (the directory of convtest).
  std::string spawn_template;
  std::string netns_path;  // Netns mode
  std::string iface;       // Remote mode
  std::string address4 = "192.0.2.1";
  std::string address6 = "2001:db8:1::1";  // empty: the PUT has no IPv6 address
  std::uint16_t port = 5124;
  std::set<Feature> features;
  std::vector<std::string> acl_denied;  // client addresses the PUT's ACL refuses
  // With feature cookie: client addresses from which the PUT requires a
  // cookie (the others are served without one). Empty: every client.
  std::vector<std::string> cookie_clients;
  std::optional<unsigned> session_limit;
  // With feature cookie: the longest time, in seconds, a cookie the PUT
  // issued stays valid (key rotation plus grace). Unset: the stale-cookie case
  // is UNSUPPORTED.
  std::optional<unsigned> cookie_max_age;
  std::optional<std::string> image_digest;  // container image, for provenance
  // The PUT's version as its vendor names it (--put-version); without it the
  // report asks the spawned executable for `--version`.
  std::optional<std::string> version;
  // Seconds the PUT needs after launch before it accepts connections.
  double startup_seconds = 2.0;
  // The client role's client under test, from the file's "client" object
  // (--client-* flags override it).
  std::optional<ClientDescription> client;

  bool has(Feature feature) const { return features.count(feature) != 0; }
  std::vector<std::string> feature_names() const;
};

using PutResult = packetgen::Result<PutDescription, std::string>;

// The built-in target: convproxy next to the convtest binary, in the local lab.
PutDescription default_convproxy();

// JSON form (keys, flags and allowed values: harness/put/put_fields.hpp;
// schema: reports/schema/put-v1.schema.json). Unknown keys and values out of
// range are errors, so a typo never silently changes what is tested.
PutResult put_from_json(const nlohmann::json& document);
PutResult load_put_file(const std::filesystem::path& path);
nlohmann::json to_json(const PutDescription& put);

// Every problem of a description, one line each (empty: usable).
std::vector<std::string> validate(const PutDescription& put);

// The template with {bin} replaced by the directory of the convtest binary;
// the other placeholders are the lab's (harness/lab/command_template.hpp).
std::string with_bin_dir(std::string_view command_template, const std::filesystem::path& bin_dir);

// Shell-quoted single word for repro lines.
std::string shell_quote(std::string_view word);

// Flags that recreate this description on a command line (for repro lines):
// every field whose value differs from what those flags start from.
std::vector<std::string> to_flags(const PutDescription& put);

}  // namespace convtest::harness
