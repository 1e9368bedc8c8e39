#pragma once
// Where a case runs: a network namespace (or a remote NIC), the link the
// harness talks through, and the address plan of addressing.hpp. Three ways
// to reach the PUT:
//   Lab::local          fresh namespace + tun0; the PUT is spawned inside it
//                       per case with spawn_put() (--spawn 'TEMPLATE')
//   Lab::in_namespace   joins the namespace of a running PUT (--netns PATH,
//                       e.g. /proc/PID/ns/net of a container) and adds its own
//                       TUN there; the PUT listens on a wildcard address or on
//                       192.0.2.1 / 2001:db8:1::1 (which the lab adds)
//   Lab::remote         a real NIC over PcapL2Link (--remote --iface IF); the
//                       PUT's side is configured as docs/remote-put.md says
// A Lab is reusable across cases (per worker): attach a per-case pcap with
// link().record_to(), spawn/stop the PUT per case. Labs are independent;
// several can run in parallel, except in_namespace labs on one namespace.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/lab/addressing.hpp"
#include "harness/lab/command_template.hpp"
#include "harness/lab/netns.hpp"
#include "harness/lab/phase_timer.hpp"
#include "harness/lab/put_process.hpp"
#include "harness/link/link.hpp"
#include "packetgen/ip.hpp"

namespace convtest::harness {

// Per-namespace kernel settings for the PUT (written before the PUT starts).
struct LabSysctls {
  // 0x203 = TFO server on, SYN data accepted without a cookie (client bit too).
  int tcp_fastopen = 0x203;
  // Fixed, so cookies are the same on every run.
  std::string tcp_fastopen_key = "c0a80201-00000000-5124f00d-00000001";
  // Small, so a silent server ends the PUT's connect in bounded time.
  int tcp_syn_retries = 2;
  // Linear SYN backoff on kernels >= 6.5 (absent before: tolerated).
  std::optional<int> tcp_syn_linear_timeouts;
  bool mptcp_enabled = true;
  bool mptcp_checksum_enabled = false;
  // The kernel's IPv6 router solicitations only add noise to the pcaps.
  bool quiet_ipv6 = true;
  // Anything else, applied last: {"net.ipv4.tcp_ecn", "0"}.
  std::vector<std::pair<std::string, std::string>> extra;
};

// Who lives in the namespace: the converter under test (the harness plays
// clients and servers) or the client under test (the harness plays the
// converter and the servers).
enum class LabRole : std::uint8_t { Converter, Client };

struct LabSettings {
  LabRole role = LabRole::Converter;
  std::uint16_t port = addressing::kDefaultConverterPort;
  std::string tun_name = "tun0";
  std::uint32_t mtu = 1500;
  LabSysctls sysctls;
  // in_namespace: leave the joined namespace's sysctls untouched when false.
  bool apply_sysctls = true;
  // Multiplies every lab wait (PUT readiness, L2 address resolution).
  double time_scale = 1.0;
};

struct RemoteSettings {
  std::string interface;  // a dedicated NIC, VLAN or macvlan without the lab's addresses
  // Where the interface lives (nullptr: the caller's namespace).
  const Netns* netns = nullptr;
  // The box on the other end as configured per docs/remote-put.md: the
  // PUT, or in the client role the client under test.
  packetgen::ip::Address put_v4 = addressing::converter_v4();
  std::optional<packetgen::ip::Address> put_v6 = addressing::converter_v6();
};

// Where cases send their Convert SYNs.
struct PutTarget {
  packetgen::ip::Address v4;
  std::optional<packetgen::ip::Address> v6;
  std::uint16_t port = addressing::kDefaultConverterPort;
};

class Lab;
using LabResult = packetgen::Result<std::unique_ptr<Lab>, std::string>;

class Lab {
 public:
  static LabResult local(const LabSettings& settings = {});
  static LabResult in_namespace(const std::string& netns_path, const LabSettings& settings = {});
  static LabResult remote(const RemoteSettings& remote, const LabSettings& settings = {});
  ~Lab();  // closes the link (running its before_close hooks), then drops the namespace
  Lab(const Lab&) = delete;
  Lab& operator=(const Lab&) = delete;

  [[nodiscard]] Link& link() { return *link_; }
  // The namespace the PUT lives in; nullptr for a remote lab.
  [[nodiscard]] const Netns* netns() const { return netns_ ? &*netns_ : nullptr; }
  [[nodiscard]] const PutTarget& put() const { return target_; }
  [[nodiscard]] const LabSettings& settings() const { return settings_; }
  // `base` multiplied by the time scale.
  [[nodiscard]] std::chrono::milliseconds scaled(std::chrono::milliseconds base) const;
  [[nodiscard]] std::string describe() const;
  // How long each step of building the lab took ("netns", "sysctls", "tun";
  // "link" for a remote lab).
  [[nodiscard]] const PhaseTimes& setup_phases() const { return setup_phases_; }

  // Launches the PUT inside the lab's namespace from a command template
  // ({addr} {addr6} {port}); ready once it listens on the lab's port.
  // output_dir/label name its stdout/stderr files. `ready_timeout` (and the
  // 1 s SIGTERM grace) are multiplied by the time scale here: pass unscaled
  // values. Fails for a remote lab.
  [[nodiscard]] PutProcessResult spawn_put(
      const std::string& command_template, const std::filesystem::path& output_dir, const std::string& label,
      std::chrono::milliseconds ready_timeout = std::chrono::milliseconds(5000)) const;
  // The values spawn_put substitutes.
  [[nodiscard]] PlaceholderValues placeholders() const;

 private:
  Lab(std::optional<Netns> netns, std::unique_ptr<Link> link, PutTarget target, LabSettings settings);
  std::optional<Netns> netns_;
  std::unique_ptr<Link> link_;
  PutTarget target_;
  LabSettings settings_;
  // A joined namespace's own values of the sysctls the lab changed.
  std::vector<std::pair<std::string, std::string>> restore_sysctls_;
  PhaseTimes setup_phases_;
};

struct SysctlSetting {
  std::string name;
  std::string value;
  IfMissing if_missing;
};
// What apply_sysctls writes, in order.
std::vector<SysctlSetting> sysctl_settings(const LabSysctls& sysctls);
// Applies `sysctls` inside `netns`; stops at the first failure.
Status apply_sysctls(const Netns& netns, const LabSysctls& sysctls);

}  // namespace convtest::harness
