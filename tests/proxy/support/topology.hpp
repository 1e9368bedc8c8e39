#pragma once
// A chain of network namespaces with real kernels at every hop:
//
//   client --veth-- converter --veth-- router --veth-- server
//
// IPv4 and IPv6 (nodad) everywhere. The router holds unreachable, prohibit
// and blackhole routes so that the converter's downstream SYN meets an ICMP
// error or silence. Names start with "ctpe-<pid>-"; the constructor sweeps
// stale ones left by dead processes, the destructor deletes its own.

#include <string>
#include <vector>

namespace convtest::proxytest {

namespace addr {
inline constexpr const char* kClient4 = "192.0.2.100";
inline constexpr const char* kClient6 = "2001:db8:1::100";
inline constexpr const char* kConverter4 = "192.0.2.1";
inline constexpr const char* kConverter6 = "2001:db8:1::1";
inline constexpr const char* kServer4 = "198.51.100.10";
inline constexpr const char* kServer6 = "2001:db8:2::10";
// Routed by the router to "unreachable" (ICMP host/no-route unreachable).
inline constexpr const char* kUnreachable4 = "203.0.113.10";
inline constexpr const char* kUnreachable6 = "2001:db8:3::10";
// Routed to "prohibit" (ICMP administratively prohibited).
inline constexpr const char* kProhibited4 = "203.0.113.140";
inline constexpr const char* kProhibited6 = "2001:db8:4::10";
// Routed to "blackhole": silence.
inline constexpr const char* kBlackhole4 = "203.0.113.200";
inline constexpr const char* kBlackhole6 = "2001:db8:5::10";
}  // namespace addr

class Topology {
 public:
  Topology();
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;
  ~Topology();

  // Empty when every namespace, link, address and sysctl is in place.
  const std::string& error() const { return error_; }

  const std::string& client() const { return namespaces_[0]; }
  const std::string& converter() const { return namespaces_[1]; }
  const std::string& router() const { return namespaces_[2]; }
  const std::string& server() const { return namespaces_[3]; }
  // The server's interface name inside server(), for packet capture.
  static constexpr const char* kServerInterface = "s0";

  // Runs `ip -n NS ARGS...`; records a failure in error().
  bool ip(const std::string& netns, const std::vector<std::string>& args);

 private:
  void build();
  void sysctl(const std::string& netns, const std::vector<std::string>& settings);
  void link(const std::string& a, const std::string& a_name, const std::string& b, const std::string& b_name);
  void address(const std::string& netns, const std::string& device, const std::string& cidr);

  std::vector<std::string> namespaces_;
  std::string error_;
};

// Deletes ctpe-<pid>-* namespaces whose process no longer exists.
void sweep_stale_namespaces();

}  // namespace convtest::proxytest
