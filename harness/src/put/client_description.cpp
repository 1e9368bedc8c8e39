#include "harness/put/client_description.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <utility>

namespace convtest::harness {
namespace {

constexpr std::array<std::pair<ClientFeature, std::string_view>, 6> kClientFeatureNames{{
    {ClientFeature::Mptcp, "mptcp"},
    {ClientFeature::Info, "info"},
    {ClientFeature::Cookie, "cookie"},
    {ClientFeature::ExtendedConnect, "extended-connect"},
    {ClientFeature::Ipv6, "ipv6"},
    {ClientFeature::Backoff, "backoff"},
}};

constexpr std::string_view kConvclientTemplate =
    "{bin}/convclient --converter {conv_url_host}:{conv_port} --connect-timeout 2000 --reply-timeout 2000 "
    "--retry-with-cookie "
    "--state-dir {state_dir} {dest} {dest_port}";

std::string url_host(const std::string& address) {
  return address.find(':') != std::string::npos ? "[" + address + "]" : address;
}

bool is_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

std::string_view name(ClientFeature feature) {
  for (const auto& [value, label] : kClientFeatureNames)
    if (value == feature) return label;
  return "?";
}

std::optional<ClientFeature> parse_client_feature(std::string_view text) {
  for (const auto& [value, label] : kClientFeatureNames)
    if (label == text) return value;
  return std::nullopt;
}

std::vector<std::string> ClientDescription::feature_names() const {
  std::vector<std::string> names;
  for (ClientFeature feature : features) names.emplace_back(harness::name(feature));
  return names;
}

ClientDescription default_convclient() {
  ClientDescription client;
  client.spawn_template = std::string(kConvclientTemplate);
  client.features = {ClientFeature::Mptcp, ClientFeature::Ipv6, ClientFeature::Cookie, ClientFeature::Backoff};
  return client;
}

NamedValues client_placeholders(const CutTarget& target, const std::filesystem::path& bin_dir) {
  const std::string& converter = target.converter_over_v6 ? target.converter_v6 : target.converter_v4;
  return {{"conv", target.converter_v4},
          {"conv6", target.converter_v6},
          {"conv_addr", converter},
          {"conv_url_host", url_host(converter)},
          {"conv_port", std::to_string(target.converter_port)},
          {"dest", target.destination},
          {"dest_port", std::to_string(target.destination_port)},
          {"dest_url_host", url_host(target.destination)},
          {"state_dir", target.state_dir},
          {"bin", bin_dir.string()}};
}

packetgen::Result<std::set<ClientFeature>, std::string> parse_client_features(std::string_view text) {
  std::set<ClientFeature> features;
  if (text == "none") return features;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view word = text.substr(start, comma - start);
    const auto feature = parse_client_feature(word);
    if (!feature) {
      std::vector<std::string_view> known;
      for (const auto& [value, label] : kClientFeatureNames) known.push_back(label);
      return packetgen::failure(
          fmt::format("unknown client feature '{}' (known: {}, or none)", word, fmt::join(known, ", ")));
    }
    features.insert(*feature);
    start = comma + 1;
  }
  return features;
}

packetgen::Result<ClientDescription, std::string> client_from_json(const nlohmann::json& document) {
  if (!document.is_object()) return packetgen::failure(std::string("not a JSON object"));
  ClientDescription client = default_convclient();
  const auto text = [&](const char* key) -> std::optional<std::string> {
    if (!document.contains(key)) return std::nullopt;
    if (!document[key].is_string()) return std::string();
    return document[key].get<std::string>();
  };
  for (const auto& [key, value] : document.items()) {
    if (key != "name" && key != "spawn" && key != "environment" && key != "features")
      return packetgen::failure(fmt::format("unknown key \"{}\" (name, spawn, environment, features)", key));
    const bool list = key == "environment" || key == "features";
    const bool fits = list ? value.is_array() && std::all_of(value.begin(), value.end(),
                                                             [](const auto& item) { return item.is_string(); })
                           : value.is_string() && !value.get<std::string>().empty();
    if (!fits)
      return packetgen::failure(
          fmt::format("\"{}\" must be {}", key, list ? "a list of strings" : "a non-empty string"));
  }
  if (auto spawn = text("spawn")) {
    client = ClientDescription{.name = "client", .spawn_template = *spawn, .environment = {}, .features = {}};
  }
  if (auto name = text("name")) client.name = *name;
  if (document.contains("environment")) {
    client.environment.clear();
    for (const auto& entry : document["environment"]) {
      if (auto problem = client_env_problem(entry.get<std::string>())) return packetgen::failure(*problem);
      client.environment.push_back(entry.get<std::string>());
    }
  }
  if (document.contains("features")) {
    client.features.clear();
    for (const auto& word : document["features"]) {
      const auto feature = parse_client_feature(word.get<std::string>());
      if (!feature) return packetgen::failure(fmt::format("unknown client feature '{}'", word.get<std::string>()));
      client.features.insert(*feature);
    }
  }
  return client;
}

nlohmann::json to_json(const ClientDescription& client) {
  return {{"name", client.name},
          {"spawn", client.spawn_template},
          {"environment", client.environment},
          {"features", client.feature_names()}};
}

std::optional<std::string> client_env_problem(std::string_view entry) {
  const std::size_t equals = entry.find('=');
  if (equals == std::string_view::npos || equals == 0) return fmt::format("'{}' is not NAME=VALUE", entry);
  for (char c : entry.substr(0, equals))
    if (!is_name_char(c)) return fmt::format("'{}': a name holds letters, digits and '_' only", entry);
  return std::nullopt;
}

}  // namespace convtest::harness
