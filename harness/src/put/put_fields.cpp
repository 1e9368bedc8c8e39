#include "harness/put/put_fields.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>
#include <charconv>
#include <cmath>

namespace convtest::harness {
namespace {

using nlohmann::json;
using Words = std::vector<std::string>;

// GCC 12 warns about members a designated initializer leaves to their defaults.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
constexpr auto kFields = std::to_array<PutField>({
    {.key = "name",
     .flag = "--put-name",
     .value_name = "NAME",
     .help = "name of the PUT in reports",
     .member = &PutDescription::name,
     .convproxy_fact = true},
    {.key = "mode",
     .flag = "--remote",
     .help = "the PUT is on another box, reached at L2 (--iface)",
     .member = &PutDescription::mode,
     .selects = PutMode::Remote},
    {.key = "spawn",
     .flag = "--spawn",
     .value_name = "TEMPLATE",
     .help = "launch the PUT in each case's namespace: command template with {addr} {addr6} {port} {bin}",
     .member = &PutDescription::spawn_template,
     .convproxy_fact = true,
     .selects = PutMode::Spawn},
    {.key = "netns",
     .flag = "--netns",
     .value_name = "PATH",
     .help = "join the namespace of a running PUT (/proc/PID/ns/net)",
     .member = &PutDescription::netns_path,
     .selects = PutMode::Netns},
    {.key = "iface",
     .flag = "--iface",
     .value_name = "IF",
     .help = "interface towards a remote PUT",
     .member = &PutDescription::iface},
    {.key = "address",
     .flag = "--put-addr",
     .value_name = "ADDR",
     .help = "PUT IPv4 address (default 192.0.2.1); with --role client --remote: the client's box (default "
             "192.0.2.100)",
     .member = &PutDescription::address4,
     .rule = TextRule::Ipv4Address},
    {.key = "address6",
     .flag = "--put-addr6",
     .value_name = "ADDR",
     .help = "PUT IPv6 address (default 2001:db8:1::1; 'none': no IPv6); with --role client --remote: the "
             "client's box (default 2001:db8:1::100)",
     .member = &PutDescription::address6,
     .rule = TextRule::Ipv6Address,
     .none_word = "none"},
    {.key = "port",
     .flag = "--put-port",
     .value_name = "N",
     .help = "Convert port of the PUT (default 5124)",
     .member = &PutDescription::port,
     .range = NumberRange{1, 65535}},
    {.key = "features",
     .flag = "--features",
     .value_name = "LIST",
     .help = "optional features the PUT offers: mptcp,cookie,info,ipv6,tfo,acl,limit,late-convert or none",
     .member = &PutDescription::features,
     .none_word = "none",
     .convproxy_fact = true},
    {.key = "acl_denied",
     .flag = "--acl-denied",
     .value_name = "ADDR",
     .help = "a client address the PUT's ACL refuses",
     .member = &PutDescription::acl_denied,
     .rule = TextRule::IpAddress,
     .convproxy_fact = true},
    {.key = "cookie_clients",
     .flag = "--cookie-clients",
     .value_name = "ADDR",
     .help = "a client address from which the PUT requires a cookie (default with feature cookie: every client)",
     .member = &PutDescription::cookie_clients,
     .rule = TextRule::IpAddress,
     .convproxy_fact = true},
    {.key = "session_limit",
     .flag = "--session-limit",
     .value_name = "N",
     .help = "the PUT's session limit",
     .member = &PutDescription::session_limit,
     .range = NumberRange{1, 1'000'000},
     .convproxy_fact = true},
    {.key = "cookie_max_age",
     .flag = "--cookie-max-age",
     .value_name = "SECONDS",
     .help = "the longest time, in seconds, a cookie issued by the PUT stays valid",
     .member = &PutDescription::cookie_max_age,
     .range = NumberRange{1, 3600},
     .convproxy_fact = true},
    {.key = "startup_seconds",
     .flag = "--startup-seconds",
     .value_name = "SECONDS",
     .help = "how long the PUT may take to start listening (default 2)",
     .member = &PutDescription::startup_seconds,
     .range = NumberRange{0, 60}},
    {.key = "image_digest",
     .flag = "--image-digest",
     .value_name = "DIGEST",
     .help = "container image digest, for provenance",
     .member = &PutDescription::image_digest},
    {.key = "version",
     .flag = "--put-version",
     .value_name = "TEXT",
     .help = "the PUT's version, for provenance (default: the first line of its executable's --version)",
     .member = &PutDescription::version},
});
#pragma GCC diagnostic pop

bool is_ip_address(const std::string& text, int family) {
  std::array<unsigned char, 16> buffer{};
  return ::inet_pton(family, text.c_str(), buffer.data()) == 1;
}

std::string shown(const json& value) { return value.dump(); }

// ---- texts

FieldError check_text(const PutField& field, const std::string& text) {
  if (field.rule == TextRule::Any) return std::nullopt;
  if (text.empty()) return field.none_word.empty() ? FieldError("must not be empty") : std::nullopt;
  switch (field.rule) {
    case TextRule::Any: break;
    case TextRule::Ipv4Address:
      if (!is_ip_address(text, AF_INET)) return fmt::format("\"{}\" is not an IPv4 address", text);
      break;
    case TextRule::Ipv6Address:
      if (!is_ip_address(text, AF_INET6)) return fmt::format("\"{}\" is not an IPv6 address", text);
      break;
    case TextRule::IpAddress:
      if (!is_ip_address(text, AF_INET) && !is_ip_address(text, AF_INET6))
        return fmt::format("\"{}\" is not an IP address", text);
      break;
  }
  return std::nullopt;
}

FieldError text_from_json(const PutField& field, const json& value, std::string& text) {
  if (!value.is_string()) return fmt::format("must be a string, not {}", shown(value));
  text = value.get<std::string>();
  return check_text(field, text);
}

FieldError texts_from_json(const PutField& field, const json& value, Words& texts) {
  if (!value.is_array()) return fmt::format("must be a list of strings, not {}", shown(value));
  Words read;
  for (const auto& item : value) {
    std::string text;
    if (auto error = text_from_json(field, item, text)) return error;
    read.push_back(std::move(text));
  }
  texts = std::move(read);
  return std::nullopt;
}

FieldError one_word(const PutField& field, const Words& words) {
  if (words.size() == 1) return std::nullopt;
  return field.value_name.empty() ? "takes no value" : "takes exactly one value";
}

// ---- numbers

FieldError out_of_range(const PutField& field, bool integer, const std::string& given) {
  const NumberRange range = field.range.value_or(NumberRange{});
  return fmt::format("must be {} from {} to {}, not {}", integer ? "an integer" : "a number", range.min, range.max,
                     given);
}

bool in_range(const PutField& field, double number) {
  return !field.range || (number >= field.range->min && number <= field.range->max);  // false for NaN
}

// The number a JSON value or a flag's word holds, if it fits the field.
template <class Number>
FieldError number_from_json(const PutField& field, const json& value, Number& number) {
  constexpr bool integer = std::is_integral_v<Number>;
  if (!value.is_number()) return out_of_range(field, integer, shown(value));
  const double read = value.get<double>();
  if ((integer && std::floor(read) != read) || !in_range(field, read))
    return out_of_range(field, integer, shown(value));
  number = static_cast<Number>(read);
  return std::nullopt;
}

template <class Number>
FieldError number_from_word(const PutField& field, const std::string& word, Number& number) {
  constexpr bool integer = std::is_integral_v<Number>;
  std::conditional_t<integer, long long, double> read{};
  const auto [end, error] = std::from_chars(word.data(), word.data() + word.size(), read);
  if (error != std::errc() || end != word.data() + word.size() || !in_range(field, static_cast<double>(read)))
    return out_of_range(field, integer, word);
  number = static_cast<Number>(read);
  return std::nullopt;
}

template <class Number>
FieldError check_number(const PutField& field, Number number) {
  if (in_range(field, static_cast<double>(number))) return std::nullopt;
  return out_of_range(field, std::is_integral_v<Number>, fmt::format("{}", number));
}

std::string number_word(double number) { return fmt::format("{}", number); }  // shortest form that reads back
std::string number_word(unsigned number) { return std::to_string(number); }

// ---- one overload per member type: from JSON, from words, to JSON, to words, check

FieldError from_json(const PutField& field, const json& value, std::string& text) {
  return text_from_json(field, value, text);
}
FieldError from_json(const PutField& field, const json& value, std::optional<std::string>& text) {
  std::string read;
  if (auto error = text_from_json(field, value, read)) return error;
  text = read.empty() ? std::nullopt : std::optional(read);
  return std::nullopt;
}
FieldError from_json(const PutField& field, const json& value, std::uint16_t& number) {
  return number_from_json(field, value, number);
}
FieldError from_json(const PutField& field, const json& value, std::optional<unsigned>& number) {
  unsigned read = 0;
  if (auto error = number_from_json(field, value, read)) return error;
  number = read;
  return std::nullopt;
}
FieldError from_json(const PutField& field, const json& value, double& number) {
  return number_from_json(field, value, number);
}
FieldError from_json(const PutField& field, const json& value, Words& texts) {
  return texts_from_json(field, value, texts);
}
FieldError from_json(const PutField&, const json& value, std::set<Feature>& features) {
  if (!value.is_array()) return fmt::format("must be a list of feature names, not {}", shown(value));
  std::set<Feature> read;
  for (const auto& item : value) {
    const auto feature = item.is_string() ? parse_feature(item.get<std::string>()) : std::nullopt;
    if (!feature) return fmt::format("unknown feature {}", shown(item));
    read.insert(*feature);
  }
  features = std::move(read);
  return std::nullopt;
}
FieldError from_json(const PutField&, const json& value, PutMode& mode) {
  for (PutMode candidate : {PutMode::Spawn, PutMode::Netns, PutMode::Remote})
    if (value.is_string() && value.get<std::string>() == name(candidate)) {
      mode = candidate;
      return std::nullopt;
    }
  return fmt::format("unknown mode {} (spawn, netns or remote)", shown(value));
}

FieldError from_words(const PutField& field, const Words& words, std::string& text) {
  if (auto error = one_word(field, words)) return error;
  const std::string read = words.front() == field.none_word ? std::string() : words.front();
  if (auto error = check_text(field, read)) return error;
  text = read;
  return std::nullopt;
}
FieldError from_words(const PutField& field, const Words& words, std::optional<std::string>& text) {
  if (auto error = one_word(field, words)) return error;
  text = words.front().empty() ? std::nullopt : std::optional(words.front());
  return std::nullopt;
}
FieldError from_words(const PutField& field, const Words& words, std::uint16_t& number) {
  if (auto error = one_word(field, words)) return error;
  return number_from_word(field, words.front(), number);
}
FieldError from_words(const PutField& field, const Words& words, std::optional<unsigned>& number) {
  if (auto error = one_word(field, words)) return error;
  unsigned read = 0;
  if (auto error = number_from_word(field, words.front(), read)) return error;
  number = read;
  return std::nullopt;
}
FieldError from_words(const PutField& field, const Words& words, double& number) {
  if (auto error = one_word(field, words)) return error;
  return number_from_word(field, words.front(), number);
}
FieldError from_words(const PutField& field, const Words& words, Words& texts) {
  for (const auto& word : words)
    if (auto error = check_text(field, word)) return error;
  texts = words;
  return std::nullopt;
}
FieldError from_words(const PutField& field, const Words& words, std::set<Feature>& features) {
  std::set<Feature> read;
  for (const auto& word : words) {
    if (word == field.none_word) continue;
    const auto feature = parse_feature(word);
    if (!feature) return fmt::format("unknown feature \"{}\"", word);
    read.insert(*feature);
  }
  features = std::move(read);
  return std::nullopt;
}
FieldError from_words(const PutField& field, const Words& words, PutMode& mode) {
  if (!words.empty()) return "takes no value";
  mode = field.selects.value_or(mode);
  return std::nullopt;
}

std::optional<json> to_json_value(const PutField& field, const std::string& text) {
  if (text.empty() && field.none_word.empty()) return std::nullopt;
  return json(text);
}
std::optional<json> to_json_value(const PutField&, const std::optional<std::string>& text) {
  return text ? std::optional(json(*text)) : std::nullopt;
}
std::optional<json> to_json_value(const PutField&, std::uint16_t number) { return json(number); }
std::optional<json> to_json_value(const PutField&, const std::optional<unsigned>& number) {
  return number ? std::optional(json(*number)) : std::nullopt;
}
std::optional<json> to_json_value(const PutField&, double number) { return json(number); }
std::optional<json> to_json_value(const PutField&, const Words& texts) { return json(texts); }
std::optional<json> to_json_value(const PutField&, const std::set<Feature>& features) {
  json names = json::array();
  for (Feature feature : features) names.push_back(name(feature));
  return names;
}
std::optional<json> to_json_value(const PutField&, PutMode mode) { return json(name(mode)); }

// The values after the flag; a list's values each follow their own flag.
Words to_words(const PutField& field, const std::string& text) {
  return {text.empty() ? std::string(field.none_word) : text};
}
Words to_words(const PutField&, const std::optional<std::string>& text) { return text ? Words{*text} : Words{}; }
Words to_words(const PutField&, std::uint16_t number) { return {number_word(unsigned{number})}; }
Words to_words(const PutField&, const std::optional<unsigned>& number) {
  return number ? Words{number_word(*number)} : Words{};
}
Words to_words(const PutField&, double number) { return {number_word(number)}; }
Words to_words(const PutField&, const Words& texts) { return texts; }
Words to_words(const PutField& field, const std::set<Feature>& features) {
  Words names;
  for (Feature feature : features) names.emplace_back(name(feature));
  return {names.empty() ? std::string(field.none_word) : fmt::format("{}", fmt::join(names, ","))};
}
Words to_words(const PutField&, PutMode) { return {}; }

FieldError check(const PutField& field, const std::string& text) { return check_text(field, text); }
FieldError check(const PutField&, const std::optional<std::string>&) { return std::nullopt; }
FieldError check(const PutField& field, std::uint16_t number) { return check_number(field, number); }
FieldError check(const PutField& field, const std::optional<unsigned>& number) {
  return number ? check_number(field, *number) : std::nullopt;
}
FieldError check(const PutField& field, double number) { return check_number(field, number); }
FieldError check(const PutField& field, const Words& texts) {
  for (const auto& text : texts)
    if (auto error = check_text(field, text)) return error;
  return std::nullopt;
}
FieldError check(const PutField&, const std::set<Feature>&) { return std::nullopt; }
FieldError check(const PutField&, PutMode) { return std::nullopt; }

}  // namespace

bool is_list(const PutField& field) {
  return std::holds_alternative<Words PutDescription::*>(field.member) ||
         std::holds_alternative<std::set<Feature> PutDescription::*>(field.member);
}

std::span<const PutField> put_fields() { return kFields; }

FieldError read_json(const PutField& field, const json& value, PutDescription& put) {
  return std::visit([&](auto member) { return from_json(field, value, put.*member); }, field.member);
}

FieldError read_words(const PutField& field, const Words& words, PutDescription& put) {
  return std::visit([&](auto member) { return from_words(field, words, put.*member); }, field.member);
}

std::optional<json> write_json(const PutField& field, const PutDescription& put) {
  return std::visit([&](auto member) { return to_json_value(field, put.*member); }, field.member);
}

Words flag_words(const PutField& field, const PutDescription& put) {
  const Words values = std::visit([&](auto member) { return to_words(field, put.*member); }, field.member);
  Words words;
  if (values.empty() && field.value_name.empty()) words.emplace_back(field.flag);
  for (const auto& value : values) {
    if (words.empty() || is_list(field)) words.emplace_back(field.flag);
    words.push_back(value);
  }
  return words;
}

FieldError check_value(const PutField& field, const PutDescription& put) {
  return std::visit([&](auto member) { return check(field, put.*member); }, field.member);
}

bool same_value(const PutField& field, const PutDescription& a, const PutDescription& b) {
  return std::visit([&](auto member) { return a.*member == b.*member; }, field.member);
}

void copy_value(const PutField& field, const PutDescription& from, PutDescription& to) {
  std::visit([&](auto member) { to.*member = from.*member; }, field.member);
}

std::string help_text(const PutField& field) {
  if (!field.range) return std::string(field.help);
  return fmt::format("{} [{} to {}]", field.help, field.range->min, field.range->max);
}

PutDescription without_convproxy_facts(PutDescription description) {
  PutDescription blank;
  blank.name = "put";
  for (const PutField& field : put_fields())
    if (field.convproxy_fact) copy_value(field, blank, description);
  return description;
}

}  // namespace convtest::harness
