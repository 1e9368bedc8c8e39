// convclient: a netcat-like RFC 8803 Convert client.
//   convclient --converter 192.0.2.1:5124 198.51.100.7 80 < request > response

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "convclient/exit_code.hpp"
#include "convclient/options.hpp"
#include "convclient/session.hpp"
#include "convtest/version.hpp"
#include "log_format.hpp"

namespace {

using convtest::convclient::ClientOptions;
using convtest::convclient::ExitCode;

constexpr const char* kExitCodes =
    "Exit codes:\n"
    "   0  relay finished\n"
    "   1  converter unreachable, or the connection broke during the relay\n"
    "   2  usage error\n"
    "   3  environment problem (net.ipv4.tcp_fastopen, MPTCP)\n"
    "   4  no valid Convert reply (malformed, closed early, timeout, SYN data not acked)\n"
    "  10  Error TLV, message validation class (codes 0-31, except 3)\n"
    "  11  Error TLV Missing Cookie (3): retry with the --cookie printed on stderr\n"
    "  12  Error TLV, client-side class (codes 32-63)\n"
    "  13  Error TLV, converter-side class (codes 64-95), or the converter is still backing off\n"
    "  14  Error TLV, destination class (codes 96-127)\n";

struct RawArguments {
  std::string converter;
  std::string destination;
  int port = 0;
  bool tcp = false;
  std::string cookie;
  std::vector<std::string> connect_options;
  std::string early_data;
  std::string raw_message;
  int connect_timeout_ms = 5000;
  int reply_timeout_ms = 10000;
  bool verbose = false;
  std::vector<std::string> faults;
  std::string state_dir;
};

void define(CLI::App& app, RawArguments& raw, ClientOptions& options) {
  app.add_option("--converter", raw.converter, "Converter ADDR:PORT ([V6]:PORT for IPv6)")->required();
  app.add_option("destination", raw.destination, "Server address (IPv4 or IPv6)")->required();
  app.add_option("port", raw.port, "Server port")->required()->check(CLI::Range(1, 65535));
  app.add_flag("--tcp", raw.tcp, "Plain TCP to the converter instead of MPTCP");
  app.add_flag("--info", options.info, "Send an Info TLV (asks for Supported TCP Extensions)");
  app.add_option("--cookie", raw.cookie, "Cookie TLV with these bytes (hex)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--option", raw.connect_options,
                 "Extended Connect option KIND[:HEXVALUE] (repeatable), e.g. 30, 34, 34:0011..")
      ->allow_extra_args(false);
  app.add_option("--early-data", raw.early_data, "Early data for the SYN instead of what stdin holds at start")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--early-data-limit", options.early_data_limit, "Most bytes taken from stdin for the SYN")
      ->capture_default_str()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_flag("--print-reply", options.print_reply, "Print the converter's decoded reply on stderr");
  app.add_flag("--retry-with-cookie", options.retry_with_cookie,
               "On Missing Cookie, reset and send the request once more with the converter's cookie");
  app.add_option("--state-dir", raw.state_dir,
                 "Remember a converter's back-off (Resource Exceeded, Network Failure) in this existing folder "
                 "between runs, and honour it")
      ->check(CLI::ExistingDirectory)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--connect-timeout", raw.connect_timeout_ms, "Handshake timeout (ms)")
      ->capture_default_str()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--reply-timeout", raw.reply_timeout_ms, "Convert reply timeout (ms)")
      ->capture_default_str()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_flag("-v,--verbose", raw.verbose, "Debug log on stderr");
  // Test hook: send these bytes instead of the Convert message (a crafted client).
  app.add_option("--raw-message", raw.raw_message)->group("");
  app.add_option("--fault", raw.faults,
                 "Break one client requirement on purpose, for the suite's kill matrix (repeatable; docs/faults.md)")
      ->group("Testing");
}

// Flags that need parsing beyond CLI11's own; a message on failure.
std::string finish(const RawArguments& raw, ClientOptions& options) {
  using namespace convtest;
  auto converter = convclient::parse_endpoint(raw.converter);
  if (!converter) return "--converter: " + converter.error();
  options.converter = *converter;
  auto destination = convclient::parse_host(raw.destination);
  if (!destination) return destination.error();
  options.destination = {*destination, static_cast<std::uint16_t>(raw.port)};
  options.mptcp = !raw.tcp;
  for (const auto& text : raw.connect_options) {
    auto block = convclient::parse_connect_option(text);
    if (!block) return block.error();
    options.connect_options.insert(options.connect_options.end(), block->begin(), block->end());
  }
  if (!raw.cookie.empty()) {
    auto cookie = packetgen::parse_hex(raw.cookie);
    if (!cookie.ok || cookie.bytes.empty()) return "--cookie: not hex";
    options.cookie = std::move(cookie.bytes);
  }
  if (!raw.raw_message.empty()) {
    auto message = packetgen::parse_hex(raw.raw_message);
    if (!message.ok) return "--raw-message: not hex";
    options.raw_message = std::move(message.bytes);
  }
  if (!raw.early_data.empty()) options.early_data = raw.early_data;
  if (!raw.state_dir.empty()) options.state_dir = raw.state_dir;
  for (const auto& name : raw.faults) {
    const auto fault = convclient::parse_fault(name);
    if (!fault) return fmt::format("unknown fault '{}'; valid faults: {}", name, convclient::fault_names());
    options.faults.add(*fault);
  }
  options.connect_timeout = std::chrono::milliseconds(raw.connect_timeout_ms);
  options.reply_timeout = std::chrono::milliseconds(raw.reply_timeout_ms);
  return {};
}

void set_up_logging(bool verbose) {
  auto logger = spdlog::stderr_logger_st("convclient");
  logger->set_pattern(convtest::proxy_log::pattern("convclient", true), spdlog::pattern_time_type::utc);
  logger->set_level(verbose ? spdlog::level::debug : spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "convclient: an RFC 8803 (0-RTT TCP Convert) client, netcat style.\n"
      "Sends the Convert message and early data in the SYN (MSG_FASTOPEN), strips the\n"
      "converter's reply, then relays stdin/stdout with half-close."};
  app.footer(kExitCodes);
  app.set_version_flag("--version", std::string("convclient ") + CONVTEST_VERSION);
  RawArguments raw;
  ClientOptions options;
  define(app, raw, options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? 0 : static_cast<int>(ExitCode::Usage);
  }
  set_up_logging(raw.verbose);
  if (const std::string problem = finish(raw, options); !problem.empty()) {
    spdlog::error("{}", problem);
    return static_cast<int>(ExitCode::Usage);
  }
  if (!options.faults.empty()) {
    std::string names;
    for (const auto& name : raw.faults) names += (names.empty() ? "" : ",") + name;
    spdlog::warn("faults injected: {}", names);
  }
  std::signal(SIGPIPE, SIG_IGN);
  return static_cast<int>(convtest::convclient::run_session(options, {0, 1}));
}
