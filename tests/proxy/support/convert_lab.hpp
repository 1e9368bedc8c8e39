#pragma once
// One end-to-end lab: the namespace chain of topology.hpp, a scratch
// folder, convproxy in the converter namespace, a test server in the server
// namespace, and convclient runs in the client namespace. Everything is
// torn down by the destructor, in reverse order.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "files.hpp"
#include "harness/process/subprocess.hpp"
#include "topology.hpp"

namespace convtest::proxytest {

inline constexpr std::uint16_t kConverterPort = 5124;
inline constexpr std::uint16_t kServerPort = 8080;
inline constexpr std::uint16_t kClosedPort = 9;  // nothing listens: the server kernel RSTs

struct ClientRun {
  int exit_code = -1;  // -1: did not finish in time (then killed)
  std::string out;
  std::string err;
};

struct ServerScript {
  std::string address = addr::kServer4;
  std::uint16_t port = kServerPort;
  std::string greeting = "greeting from the server\n";
  std::string reply = "reply after the client's FIN\n";
  int connections = 1;
  bool in_converter_namespace = false;  // play the converter (no convproxy)
};

class ConvertLab {
 public:
  ConvertLab();
  ConvertLab(const ConvertLab&) = delete;
  ConvertLab& operator=(const ConvertLab&) = delete;
  ~ConvertLab();

  // Empty when the lab is usable; otherwise why not (missing privilege, ...).
  const std::string& error() const { return error_; }
  Topology& topology() { return topology_; }

  // convproxy with the lab defaults plus `extra` flags; waits until it
  // listens. Without lab_acl the client subnets are not --allow'ed.
  bool start_proxy(const std::vector<std::string>& extra = {}, bool lab_acl = true);
  // Before start_proxy: worker threads (1) and log level (debug) of convproxy.
  void set_proxy_threads(unsigned threads) { proxy_threads_ = threads; }
  void set_proxy_log_level(std::string level) { proxy_log_level_ = std::move(level); }
  // SIGTERM, then up to `grace` for convproxy to exit; how it ended.
  std::optional<harness::process::ExitStatus> stop_proxy(std::chrono::milliseconds grace);
  // A program of the test in the server or client namespace, output to NAME.log.
  harness::process::SpawnResult start_in_server_namespace(const std::vector<std::string>& argv,
                                                          const std::string& name);
  harness::process::SpawnResult start_in_client_namespace(const std::vector<std::string>& argv,
                                                          const std::string& name);
  bool start_server(const ServerScript& script = {});

  // convclient in the client namespace; stdin gets `input` (a file), and the
  // run is killed after `timeout`.
  ClientRun run_client(const std::vector<std::string>& args, const std::string& input = "",
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // A client whose stdin stays open until the test closes it.
  harness::process::SpawnResult start_client(const std::vector<std::string>& args, const std::string& name);

  std::string server_received() const;
  std::string proxy_log() const;
  std::string file(const std::string& name) const;  // a path in the scratch folder
  // Log of everything the lab ran, for failure messages.
  std::string diagnostics() const;

 private:
  bool wait_listening(pid_t pid, std::uint16_t port, std::chrono::milliseconds timeout);
  harness::process::SpawnResult start_in(const std::string& netns, const std::vector<std::string>& argv,
                                         const std::string& name);

  Topology topology_;
  std::string directory_;
  std::string error_;
  std::optional<harness::process::Subprocess> proxy_;
  std::optional<harness::process::Subprocess> server_;
  int client_runs_ = 0;
  unsigned proxy_threads_ = 1;
  std::string proxy_log_level_ = "debug";
};

// convclient arguments for the converter of the lab, IPv4 or IPv6.
std::vector<std::string> client_args(bool ipv6, const std::string& destination, std::uint16_t port,
                                     std::vector<std::string> extra = {});

}  // namespace convtest::proxytest
