#include "topology.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <random>

#include "harness/process/subprocess.hpp"
#include "packetgen/ip.hpp"

namespace convtest::proxytest {

namespace {

constexpr auto kCommandTimeout = std::chrono::milliseconds(5000);
constexpr const char* kPrefix = "ctpe-";

// The command's exit code (-1 when it could not run or overran), its output in `output`.
int run_command(const std::vector<std::string>& argv, std::string* output = nullptr) {
  const auto ran = harness::process::run({.argv = argv}, kCommandTimeout);
  if (!ran) {
    if (output != nullptr) *output = ran.error();
    return -1;
  }
  if (output != nullptr) *output = ran->output;
  return ran->status ? ran->status->shell_code() : -1;
}

bool process_alive(long pid) { return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM; }

std::string unique_stem() {
  std::random_device entropy;
  return fmt::format("{}{}-{:04x}-", kPrefix, ::getpid(), entropy() & 0xffff);
}

}  // namespace

void sweep_stale_namespaces() {
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator("/run/netns", ignored)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(kPrefix)) continue;
    const long pid = std::strtol(name.c_str() + 5, nullptr, 10);
    if (pid > 0 && process_alive(pid)) continue;
    run_command({"/usr/sbin/ip", "netns", "del", name});
  }
}

Topology::Topology() {
  if (::geteuid() != 0) {
    error_ = "these tests need root (CAP_NET_ADMIN) to create network namespaces";
    return;
  }
  sweep_stale_namespaces();
  const std::string stem = unique_stem();
  for (const char* role : {"c", "t", "r", "s"}) {
    std::string name = stem + role;
    std::string output;
    if (run_command({"/usr/sbin/ip", "netns", "add", name}, &output) != 0) {
      error_ = fmt::format("ip netns add {} failed (needs CAP_NET_ADMIN): {}", name, output);
      return;
    }
    namespaces_.push_back(std::move(name));
  }
  build();
}

Topology::~Topology() {
  for (const auto& name : namespaces_) run_command({"/usr/sbin/ip", "netns", "del", name});
}

bool Topology::ip(const std::string& netns, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"/usr/sbin/ip", "-n", netns};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string output;
  if (run_command(argv, &output) == 0) return true;
  if (error_.empty()) error_ = fmt::format("{}: {}", fmt::join(argv, " "), output);
  return false;
}

void Topology::sysctl(const std::string& netns, const std::vector<std::string>& settings) {
  std::vector<std::string> argv{"/usr/sbin/ip", "netns", "exec", netns, "/usr/sbin/sysctl", "-qw"};
  argv.insert(argv.end(), settings.begin(), settings.end());
  std::string output;
  if (run_command(argv, &output) != 0 && error_.empty()) error_ = fmt::format("{}: {}", fmt::join(argv, " "), output);
}

void Topology::link(const std::string& a, const std::string& a_name, const std::string& b, const std::string& b_name) {
  ip(a, {"link", "add", a_name, "type", "veth", "peer", "name", b_name, "netns", b});
  ip(a, {"link", "set", a_name, "up"});
  ip(b, {"link", "set", b_name, "up"});
}

void Topology::address(const std::string& netns, const std::string& device, const std::string& cidr) {
  const auto prefix = packetgen::ip::Cidr::parse(cidr);
  if (prefix && prefix->address.family == packetgen::ip::Family::V6)
    ip(netns, {"-6", "addr", "add", cidr, "dev", device, "nodad"});
  else
    ip(netns, {"addr", "add", cidr, "dev", device});
}

void Topology::build() {
  const auto& c = client();
  const auto& t = converter();
  const auto& r = router();
  const auto& s = server();
  for (const auto& ns : namespaces_) {
    ip(ns, {"link", "set", "lo", "up"});
    // 0x207: TFO client (0x1) and server (0x2), SYN data without cookie
    // (0x4, CLI-I06) and listeners accept it without cookie (0x200).
    sysctl(ns, {"net.ipv4.tcp_fastopen=519", "net.mptcp.enabled=1", "net.ipv6.conf.all.accept_dad=0",
                "net.ipv6.conf.default.accept_dad=0"});
  }
  sysctl(r, {"net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1", "net.ipv4.icmp_ratelimit=0",
             "net.ipv6.icmp.ratelimit=0"});
  link(c, "c0", t, "t0");
  link(t, "t1", r, "r0");
  link(r, "r1", s, "s0");
  address(c, "c0", fmt::format("{}/24", addr::kClient4));
  address(c, "c0", fmt::format("{}/64", addr::kClient6));
  address(t, "t0", fmt::format("{}/24", addr::kConverter4));
  address(t, "t0", fmt::format("{}/64", addr::kConverter6));
  address(t, "t1", "10.0.12.1/24");
  address(t, "t1", "fd00:12::1/64");
  address(r, "r0", "10.0.12.2/24");
  address(r, "r0", "fd00:12::2/64");
  address(r, "r1", "198.51.100.1/24");
  address(r, "r1", "2001:db8:2::1/64");
  address(s, "s0", fmt::format("{}/24", addr::kServer4));
  address(s, "s0", fmt::format("{}/64", addr::kServer6));
  ip(t, {"route", "add", "default", "via", "10.0.12.2"});
  ip(t, {"-6", "route", "add", "default", "via", "fd00:12::2"});
  ip(s, {"route", "add", "default", "via", "198.51.100.1"});
  ip(s, {"-6", "route", "add", "default", "via", "2001:db8:2::1"});
  ip(r, {"route", "add", "192.0.2.0/24", "via", "10.0.12.1"});
  ip(r, {"-6", "route", "add", "2001:db8:1::/64", "via", "fd00:12::1"});
  ip(r, {"route", "add", "unreachable", "203.0.113.0/25"});
  ip(r, {"route", "add", "prohibit", "203.0.113.128/26"});
  ip(r, {"route", "add", "blackhole", "203.0.113.192/26"});
  ip(r, {"-6", "route", "add", "unreachable", "2001:db8:3::/64"});
  ip(r, {"-6", "route", "add", "prohibit", "2001:db8:4::/64"});
  ip(r, {"-6", "route", "add", "blackhole", "2001:db8:5::/64"});
  ip(c, {"route", "add", "default", "via", addr::kConverter4});
  ip(c, {"-6", "route", "add", "default", "via", addr::kConverter6});
}

}  // namespace convtest::proxytest
