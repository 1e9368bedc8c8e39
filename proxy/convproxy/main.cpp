// convproxy: the reference RFC 8803 Transport Converter.

#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "convproxy/config.hpp"
#include "convproxy/listener.hpp"
#include "convproxy/option_rules.hpp"
#include "convproxy/worker.hpp"
#include "convtest/version.hpp"
#include "log_format.hpp"

namespace convproxy = convtest::convproxy;

namespace {

constexpr int kExitEnvironment = 2;
constexpr unsigned kFastOpenServer = 0x2;
constexpr unsigned kFastOpenClient = 0x1;
constexpr unsigned kFastOpenClientNoCookie = 0x4;

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_logger_mt("convproxy");
  logger->set_pattern(convtest::proxy_log::pattern("convproxy", false), spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

void raise_fd_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
  spdlog::debug("event=fd_limit value={}", limit.rlim_cur);
}

void check_fastopen_sysctl() {
  const auto value = convproxy::tcp_fastopen_sysctl();
  if (!value) {
    spdlog::warn("event=sysctl_unreadable name=net.ipv4.tcp_fastopen");
    return;
  }
  if ((*value & kFastOpenServer) == 0)
    spdlog::warn(
        "event=sysctl_warning name=net.ipv4.tcp_fastopen value={:#x} reason=\"server bit 0x2 missing: "
        "SYN data is not accepted; run sysctl -w net.ipv4.tcp_fastopen=0x203\"",
        *value);
  if ((*value & kFastOpenClient) == 0)
    spdlog::warn(
        "event=sysctl_warning name=net.ipv4.tcp_fastopen value={:#x} reason=\"client bit 0x1 missing: "
        "TFO toward servers (kind 34) is not attempted\"",
        *value);
  if ((*value & kFastOpenClientNoCookie) != 0)
    spdlog::warn(
        "event=sysctl_warning name=net.ipv4.tcp_fastopen value={:#x} reason=\"bit 0x4 set: downstream "
        "TFO SYNs carry no TFO option, so a requested kind 34 is not emitted\"",
        *value);
}

std::string join_listen(const convproxy::Config& config) {
  std::string out;
  for (const auto& address : config.listen) {
    if (!out.empty()) out += ",";
    out += convproxy::to_string(address);
  }
  return out;
}

std::optional<convproxy::CookieJar> make_cookies(const convproxy::Config& config) {
  if (!config.cookie_mode) return std::nullopt;
  auto secret = config.cookie_secret;
  if (secret.empty()) {
    auto generated = convproxy::CookieJar::random_secret();
    if (!generated) return std::nullopt;
    secret = *generated;
  }
  return convproxy::CookieJar(std::move(secret), config.cookie_rotation_seconds, config.cookie_clients);
}

// At stop: how exact the Extended TCP Headers were (a warning when any
// SYN-ACK was missed or dropped, so runs at --log-level warn see it).
void log_capture_stats(const convproxy::CaptureStats& stats) {
  const bool exact = stats.not_captured == 0 && stats.kernel_drops == 0;
  spdlog::log(exact ? spdlog::level::info : spdlog::level::warn,
              "event=synack_capture_stats captured={} not_captured={} kernel_drops={} adopted={}", stats.captured,
              stats.not_captured, stats.kernel_drops, stats.adopted);
}

int run(const convproxy::Config& config) {
  raise_fd_limit();
  check_fastopen_sysctl();
  const bool mptcp_available = convproxy::mptcp_supported();
  if (config.mptcp && !mptcp_available)
    spdlog::warn("event=mptcp_unavailable reason=\"IPPROTO_MPTCP refused (net.mptcp.enabled?): plain TCP only\"");

  const auto interfaces = convproxy::interface_addresses();
  const bool default_acl = config.allow.empty();
  auto acl = default_acl ? convproxy::default_acl(config.listen, interfaces) : convproxy::Acl(config.allow);
  auto cookies = make_cookies(config);
  if (config.cookie_mode && !cookies) {
    fmt::print(stderr, "convproxy: cannot generate a cookie secret\n");
    return kExitEnvironment;
  }
  convproxy::Shared shared(config, std::move(acl), convproxy::SelfEndpoints(config.listen, interfaces, config.port),
                           std::move(cookies), mptcp_available);
  spdlog::info("event=acl default={} allow={}", default_acl, shared.acl.to_string());
  if (!config.faults.empty()) spdlog::warn("event=faults_injected faults={}", config.faults.to_string());

  const convproxy::ListenerSetup setup{config.port, config.mptcp && mptcp_available,
                                       !config.faults.has(convproxy::Fault::NoSynData)};
  const auto capture = convproxy::SynAckCapture::open();
  if (!capture)
    spdlog::warn(
        "event=synack_capture_unavailable errno={} reason=\"no AF_PACKET socket (needs CAP_NET_RAW): "
        "Extended TCP Header rebuilt from TCP_INFO\"",
        errno);
  std::vector<std::unique_ptr<convproxy::Worker>> workers;
  for (unsigned index = 0; index < config.threads; ++index) {
    std::vector<convproxy::Fd> listeners;
    for (const auto& address : config.listen) {
      auto opened = convproxy::open_listener(address, setup);
      if (!opened) {
        fmt::print(stderr, "convproxy: cannot listen: {}\n", opened.error());
        return kExitEnvironment;
      }
      listeners.push_back(std::move(opened->fd));
    }
    workers.push_back(std::make_unique<convproxy::Worker>(shared, std::move(listeners), capture.get(), index));
  }

  std::vector<std::thread> threads;
  threads.reserve(workers.size());
  for (auto& worker : workers) threads.emplace_back([&worker] { worker->run(); });

  spdlog::info("event=start version={} listen={} port={} threads={} mptcp={} syn_data={} cookie={} max_sessions={}",
               CONVTEST_VERSION, join_listen(config), config.port, config.threads, setup.mptcp, setup.accept_syn_data,
               config.cookie_mode, config.max_sessions);
  fmt::print(stderr, "convproxy ready listen={} port={}\n", join_listen(config), config.port);
  std::fflush(stderr);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  int received = 0;
  sigwait(&signals, &received);
  spdlog::info("event=stop signal={}", received);
  for (auto& worker : workers) worker->stop();
  for (auto& thread : threads) thread.join();
  if (capture) log_capture_stats(capture->stats());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = convproxy::parse_config(args);
  if (auto* exit = std::get_if<convproxy::ConfigExit>(&parsed)) {
    std::fputs(exit->message.c_str(), exit->code == 0 ? stdout : stderr);
    std::fputs("\n", exit->code == 0 ? stdout : stderr);
    return exit->code;
  }
  const auto& config = std::get<convproxy::Config>(parsed);
  // Signals are taken synchronously by main(); workers never see them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  setup_logging(config.log_level);
  return run(config);
}
