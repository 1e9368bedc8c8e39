#include "harness/put/put_description.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <memory>
#include <set>
#include <utility>

#include "harness/put/put_fields.hpp"

namespace convtest::harness {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<Feature, std::string_view>, 8> kFeatureNames{{
    {Feature::Mptcp, "mptcp"},
    {Feature::Cookie, "cookie"},
    {Feature::Info, "info"},
    {Feature::Ipv6, "ipv6"},
    {Feature::TfoUpstream, "tfo"},
    {Feature::Acl, "acl"},
    {Feature::SessionLimit, "limit"},
    {Feature::LateConvert, "late-convert"},
}};

constexpr std::array<std::pair<PutMode, std::string_view>, 3> kModeNames{{
    {PutMode::Spawn, "spawn"},
    {PutMode::Netns, "netns"},
    {PutMode::Remote, "remote"},
}};

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

const PutField* field_for_key(std::string_view key) {
  for (const PutField& field : put_fields())
    if (field.key == key) return &field;
  return nullptr;
}

// A parser callback that notes the first key an object repeats: nlohmann/json
// would silently keep the last value.
json::parser_callback_t repeated_key_finder(std::optional<std::string>& repeated) {
  auto open_objects = std::make_shared<std::vector<std::set<std::string>>>();
  return [open_objects, &repeated](int, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start: open_objects->emplace_back(); break;
      case json::parse_event_t::object_end: open_objects->pop_back(); break;
      case json::parse_event_t::key:
        if (!open_objects->back().insert(parsed.get<std::string>()).second && !repeated)
          repeated = parsed.get<std::string>();
        break;
      default: break;
    }
    return true;
  };
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
  put.features = {Feature::Mptcp, Feature::Info,         Feature::Ipv6,   Feature::TfoUpstream,
                  Feature::Acl,   Feature::SessionLimit, Feature::Cookie, Feature::LateConvert};
  put.cookie_clients = {"192.0.2.210", "192.0.2.211", "2001:db8:1::c10", "2001:db8:1::c11"};
  put.acl_denied = {"192.0.2.250", "2001:db8:1::dead"};
  put.session_limit = 8;
  put.cookie_max_age = 2;  // --cookie-rotation 1: a cookie lives in its slot and the next one
  return put;
}

PutResult put_from_json(const json& document) {
  if (!document.is_object()) return packetgen::failure(std::string("PUT description: not a JSON object"));
  PutDescription put;
  put.name = "put";  // a file describes another converter: never report it as convproxy
  for (const auto& [key, value] : document.items()) {
    if (key == "client") {
      auto client = client_from_json(value);
      if (!client) return packetgen::failure("PUT description: \"client\": " + client.error());
      put.client = std::move(client.value());
      continue;
    }
    const PutField* field = field_for_key(key);
    if (field == nullptr) return packetgen::failure(fmt::format("PUT description: unknown key \"{}\"", key));
    if (auto error = read_json(*field, value, put))
      return packetgen::failure(fmt::format("PUT description: \"{}\": {}", key, *error));
  }
  return put;
}

PutResult load_put_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return packetgen::failure(fmt::format("cannot read PUT description {}", path.string()));
  std::optional<std::string> repeated;
  json document = json::parse(in, repeated_key_finder(repeated), /*allow_exceptions=*/false);
  if (repeated)
    return packetgen::failure(fmt::format("PUT description {}: key \"{}\" is given twice", path.string(), *repeated));
  if (document.is_discarded())
    return packetgen::failure(fmt::format("PUT description {} is not valid JSON", path.string()));
  return put_from_json(document);
}

json to_json(const PutDescription& put) {
  json document = json::object();
  for (const PutField& field : put_fields())
    if (auto value = write_json(field, put)) document[std::string(field.key)] = std::move(*value);
  if (put.client) document["client"] = to_json(*put.client);
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
  for (const PutField& field : put_fields())
    if (auto error = check_value(field, put)) problems.push_back(fmt::format("{}: {}", field.flag, *error));
  if (put.has(Feature::Ipv6) && put.address6.empty())
    problems.emplace_back("feature ipv6 is declared but the PUT has no IPv6 address");
  if (put.has(Feature::Acl) && put.acl_denied.empty())
    problems.emplace_back("feature acl is declared but no denied client address is given (--acl-denied)");
  if (put.has(Feature::SessionLimit) && !put.session_limit)
    problems.emplace_back("feature limit is declared but no session limit is given (--session-limit)");
  return problems;
}

PutResult with_flags(std::optional<PutDescription> from_file, const std::vector<GivenFlag>& flags) {
  std::vector<std::string> target_flags;
  for (const PutField& field : put_fields())
    if (field.selects) target_flags.emplace_back(field.flag);
  const auto targets =
      std::count_if(flags.begin(), flags.end(), [](const GivenFlag& flag) { return flag.field->selects.has_value(); });
  if (targets > 1) return packetgen::failure(fmt::format("{} exclude each other", fmt::join(target_flags, ", ")));
  PutDescription put = from_file ? std::move(*from_file) : default_convproxy();
  if (targets == 1 && !from_file) put = without_convproxy_facts(std::move(put));
  for (const auto& [field, words] : flags) {
    if (auto error = read_words(*field, words, put))
      return packetgen::failure(fmt::format("{}: {}", field->flag, *error));
    if (field->selects) put.mode = *field->selects;
  }
  return put;
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
  const PutDescription convproxy = default_convproxy();
  const auto& fields = put_fields();
  const bool other_target =
      put.mode != convproxy.mode || std::any_of(fields.begin(), fields.end(), [&](const PutField& field) {
        return field.selects == put.mode && !same_value(field, put, convproxy);
      });
  // What the parser starts from once it sees these flags.
  const PutDescription baseline = other_target ? without_convproxy_facts(convproxy) : convproxy;
  std::vector<std::string> flags;
  for (const PutField& field : fields) {
    if (field.flag.empty() || (field.selects && field.selects != put.mode)) continue;
    if (same_value(field, put, baseline)) continue;
    for (auto& word : flag_words(field, put)) flags.push_back(std::move(word));
  }
  return flags;
}

}  // namespace convtest::harness
