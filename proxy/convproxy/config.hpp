#pragma once
// convproxy's configuration: command-line flags (CLI11) and an optional JSON
// file whose keys are the long flag names (flags given on the command line win).

#include <chrono>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "convproxy/address.hpp"
#include "convproxy/faults.hpp"
#include "convproxy/policy.hpp"
#include "packetgen/bytes.hpp"

namespace convtest::convproxy {

inline constexpr std::uint16_t kDefaultPort = 5124;

struct Config {
  std::vector<Address> listen;  // default: 0.0.0.0 and ::
  std::uint16_t port = kDefaultPort;
  bool mptcp = true;  // --tcp turns it off
  unsigned threads = 1;
  std::vector<Cidr> allow;                // empty: the default ACL (policy.hpp)
  bool allow_local_destinations = false;  // Connects to the host's own addresses (LocalAddresses)
  bool cookie_mode = false;
  packetgen::Bytes cookie_secret;  // empty: generated at startup
  std::int64_t cookie_rotation_seconds = 3600;
  std::vector<Cidr> cookie_clients;  // empty: cookies from every client (in cookie mode)
  std::chrono::milliseconds convert_timeout{5000};
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds error_linger{2000};
  std::chrono::seconds idle_timeout{300};
  int syn_retries = 0;  // 0: a single downstream SYN (CONV-070)
  std::uint32_t max_sessions = 20000;
  std::uint32_t max_pending_per_client = 32;
  std::uint8_t backoff_seconds = 30;
  double error_rate = 10;
  double error_burst = 20;
  FaultSet faults;
  std::string log_level = "info";
};

// What main() does when the command line does not yield a configuration:
// print `message` (stdout for code 0, stderr otherwise) and exit with `code`
// (0 for --help/--version, 2 for a bad configuration).
struct ConfigExit {
  int code = 0;
  std::string message;
};

std::variant<Config, ConfigExit> parse_config(const std::vector<std::string>& args);  // args without argv[0]

}  // namespace convtest::convproxy
