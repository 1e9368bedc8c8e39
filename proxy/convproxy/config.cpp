#include "convproxy/config.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "convproxy/cookie.hpp"
#include "convtest/version.hpp"

namespace convtest::convproxy {

namespace {

constexpr int kExitBadConfig = 2;
constexpr std::string_view kLogLevels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};

struct RawOptions {
  std::vector<std::string> listen;
  unsigned port = kDefaultPort;
  bool tcp = false;
  unsigned threads = 0;
  std::vector<std::string> allow;
  bool allow_local_destinations = false;
  bool cookie = false;
  std::string cookie_secret;
  std::int64_t cookie_rotation = 3600;
  std::vector<std::string> cookie_clients;
  std::int64_t convert_timeout_ms = 5000;
  std::int64_t connect_timeout_ms = 5000;
  std::int64_t error_linger_ms = 2000;
  std::int64_t idle_timeout_s = 300;
  int syn_retries = 0;
  std::uint32_t max_sessions = 20000;
  std::uint32_t max_pending = 32;
  unsigned backoff = 30;
  double error_rate = 10;
  double error_burst = 20;
  std::vector<std::string> faults;
  std::string log_level = "info";
  std::string config_file;
};

void define(CLI::App& app, RawOptions& raw) {
  app.set_version_flag("--version", std::string("convproxy ") + CONVTEST_VERSION);
  app.add_option("--listen", raw.listen,
                 "Address to listen on (repeatable; default 0.0.0.0 and ::). An IPv6 listener is IPv6-only: "
                 "--listen :: alone refuses IPv4 clients; 'any' listens on 0.0.0.0 and :: (both families)");
  app.add_option("--port", raw.port, "Convert port")->capture_default_str();
  app.add_flag("--tcp", raw.tcp, "Plain TCP listener (default: MPTCP; plain-TCP clients fall back by themselves)");
  app.add_option("--threads", raw.threads, "Worker threads, one event loop each (default: number of cores)");
  app.add_option("--allow", raw.allow,
                 "Client prefix allowed to use the converter (repeatable; default: loopback and the on-link "
                 "subnets of the listen addresses)");
  app.add_flag("--allow-local-destinations", raw.allow_local_destinations,
               "Relay to the converter host's own addresses (any port) too; default: Not Authorized, since a "
               "service of the host bound to a wildcard address would be reachable through the converter");
  app.add_flag("--cookie", raw.cookie, "Cookie mode: require a valid Cookie TLV (Missing Cookie otherwise)");
  app.add_option("--cookie-secret", raw.cookie_secret, "Cookie HMAC key in hex, >= 16 bytes (implies --cookie)");
  app.add_option("--cookie-clients", raw.cookie_clients,
                 "Client prefix that must present a cookie (repeatable; implies --cookie; default: every client)");
  app.add_option("--cookie-rotation", raw.cookie_rotation, "Cookie key slot in seconds")->capture_default_str();
  app.add_option("--convert-timeout", raw.convert_timeout_ms, "ms to wait for a complete Convert message")
      ->capture_default_str();
  app.add_option("--connect-timeout", raw.connect_timeout_ms,
                 "ms to wait for the server's SYN-ACK (then error 65); with --syn-retries 0 at most 900")
      ->capture_default_str();
  app.add_option("--error-linger", raw.error_linger_ms, "ms to wait for the client to close after an Error TLV")
      ->capture_default_str();
  app.add_option("--idle-timeout", raw.idle_timeout_s, "Seconds without traffic before a relay is torn down")
      ->capture_default_str();
  app.add_option("--syn-retries", raw.syn_retries,
                 "Downstream SYN retransmissions (TCP_SYNCNT, 1..127); 0: one SYN only (CONV-070)")
      ->capture_default_str();
  app.add_option("--max-sessions", raw.max_sessions, "Global session limit (then error 64)")->capture_default_str();
  app.add_option("--max-pending-per-client", raw.max_pending, "Pending downstream connects per client (then error 64)")
      ->capture_default_str();
  app.add_option("--backoff", raw.backoff, "Back-off seconds sent with errors 64 and 65 (0..255)")
      ->capture_default_str();
  app.add_option("--error-rate", raw.error_rate, "Error replies per second per client (token bucket)")
      ->capture_default_str();
  app.add_option("--error-burst", raw.error_burst, "Error reply burst per client")->capture_default_str();
  app.add_option("--fault", raw.faults, "Inject a fault (repeatable): " + fault_names());
  app.add_option("--log-level", raw.log_level, "trace, debug, info, warn, error, critical, off")->capture_default_str();
  app.add_option("--config", raw.config_file, "JSON file; keys are the long flag names");
}

struct ParseFailure {
  std::string reason;
};

// The JSON file turned into flags for every key the command line did not set.
std::variant<std::vector<std::string>, ParseFailure> flags_from_json(const std::string& path, const CLI::App& app) {
  std::ifstream in(path);
  if (!in) return ParseFailure{fmt::format("cannot read config file {}", path)};
  const auto json = nlohmann::json::parse(in, nullptr, false);
  if (json.is_discarded() || !json.is_object())
    return ParseFailure{fmt::format("config file {} is not a JSON object", path)};
  std::vector<std::string> flags;
  for (const auto& [key, value] : json.items()) {
    const std::string flag = "--" + key;
    if (key == "config" || key == "help" || key == "version")
      return ParseFailure{fmt::format("config file key '{}' not allowed", key)};
    const CLI::Option* option = nullptr;
    try {
      option = app.get_option(flag);
    } catch (const CLI::OptionNotFound&) {
      return ParseFailure{fmt::format("config file {}: unknown key '{}'", path, key)};
    }
    if (option->count() > 0) continue;
    const auto append = [&](const nlohmann::json& item) -> bool {
      if (item.is_boolean()) {
        if (item.get<bool>()) flags.push_back(flag);
        return true;
      }
      if (item.is_string()) {
        flags.push_back(flag);
        flags.push_back(item.get<std::string>());
        return true;
      }
      if (item.is_number()) {
        flags.push_back(flag);
        flags.push_back(item.dump());
        return true;
      }
      return false;
    };
    if (value.is_array()) {
      for (const auto& item : value)
        if (!append(item)) return ParseFailure{fmt::format("config file {}: bad value for '{}'", path, key)};
    } else if (!append(value)) {
      return ParseFailure{fmt::format("config file {}: bad value for '{}'", path, key)};
    }
  }
  return flags;
}

// Each address once: SO_REUSEPORT would let a second listener on the same
// address bind silently and split the clients between two sockets.
std::optional<ParseFailure> add_listen_address(std::vector<Address>& listen, const std::string& text,
                                               const Address& address) {
  if (std::find(listen.begin(), listen.end(), address) != listen.end())
    return ParseFailure{fmt::format("--listen {}: {} is given more than once (each address opens one listener)", text,
                                    to_string(address))};
  listen.push_back(address);
  return std::nullopt;
}

std::variant<std::vector<Address>, ParseFailure> listen_addresses(const std::vector<std::string>& texts) {
  const auto wildcard4 = *packetgen::convert::parse_address("0.0.0.0");
  const auto wildcard6 = *packetgen::convert::parse_address("::");
  std::vector<Address> listen;
  for (const auto& text : texts) {
    std::vector<Address> addresses;
    if (text == "any") {  // each family's wildcard: IPv6 listeners are IPv6-only
      addresses = {wildcard4, wildcard6};
    } else if (const auto address = packetgen::convert::parse_address(text)) {
      addresses = {*address};
    } else {
      return ParseFailure{fmt::format("--listen {}: not an IP address", text)};
    }
    for (const auto& address : addresses)
      if (auto failure = add_listen_address(listen, text, address)) return *failure;
  }
  if (listen.empty()) listen = {wildcard4, wildcard6};
  return listen;
}

std::variant<Config, ParseFailure> validate(const RawOptions& raw) {
  Config config;
  auto listen = listen_addresses(raw.listen);
  if (auto* failure = std::get_if<ParseFailure>(&listen)) return *failure;
  config.listen = std::get<std::vector<Address>>(std::move(listen));
  if (raw.port == 0 || raw.port > 65535) return ParseFailure{fmt::format("--port {}: must be 1..65535", raw.port)};
  config.port = static_cast<std::uint16_t>(raw.port);
  config.mptcp = !raw.tcp;
  config.threads = raw.threads > 0 ? raw.threads : std::max(1u, std::thread::hardware_concurrency());
  constexpr unsigned kMaxThreads = 256;
  if (config.threads > kMaxThreads)
    return ParseFailure{fmt::format("--threads {}: at most {}", raw.threads, kMaxThreads)};
  for (const auto& text : raw.allow) {
    const auto cidr = Cidr::parse(text);
    if (!cidr) return ParseFailure{fmt::format("--allow {}: not an address or prefix (e.g. 192.0.2.0/24)", text)};
    config.allow.push_back(cidr->network());
  }
  config.allow_local_destinations = raw.allow_local_destinations;
  for (const auto& text : raw.cookie_clients) {
    const auto cidr = Cidr::parse(text);
    if (!cidr)
      return ParseFailure{fmt::format("--cookie-clients {}: not an address or prefix (e.g. 192.0.2.0/24)", text)};
    config.cookie_clients.push_back(cidr->network());
  }
  config.cookie_mode = raw.cookie || !raw.cookie_secret.empty() || !config.cookie_clients.empty();
  if (!raw.cookie_secret.empty()) {
    const auto parsed = packetgen::parse_hex(raw.cookie_secret);
    if (!parsed.ok || parsed.bytes.size() < kMinSecretSize)
      return ParseFailure{fmt::format("--cookie-secret: need at least {} bytes of hex", kMinSecretSize)};
    config.cookie_secret = parsed.bytes;
  }
  if (raw.cookie_rotation < 1) return ParseFailure{"--cookie-rotation: must be >= 1 second"};
  config.cookie_rotation_seconds = raw.cookie_rotation;
  const auto positive = [](std::int64_t value) { return value > 0; };
  if (!positive(raw.convert_timeout_ms)) return ParseFailure{"--convert-timeout: must be > 0"};
  if (!positive(raw.connect_timeout_ms)) return ParseFailure{"--connect-timeout: must be > 0"};
  if (raw.error_linger_ms < 0) return ParseFailure{"--error-linger: must be >= 0"};
  if (!positive(raw.idle_timeout_s)) return ParseFailure{"--idle-timeout: must be > 0"};
  config.convert_timeout = std::chrono::milliseconds(raw.convert_timeout_ms);
  config.connect_timeout = std::chrono::milliseconds(raw.connect_timeout_ms);
  config.error_linger = std::chrono::milliseconds(raw.error_linger_ms);
  config.idle_timeout = std::chrono::seconds(raw.idle_timeout_s);
  constexpr int kMaxSynRetries = 127;
  if (raw.syn_retries < 0 || raw.syn_retries > kMaxSynRetries) return ParseFailure{"--syn-retries: must be 0..127"};
  config.syn_retries = raw.syn_retries;
  if (raw.max_sessions == 0) return ParseFailure{"--max-sessions: must be > 0"};
  if (raw.max_pending == 0) return ParseFailure{"--max-pending-per-client: must be > 0"};
  config.max_sessions = raw.max_sessions;
  config.max_pending_per_client = raw.max_pending;
  if (raw.backoff > 255) return ParseFailure{"--backoff: must be 0..255"};
  config.backoff_seconds = static_cast<std::uint8_t>(raw.backoff);
  if (!(raw.error_rate > 0) || !(raw.error_burst >= 1))
    return ParseFailure{"--error-rate must be > 0 and --error-burst >= 1"};
  config.error_rate = raw.error_rate;
  config.error_burst = raw.error_burst;
  for (const auto& text : raw.faults) {
    const auto fault = parse_fault(text);
    if (!fault) return ParseFailure{fmt::format("--fault {}: unknown fault; valid faults: {}", text, fault_names())};
    config.faults.add(*fault);
  }
  if (std::find(std::begin(kLogLevels), std::end(kLogLevels), raw.log_level) == std::end(kLogLevels))
    return ParseFailure{
        fmt::format("--log-level {}: use trace, debug, info, warn, error, critical or off", raw.log_level)};
  config.log_level = raw.log_level;
  return config;
}

// One CLI11 pass; nullopt when parsing succeeded.
std::optional<ConfigExit> run_parser(CLI::App& app, std::vector<std::string> args) {
  std::reverse(args.begin(), args.end());  // CLI11 consumes a reversed vector
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    return ConfigExit{0, app.help()};
  } catch (const CLI::CallForVersion&) {
    return ConfigExit{0, app.version()};
  } catch (const CLI::ParseError& error) {
    return ConfigExit{kExitBadConfig, fmt::format("convproxy: {}\nRun with --help for usage.", error.what())};
  }
  return std::nullopt;
}

}  // namespace

std::variant<Config, ConfigExit> parse_config(const std::vector<std::string>& args) {
  RawOptions first;
  CLI::App first_app{"convproxy: reference RFC 8803 Transport Converter", "convproxy"};
  define(first_app, first);
  if (auto exit = run_parser(first_app, args)) return *exit;

  RawOptions raw = first;
  if (!first.config_file.empty()) {
    auto flags = flags_from_json(first.config_file, first_app);
    if (auto* failure = std::get_if<ParseFailure>(&flags))
      return ConfigExit{kExitBadConfig, "convproxy: " + failure->reason};
    auto combined = std::get<std::vector<std::string>>(flags);
    combined.insert(combined.end(), args.begin(), args.end());
    raw = RawOptions{};
    CLI::App second_app{"convproxy: reference RFC 8803 Transport Converter", "convproxy"};
    define(second_app, raw);
    if (auto exit = run_parser(second_app, combined)) {
      if (exit->code != 0)
        exit->message = fmt::format("convproxy: in config file {}: {}", first.config_file, exit->message);
      return *exit;
    }
  }
  auto validated = validate(raw);
  if (auto* failure = std::get_if<ParseFailure>(&validated))
    return ConfigExit{kExitBadConfig, "convproxy: " + failure->reason};
  return std::get<Config>(std::move(validated));
}

}  // namespace convtest::convproxy
