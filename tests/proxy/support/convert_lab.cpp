#include "convert_lab.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <thread>

#ifndef CONVTEST_CONVPROXY_PATH
#define CONVTEST_CONVPROXY_PATH ""  // the convproxy target does not exist in this build
#endif
#ifndef CONVTEST_CONVCLIENT_PATH
#define CONVTEST_CONVCLIENT_PATH ""
#endif

namespace convtest::proxytest {

namespace process = harness::process;

namespace {

std::filesystem::path netns_path(const std::string& name) { return std::filesystem::path("/run/netns") / name; }

std::string make_scratch_directory() {
  std::string pattern = (std::filesystem::temp_directory_path() / fmt::format("ctpe-{}-XXXXXX", ::getpid())).string();
  if (::mkdtemp(pattern.data()) == nullptr) return {};
  return pattern;
}

// A LISTEN (state 0A) line for the port in /proc/PID/net/tcp{,6}, which
// shows the namespace of that process.
bool has_listener(pid_t pid, std::uint16_t port) {
  const std::string local_port = fmt::format(":{:04X}", port);
  for (const char* table : {"tcp", "tcp6"}) {
    std::istringstream lines(read_file(fmt::format("/proc/{}/net/{}", pid, table)));
    std::string line;
    while (std::getline(lines, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state;
      fields >> slot >> local >> remote >> state;
      if (state == "0A" && local.ends_with(local_port)) return true;
    }
  }
  return false;
}

}  // namespace

std::vector<std::string> client_args(bool ipv6, const std::string& destination, std::uint16_t port,
                                     std::vector<std::string> extra) {
  std::vector<std::string> args{"--converter",
                                ipv6 ? fmt::format("[{}]:{}", addr::kConverter6, kConverterPort)
                                     : fmt::format("{}:{}", addr::kConverter4, kConverterPort),
                                destination,
                                std::to_string(port),
                                "--reply-timeout",
                                "5000",
                                "-v"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

ConvertLab::ConvertLab() {
  if (!topology_.error().empty()) {
    error_ = topology_.error();
    return;
  }
  directory_ = make_scratch_directory();
  if (directory_.empty()) error_ = "cannot create a scratch directory";
}

ConvertLab::~ConvertLab() {
  proxy_.reset();
  server_.reset();
  if (!directory_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }
}

std::string ConvertLab::file(const std::string& name) const { return directory_ + "/" + name; }

bool ConvertLab::wait_listening(pid_t pid, std::uint16_t port, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (has_listener(pid, port)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

bool ConvertLab::start_proxy(const std::vector<std::string>& extra, bool lab_acl) {
  if (std::string(CONVTEST_CONVPROXY_PATH).empty() || std::string(CONVTEST_CONVCLIENT_PATH).empty()) {
    error_ = "convproxy or convclient is not part of this build";
    return false;
  }
  std::vector<std::string> argv{CONVTEST_CONVPROXY_PATH,
                                "--listen",
                                addr::kConverter4,
                                "--listen",
                                addr::kConverter6,
                                "--port",
                                std::to_string(kConverterPort),
                                "--threads",
                                std::to_string(proxy_threads_),
                                "--connect-timeout",
                                "1500",
                                "--error-linger",
                                "500",
                                "--log-level",
                                proxy_log_level_};
  if (lab_acl) argv.insert(argv.end(), {"--allow", "192.0.2.0/24", "--allow", "2001:db8:1::/64"});
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto proxy = process::Subprocess::spawn({.argv = argv,
                                           .stdout_to = process::Stream::file(file("convproxy.log")),
                                           .stderr_to = process::Stream::same_as_stdout(),
                                           .network_namespace = netns_path(topology_.converter())});
  if (!proxy) {
    error_ = proxy.error();
    return false;
  }
  proxy_.emplace(std::move(*proxy));
  if (wait_listening(proxy_->pid(), kConverterPort, std::chrono::seconds(5))) return true;
  error_ = fmt::format("convproxy did not listen on port {}: {}", kConverterPort, proxy_log());
  return false;
}

bool ConvertLab::start_server(const ServerScript& script) {
  const std::string ready = file("server.ready");
  std::vector<std::string> argv{CONVTEST_TEST_SERVER_PATH,
                                script.address,
                                std::to_string(script.port),
                                file("server.received"),
                                ready,
                                script.greeting,
                                script.reply,
                                std::to_string(script.connections),
                                "30"};
  const std::string& netns = script.in_converter_namespace ? topology_.converter() : topology_.server();
  auto server = process::Subprocess::spawn(
      {.argv = argv, .stderr_to = process::Stream::file(file("server.log")), .network_namespace = netns_path(netns)});
  if (!server) {
    error_ = server.error();
    return false;
  }
  server_.emplace(std::move(*server));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (std::filesystem::exists(ready)) return true;
    if (!server_->running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  error_ = fmt::format("test server did not start: {}", read_file(file("server.log")));
  return false;
}

ClientRun ConvertLab::run_client(const std::vector<std::string>& args, const std::string& input,
                                 std::chrono::milliseconds timeout) {
  const int run = ++client_runs_;
  const std::string in = file(fmt::format("client{}.in", run));
  const std::string out = file(fmt::format("client{}.out", run));
  const std::string err = file(fmt::format("client{}.err", run));
  write_file(in, input);
  std::vector<std::string> argv{CONVTEST_CONVCLIENT_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  ClientRun result;
  if (auto client = process::Subprocess::spawn({.argv = argv,
                                                .stdin_from = process::Stream::file(in),
                                                .stdout_to = process::Stream::file(out),
                                                .stderr_to = process::Stream::file(err),
                                                .network_namespace = netns_path(topology_.client())})) {
    const auto status = client->wait_for(timeout);
    result.exit_code = status ? status->shell_code() : -1;
  }
  result.out = read_file(out);
  result.err = read_file(err);
  return result;
}

process::SpawnResult ConvertLab::start_client(const std::vector<std::string>& args, const std::string& name) {
  std::vector<std::string> argv{CONVTEST_CONVCLIENT_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  return process::Subprocess::spawn({.argv = argv,
                                     .stdin_from = process::Stream::pipe(),
                                     .stdout_to = process::Stream::file(file(name + ".out")),
                                     .stderr_to = process::Stream::file(file(name + ".err")),
                                     .network_namespace = netns_path(topology_.client())});
}

std::optional<process::ExitStatus> ConvertLab::stop_proxy(std::chrono::milliseconds grace) {
  if (!proxy_) return std::nullopt;
  return proxy_->stop(grace);
}

process::SpawnResult ConvertLab::start_in(const std::string& netns, const std::vector<std::string>& argv,
                                          const std::string& name) {
  return process::Subprocess::spawn({.argv = argv,
                                     .stdout_to = process::Stream::file(file(name + ".log")),
                                     .stderr_to = process::Stream::same_as_stdout(),
                                     .network_namespace = netns_path(netns)});
}

process::SpawnResult ConvertLab::start_in_server_namespace(const std::vector<std::string>& argv,
                                                           const std::string& name) {
  return start_in(topology_.server(), argv, name);
}

process::SpawnResult ConvertLab::start_in_client_namespace(const std::vector<std::string>& argv,
                                                           const std::string& name) {
  return start_in(topology_.client(), argv, name);
}

std::string ConvertLab::server_received() const { return read_file(file("server.received")); }

std::string ConvertLab::proxy_log() const { return read_file(file("convproxy.log")); }

std::string ConvertLab::diagnostics() const {
  std::string text = fmt::format("--- convproxy log ---\n{}", proxy_log());
  text += fmt::format("--- server log ---\n{}", read_file(file("server.log")));
  for (int run = 1; run <= client_runs_; ++run)
    text += fmt::format("--- client run {} stderr ---\n{}", run, read_file(file(fmt::format("client{}.err", run))));
  return text;
}

}  // namespace convtest::proxytest
