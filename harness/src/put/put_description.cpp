#include "harness/put/put_description.hpp"

#include <arpa/inet.h>

#include <array>
#include <fstream>
#include <sstream>
#include <utility>

#include <fmt/format.h>

namespace convtest::harness {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<Feature, std::string_view>, 7> kFeatureNames{{
    {Feature::Mptcp, "mptcp"},
    {Feature::Cookie, "cookie"},
    {Feature::Info, "info"},
    {Feature::Ipv6, "ipv6"},
    {Feature::TfoUpstream, "tfo"},
    {Feature::Acl, "acl"},
    {Feature::SessionLimit, "limit"},
}};

constexpr std::array<std::pair<PutMode, std::string_view>, 3> kModeNames{{
    {PutMode::Spawn, "spawn"},
    {PutMode::Netns, "netns"},
    {PutMode::Remote, "remote"},
}};

bool is_ip_address(const std::string& text, int family) {
  std::array<unsigned char, 16> buffer{};
  return ::inet_pton(family, text.c_str(), buffer.data()) == 1;
}

const std::set<std::string> kJsonKeys{"name",     "mode",       "spawn",          "netns",
                                      "iface",    "address",    "address6",       "port",
                                      "features", "acl_denied", "cookie_clients", "session_limit", "cookie_max_age",
                                      "image_digest", "startup_seconds"};

// The built-in convproxy configuration: one set of flags under which every
// case of the catalog can run. Clients 192.0.2.100-199 and 2001:db8:1::100-1ff
// (the ones cases use by default) are allowed and need no cookie; a few
// addresses outside that range are refused by the ACL (192.0.2.224-255,
// 2001:db8:1::8000 and up). Short timeouts keep the timeout cases fast; the
// limits are small enough for the limit cases and far above what any other
// case opens.
constexpr std::string_view kConvproxyTemplate =
    "{bin}/convproxy --listen {addr} --listen {addr6} --port {port}"
    " --allow 127.0.0.0/8 --allow ::1 --allow 192.0.2.0/25 --allow 192.0.2.128/26 --allow 192.0.2.192/27"
    " --allow 2001:db8:1::/113"
    " --cookie-clients 192.0.2.208/28 --cookie-clients 2001:db8:1::c00/120"
    " --cookie-rotation 1"
    " --max-sessions 8 --max-pending-per-client 4 --convert-timeout 1000 --connect-timeout 1500";

// Reads one optional member with the expected JSON type.
template <class T>
std::string read_member(const json& document, const char* key, T& target) {
  if (!document.contains(key)) return {};
  try {
    target = document.at(key).get<T>();
  } catch (const json::exception&) {
    return fmt::format("PUT description: \"{}\" has the wrong type", key);
  }
  return {};
}

}  // namespace

std::string_view name(Feature feature) {
  for (const auto& [value, label] : kFeatureNames)
    if (value == feature) return label;
  return "?";
}

std::optional<Feature> parse_feature(std::string_view text) {
  for (const auto& [value, label] : kFeatureNames)
    if (label == text) return value;
  return std::nullopt;
}

std::string_view name(PutMode mode) {
  for (const auto& [value, label] : kModeNames)
    if (value == mode) return label;
  return "?";
}

std::vector<std::string> PutDescription::feature_names() const {
  std::vector<std::string> names;
  for (Feature feature : features) names.emplace_back(harness::name(feature));
  return names;
}

PutDescription default_convproxy() {
  PutDescription put;
  put.name = "convproxy";
  put.mode = PutMode::Spawn;
  put.spawn_template = std::string(kConvproxyTemplate);
  put.features = {Feature::Mptcp, Feature::Info, Feature::Ipv6, Feature::TfoUpstream, Feature::Acl,
                  Feature::SessionLimit, Feature::Cookie};
  put.cookie_clients = {"192.0.2.210", "192.0.2.211", "2001:db8:1::c10", "2001:db8:1::c11"};
  put.acl_denied = {"192.0.2.250", "2001:db8:1::dead"};
  put.session_limit = 8;
  put.cookie_max_age = 2;  // --cookie-rotation 1: a cookie lives in its slot and the next one
  return put;
}

PutResult put_from_json(const json& document) {
  if (!document.is_object()) return packetgen::failure(std::string("PUT description: not a JSON object"));
  for (const auto& [key, value] : document.items())
    if (kJsonKeys.count(key) == 0)
      return packetgen::failure(fmt::format("PUT description: unknown key \"{}\"", key));

  PutDescription put;
  put.spawn_template.clear();
  std::string mode = "spawn";
  std::vector<std::string> features;
  unsigned limit = 0;
  unsigned cookie_age = 0;
  std::string digest;
  int port = put.port;
  for (const std::string& error :
       {read_member(document, "name", put.name), read_member(document, "mode", mode),
        read_member(document, "spawn", put.spawn_template),
        read_member(document, "netns", put.netns_path), read_member(document, "iface", put.iface),
        read_member(document, "address", put.address4),
        read_member(document, "address6", put.address6), read_member(document, "port", port),
        read_member(document, "features", features),
        read_member(document, "acl_denied", put.acl_denied),
        read_member(document, "cookie_clients", put.cookie_clients),
        read_member(document, "session_limit", limit),
        read_member(document, "cookie_max_age", cookie_age),
        read_member(document, "image_digest", digest),
        read_member(document, "startup_seconds", put.startup_seconds)})
    if (!error.empty()) return packetgen::failure(error);

  bool mode_known = false;
  for (const auto& [value, label] : kModeNames)
    if (label == mode) put.mode = value, mode_known = true;
  if (!mode_known)
    return packetgen::failure(fmt::format("PUT description: unknown mode \"{}\"", mode));
  if (port < 1 || port > 65535)
    return packetgen::failure(fmt::format("PUT description: port {} is out of range", port));
  put.port = static_cast<std::uint16_t>(port);
  for (const auto& feature : features) {
    auto parsed = parse_feature(feature);
    if (!parsed) return packetgen::failure(fmt::format("PUT description: unknown feature \"{}\"", feature));
    put.features.insert(*parsed);
  }
  if (document.contains("session_limit")) put.session_limit = limit;
  if (document.contains("cookie_max_age")) put.cookie_max_age = cookie_age;
  if (!digest.empty()) put.image_digest = digest;
  return put;
}

PutResult load_put_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return packetgen::failure(fmt::format("cannot read PUT description {}", path.string()));
  json document = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded())
    return packetgen::failure(fmt::format("PUT description {} is not valid JSON", path.string()));
  return put_from_json(document);
}

json to_json(const PutDescription& put) {
  json document = {
      {"name", put.name},         {"mode", name(put.mode)},
      {"address", put.address4},  {"address6", put.address6},
      {"port", put.port},         {"features", put.feature_names()},
      {"acl_denied", put.acl_denied}, {"cookie_clients", put.cookie_clients},
      {"startup_seconds", put.startup_seconds},
  };
  if (!put.spawn_template.empty()) document["spawn"] = put.spawn_template;
  if (!put.netns_path.empty()) document["netns"] = put.netns_path;
  if (!put.iface.empty()) document["iface"] = put.iface;
  if (put.session_limit) document["session_limit"] = *put.session_limit;
  if (put.cookie_max_age) document["cookie_max_age"] = *put.cookie_max_age;
  if (put.image_digest) document["image_digest"] = *put.image_digest;
  return document;
}

std::vector<std::string> validate(const PutDescription& put) {
  std::vector<std::string> problems;
  switch (put.mode) {
    case PutMode::Spawn:
      if (put.spawn_template.empty()) problems.emplace_back("spawn mode needs a command template (--spawn)");
      break;
    case PutMode::Netns:
      if (put.netns_path.empty()) problems.emplace_back("netns mode needs a namespace path (--netns)");
      break;
    case PutMode::Remote:
      if (put.iface.empty()) problems.emplace_back("remote mode needs an interface (--iface)");
      break;
  }
  if (!is_ip_address(put.address4, AF_INET))
    problems.push_back(fmt::format("PUT address \"{}\" is not an IPv4 address", put.address4));
  if (!put.address6.empty() && !is_ip_address(put.address6, AF_INET6))
    problems.push_back(fmt::format("PUT address \"{}\" is not an IPv6 address", put.address6));
  if (put.has(Feature::Ipv6) && put.address6.empty())
    problems.emplace_back("feature ipv6 is declared but the PUT has no IPv6 address");
  if (put.has(Feature::Acl) && put.acl_denied.empty())
    problems.emplace_back("feature acl is declared but no denied client address is given (--acl-denied)");
  for (const auto& address : put.acl_denied)
    if (!is_ip_address(address, AF_INET) && !is_ip_address(address, AF_INET6))
      problems.push_back(fmt::format("ACL-denied address \"{}\" is not an IP address", address));
  for (const auto& address : put.cookie_clients)
    if (!is_ip_address(address, AF_INET) && !is_ip_address(address, AF_INET6))
      problems.push_back(fmt::format("cookie client address \"{}\" is not an IP address", address));
  if (put.has(Feature::SessionLimit) && !put.session_limit)
    problems.emplace_back("feature limit is declared but no session limit is given (--session-limit)");
  if (put.startup_seconds < 0 || put.startup_seconds > 60)
    problems.emplace_back("startup time must be between 0 and 60 seconds");
  return problems;
}

std::string with_bin_dir(std::string_view command_template, const std::filesystem::path& bin_dir) {
  constexpr std::string_view kPlaceholder = "{bin}";
  std::string out;
  for (std::size_t i = 0; i < command_template.size();) {
    if (command_template.substr(i, kPlaceholder.size()) == kPlaceholder) {
      out += bin_dir.string();
      i += kPlaceholder.size();
    } else {
      out += command_template[i++];
    }
  }
  return out;
}

std::string shell_quote(std::string_view word) {
  const bool plain = !word.empty() && word.find_first_not_of(
                                          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789-_./:=,@+%") == std::string_view::npos;
  if (plain) return std::string(word);
  std::string quoted = "'";
  for (char c : word) {
    if (c == '\'')
      quoted += "'\\''";
    else
      quoted += c;
  }
  return quoted + "'";
}

std::vector<std::string> to_flags(const PutDescription& put) {
  const PutDescription defaults = default_convproxy();
  std::vector<std::string> flags;
  auto add = [&flags](std::string flag, std::string value) {
    flags.push_back(std::move(flag));
    flags.push_back(std::move(value));
  };
  switch (put.mode) {
    case PutMode::Spawn:
      if (put.spawn_template != defaults.spawn_template) add("--spawn", put.spawn_template);
      break;
    case PutMode::Netns:
      add("--netns", put.netns_path);
      break;
    case PutMode::Remote:
      flags.emplace_back("--remote");
      add("--iface", put.iface);
      break;
  }
  if (put.address4 != defaults.address4) add("--put-addr", put.address4);
  if (put.address6 != defaults.address6) add("--put-addr6", put.address6.empty() ? "none" : put.address6);
  if (put.port != defaults.port) add("--put-port", std::to_string(put.port));
  // A target flag resets the features to none, so they must follow it.
  const bool other_target = !flags.empty();
  if (other_target || put.features != defaults.features) {
    std::string joined;
    for (const auto& feature : put.feature_names()) joined += (joined.empty() ? "" : ",") + feature;
    add("--features", joined.empty() ? "none" : joined);
  }
  if (other_target || put.acl_denied != defaults.acl_denied)
    for (const auto& address : put.acl_denied) add("--acl-denied", address);
  if (other_target || put.cookie_clients != defaults.cookie_clients)
    for (const auto& address : put.cookie_clients) add("--cookie-clients", address);
  if (put.session_limit && (other_target || put.session_limit != defaults.session_limit))
    add("--session-limit", std::to_string(*put.session_limit));
  if (put.cookie_max_age && (other_target || put.cookie_max_age != defaults.cookie_max_age))
    add("--cookie-max-age", std::to_string(*put.cookie_max_age));
  return flags;
}

}  // namespace convtest::harness
