#include "harness/matrix/event.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "harness/cli/cli.hpp"
#include "packetgen/ip.hpp"
#include "reports/expectations.hpp"

namespace convtest::harness::matrix {
namespace {

using nlohmann::json;
using packetgen::failure;
namespace fs = std::filesystem;

// Keys of the selection object -> the `convtest run` flag each stands for.
constexpr std::pair<std::string_view, std::string_view> kSelectionFlags[] = {
    {"case", "--case"},
    {"exclude", "--exclude"},
    {"dim", "--dim"},
    {"tag", "--tag"},
    {"section", "--section"},
    {"level", "--level"},
    {"requirement", "--requirement"},
};

std::optional<std::string> unknown_key(const json& object, std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : object.items())
    if (std::find(known.begin(), known.end(), key) == known.end())
      return fmt::format("unknown key \"{}\" (known: {})", key, fmt::join(known, ", "));
  return std::nullopt;
}

bool is_string_list(const json& value) {
  return value.is_array() && std::all_of(value.begin(), value.end(), [](const json& item) { return item.is_string(); });
}

// Folder names come from ids: letters, digits, '.', '-', '_'; no leading dot.
bool usable_id(const std::string& id) {
  if (id.empty() || id.size() > 64 || id[0] == '.') return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
           c == '_';
  });
}

// A finite number within [low, high] at `key`, or a problem.
packetgen::Result<double, std::string> number_at(const json& object, const char* key, double low, double high,
                                                 double fallback) {
  if (!object.contains(key)) return fallback;
  const json& value = object.at(key);
  if (!value.is_number() || value.get<double>() < low || value.get<double>() > high)
    return failure(fmt::format("\"{}\": must be a number from {} to {}, not {}", key, low, high, value.dump()));
  return value.get<double>();
}

packetgen::Result<std::vector<std::string>, std::string> selection_flags(const json& selection, std::string_view role) {
  if (!selection.is_object()) return failure(std::string("must be an object of filter lists"));
  std::vector<std::string> flags;
  for (const auto& [key, values] : selection.items()) {
    const auto* flag = std::find_if(std::begin(kSelectionFlags), std::end(kSelectionFlags),
                                    [&name = key](const auto& entry) { return entry.first == name; });
    if (flag == std::end(kSelectionFlags))
      return failure(fmt::format("unknown filter \"{}\" (case, exclude, dim, tag, section, level, requirement)", key));
    if (!is_string_list(values) || values.empty())
      return failure(fmt::format("\"{}\": must be a non-empty list of strings", key));
    for (const auto& value : values) flags.insert(flags.end(), {std::string(flag->second), value.get<std::string>()});
  }
  // The flags must read as `convtest run` reads them: the same parser decides.
  std::vector<std::string> words{"run", "--role", std::string(role)};
  words.insert(words.end(), flags.begin(), flags.end());
  if (auto parsed = cli::parse_arguments(words); !parsed) return failure(parsed.error().message);
  return flags;
}

packetgen::Result<std::optional<fs::path>, std::string> expect_file(const json& entry, const fs::path& base) {
  if (!entry.contains("expect")) return std::optional<fs::path>();
  if (!entry.at("expect").is_string()) return failure(std::string("\"expect\": must be a path"));
  const fs::path path = base / entry.at("expect").get<std::string>();
  const auto loaded = reports::load_expectations(path);
  if (!loaded.expectations) return failure(fmt::format("\"expect\": {}", loaded.error));
  return std::optional<fs::path>(path);
}

packetgen::Result<EventConverter, std::string> converter_from(const json& entry, const fs::path& base) {
  if (!entry.is_object()) return failure(std::string("must be an object with \"put\""));
  if (auto problem = unknown_key(entry, {"id", "put", "expect"})) return failure(*problem);
  if (!entry.contains("put")) return failure(std::string("\"put\" is missing (a PUT description or its file)"));
  const json& put_entry = entry.at("put");
  PutResult put = put_entry.is_string()   ? load_put_file(base / put_entry.get<std::string>())
                  : put_entry.is_object() ? put_from_json(put_entry)
                                          : PutResult(failure(std::string("must be an object or a file path")));
  if (!put) return failure("\"put\": " + put.error());
  if (auto problems = validate(put.value()); !problems.empty()) return failure("\"put\": " + problems.front());
  auto expect = expect_file(entry, base);
  if (!expect) return failure(expect.error());
  const std::string id =
      entry.contains("id") && entry.at("id").is_string() ? entry.at("id").get<std::string>() : put.value().name;
  return EventConverter{id, std::move(put.value()), std::move(expect.value())};
}

packetgen::Result<ClientDescription, std::string> client_description(const json& client_entry, const fs::path& base) {
  if (client_entry.is_object()) return client_from_json(client_entry);
  if (!client_entry.is_string()) return failure(std::string("must be an object or a file path"));
  auto file = load_put_file(base / client_entry.get<std::string>());
  if (!file) return failure(file.error());
  if (!file.value().client) return failure(fmt::format("{} has no \"client\" object", client_entry.get<std::string>()));
  return *file.value().client;
}

std::optional<std::string> address_problem(const json& box, const char* key, packetgen::ip::Family family) {
  if (!box.contains(key)) return std::nullopt;
  const json& value = box.at(key);
  const bool none_allowed = family == packetgen::ip::Family::V6;
  if (value.is_string() && none_allowed && value.get<std::string>().empty()) return std::nullopt;
  const auto address = value.is_string() ? packetgen::ip::Address::parse(value.get<std::string>()) : std::nullopt;
  if (!address || address->family != family)
    return fmt::format("\"remote\": \"{}\" must be an {} address{}", key,
                       family == packetgen::ip::Family::V4 ? "IPv4" : "IPv6", none_allowed ? " (or \"\": none)" : "");
  return std::nullopt;
}

packetgen::Result<std::optional<ClientBox>, std::string> client_box(const json& entry) {
  if (!entry.contains("remote")) return std::optional<ClientBox>();
  const json& remote = entry.at("remote");
  if (!remote.is_object()) return failure(std::string("\"remote\": must be an object with \"iface\""));
  if (auto problem = unknown_key(remote, {"iface", "address", "address6"})) return failure("\"remote\": " + *problem);
  if (!remote.contains("iface") || !remote.at("iface").is_string() || remote.at("iface").get<std::string>().empty())
    return failure(std::string("\"remote\": \"iface\" must name the interface toward the client's box"));
  for (const auto& [key, family] :
       {std::pair{"address", packetgen::ip::Family::V4}, {"address6", packetgen::ip::Family::V6}})
    if (auto problem = address_problem(remote, key, family)) return failure(*problem);
  ClientBox box;
  box.iface = remote.at("iface").get<std::string>();
  box.address4 = remote.value("address", box.address4);
  box.address6 = remote.value("address6", box.address6);
  return std::optional<ClientBox>(box);
}

packetgen::Result<EventClient, std::string> client_from(const json& entry, const fs::path& base) {
  if (!entry.is_object()) return failure(std::string("must be an object with \"client\""));
  if (auto problem = unknown_key(entry, {"id", "client", "expect", "remote"})) return failure(*problem);
  if (!entry.contains("client"))
    return failure(std::string("\"client\" is missing (a client description or a file holding one)"));
  auto client = client_description(entry.at("client"), base);
  if (!client) return failure("\"client\": " + client.error());
  auto expect = expect_file(entry, base);
  if (!expect) return failure(expect.error());
  const std::string id =
      entry.contains("id") && entry.at("id").is_string() ? entry.at("id").get<std::string>() : client.value().name;
  auto box = client_box(entry);
  if (!box) return failure(box.error());
  return EventClient{id, std::move(client.value()), std::move(expect.value()), std::move(box.value())};
}

template <typename Entry, typename Parse>
packetgen::Result<std::vector<Entry>, std::string> entries(const json& document, const char* key, const Parse& parse) {
  std::vector<Entry> out;
  if (!document.contains(key)) return out;
  if (!document.at(key).is_array()) return failure(fmt::format("\"{}\": must be a list", key));
  for (std::size_t i = 0; i < document.at(key).size(); ++i) {
    auto parsed = parse(document.at(key).at(i));
    if (!parsed) return failure(fmt::format("\"{}\"[{}]: {}", key, i, parsed.error()));
    out.push_back(std::move(parsed.value()));
  }
  return out;
}

std::optional<std::string> ids_problem(const Event& event) {
  std::set<std::string> seen;
  std::vector<std::string> ids;
  for (const auto& converter : event.converters) ids.push_back(converter.id);
  for (const auto& client : event.clients) ids.push_back(client.id);
  for (const auto& id : ids) {
    if (!usable_id(id))
      return fmt::format("id \"{}\": give each implementation an \"id\" of letters, digits, '.', '-' or '_'", id);
    if (!seen.insert(id).second) return fmt::format("id \"{}\" is used twice; give each implementation its own", id);
  }
  return std::nullopt;
}

template <typename Value>
packetgen::Result<std::vector<Value>, std::string> names_at(const json& object, const char* key,
                                                            std::vector<Value> fallback,
                                                            std::initializer_list<Value> known) {
  if (!object.contains(key)) return fallback;
  if (!is_string_list(object.at(key)) || object.at(key).empty())
    return failure(fmt::format("\"{}\": must be a non-empty list of names", key));
  std::vector<Value> out;
  for (const auto& item : object.at(key)) {
    const auto found =
        std::find_if(known.begin(), known.end(), [&](Value v) { return name(v) == item.get<std::string>(); });
    if (found == known.end()) return failure(fmt::format("\"{}\": unknown value {}", key, item.dump()));
    if (std::find(out.begin(), out.end(), *found) == out.end()) out.push_back(*found);
  }
  return out;
}

packetgen::Result<PairSettings, std::string> pair_settings(const json& document) {
  PairSettings settings;
  if (!document.contains("pairs")) return settings;
  const json& pairs = document.at("pairs");
  if (!pairs.is_object()) return failure(std::string("\"pairs\": must be an object"));
  if (auto problem = unknown_key(pairs, {"request_bytes", "families", "transports", "cell_seconds"}))
    return failure("\"pairs\": " + *problem);
  if (pairs.contains("request_bytes")) {
    const json& bytes = pairs.at("request_bytes");
    if (!bytes.is_number_integer() || bytes.get<std::int64_t>() < 1 || bytes.get<std::int64_t>() > 16'777'216)
      return failure(
          fmt::format("\"pairs\": \"request_bytes\": must be an integer from 1 to 16777216, not {}", bytes.dump()));
    settings.request_bytes = bytes.get<std::size_t>();
  }
  auto families = names_at(pairs, "families", settings.families, {PairFamily::V4, PairFamily::V6});
  if (!families) return failure("\"pairs\": " + families.error());
  settings.families = families.value();
  auto transports = names_at(pairs, "transports", settings.transports, {PairTransport::Tcp, PairTransport::Mptcp});
  if (!transports) return failure("\"pairs\": " + transports.error());
  settings.transports = transports.value();
  auto seconds = number_at(pairs, "cell_seconds", 1, 600, settings.cell_seconds);
  if (!seconds) return failure("\"pairs\": " + seconds.error());
  settings.cell_seconds = seconds.value();
  return settings;
}

packetgen::Result<std::vector<MiddleboxProfile>, std::string> profiles_from(const json& document) {
  if (!document.contains("profiles")) return std::vector<MiddleboxProfile>{*find_profile("none")};
  if (!is_string_list(document.at("profiles")) || document.at("profiles").empty())
    return failure(std::string("\"profiles\": must be a non-empty list of profile names"));
  std::vector<MiddleboxProfile> profiles;
  for (const auto& item : document.at("profiles")) {
    auto profile = find_profile(item.get<std::string>());
    if (!profile)
      return failure(
          fmt::format("\"profiles\": unknown profile {} (known: {})", item.dump(), fmt::join(profile_names(), ", ")));
    profiles.push_back(std::move(*profile));
  }
  return profiles;
}

std::optional<std::string> header_problem(const json& document) {
  if (!document.is_object()) return "not a JSON object";
  if (auto problem = unknown_key(
          document, {"format", "version", "title", "converters", "clients", "profiles", "converter_selection",
                     "client_selection", "pairs", "time_scale", "seed", "run_seconds"}))
    return problem;
  if (document.value("format", json()) != "convtest-event") return "\"format\" must be \"convtest-event\"";
  if (document.value("version", json()) != kEventFormatVersion)
    return fmt::format("\"version\" must be {} (this build reads version {})", kEventFormatVersion,
                       kEventFormatVersion);
  if (document.contains("title") && !document.at("title").is_string()) return "\"title\": must be a string";
  return std::nullopt;
}

}  // namespace

std::string_view name(PairFamily family) { return family == PairFamily::V4 ? "v4" : "v6"; }
std::string_view name(PairTransport transport) { return transport == PairTransport::Tcp ? "tcp" : "mptcp"; }

std::optional<MiddleboxProfile> find_profile(std::string_view profile) {
  if (profile == "none") return MiddleboxProfile{"none", {}, false};
  if (profile == "tfo-option-stripped")
    return MiddleboxProfile{"tfo-option-stripped", {emulate::StripTfoOption{}}, false};
  if (profile == "mptcp-stripped")
    return MiddleboxProfile{"mptcp-stripped", {emulate::StripMptcpOptions{std::nullopt}}, true};
  return std::nullopt;
}

std::vector<std::string> profile_names() { return {"none", "tfo-option-stripped", "mptcp-stripped"}; }

EventResult event_from_json(const json& document, const fs::path& base) {
  if (auto problem = header_problem(document)) return failure(*problem);
  Event event;
  event.title = document.value("title", std::string("convtest interop event"));
  auto converters =
      entries<EventConverter>(document, "converters", [&](const json& entry) { return converter_from(entry, base); });
  if (!converters) return failure(converters.error());
  event.converters = std::move(converters.value());
  auto clients = entries<EventClient>(document, "clients", [&](const json& entry) { return client_from(entry, base); });
  if (!clients) return failure(clients.error());
  event.clients = std::move(clients.value());
  if (event.converters.empty() && event.clients.empty())
    return failure(std::string("lists no converter and no client: nothing to run"));
  if (auto problem = ids_problem(event)) return failure(*problem);
  auto profiles = profiles_from(document);
  if (!profiles) return failure(profiles.error());
  event.profiles = std::move(profiles.value());
  for (const auto& [key, role, target] : {std::tuple{"converter_selection", "converter", &event.converter_selection},
                                          std::tuple{"client_selection", "client", &event.client_selection}}) {
    if (!document.contains(key)) continue;
    auto flags = selection_flags(document.at(key), role);
    if (!flags) return failure(fmt::format("\"{}\": {}", key, flags.error()));
    *target = std::move(flags.value());
  }
  auto pairs = pair_settings(document);
  if (!pairs) return failure(pairs.error());
  event.pairs = pairs.value();
  auto scale = number_at(document, "time_scale", 0.05, 100, 1.0);
  if (!scale) return failure(scale.error());
  event.time_scale = scale.value();
  auto run_seconds = number_at(document, "run_seconds", 10, 86400, event.run_seconds);
  if (!run_seconds) return failure(run_seconds.error());
  event.run_seconds = run_seconds.value();
  if (document.contains("seed")) {
    if (!document.at("seed").is_number_unsigned())
      return failure(std::string("\"seed\": must be a non-negative integer"));
    event.seed = document.at("seed").get<std::uint64_t>();
  }
  return event;
}

EventResult load_event(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return failure(fmt::format("{}: cannot read the event file", path.string()));
  const json document = json::parse(in, nullptr, false);
  if (document.is_discarded()) return failure(fmt::format("{}: not valid JSON", path.string()));
  auto event = event_from_json(document, path.parent_path());
  if (!event) return failure(fmt::format("{}: {}", path.string(), event.error()));
  return event;
}

}  // namespace convtest::harness::matrix
