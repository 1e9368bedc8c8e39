#pragma once
// A network namespace held by a file descriptor, never by a name: it lives as
// long as the Netns (or anything created inside it, like a TUN fd) and needs
// no cleanup of /var/run/netns. Namespace membership is per thread: enter()
// moves only the calling thread, and the guard must die on that thread.

#include <string>
#include <string_view>

#include "harness/link/link.hpp"
#include "harness/link/unique_fd.hpp"
#include "packetgen/result.hpp"

namespace convtest::harness {

class Netns;
using NetnsResult = packetgen::Result<Netns, std::string>;

// While alive, the calling thread is inside the namespace; the destructor
// moves it back to where it was.
class [[nodiscard]] NetnsGuard {
 public:
  NetnsGuard(NetnsGuard&&) noexcept = default;
  NetnsGuard& operator=(NetnsGuard&&) = delete;
  NetnsGuard(const NetnsGuard&) = delete;
  NetnsGuard& operator=(const NetnsGuard&) = delete;
  ~NetnsGuard();

 private:
  friend class Netns;
  explicit NetnsGuard(UniqueFd previous) : previous_(std::move(previous)) {}
  UniqueFd previous_;
};
using NetnsGuardResult = packetgen::Result<NetnsGuard, std::string>;

// What to do when a sysctl does not exist on this kernel.
enum class IfMissing : bool { Fail, Ignore };

class Netns {
 public:
  // A fresh namespace with `lo` up. Needs CAP_SYS_ADMIN (the error says so).
  static NetnsResult create();
  // An existing namespace, e.g. "/proc/PID/ns/net" of a container.
  static NetnsResult join(const std::string& path);
  // The namespace the calling thread is in now.
  static NetnsResult current();

  Netns(Netns&&) noexcept = default;
  Netns& operator=(Netns&&) noexcept = default;

  [[nodiscard]] NetnsGuardResult enter() const;
  [[nodiscard]] int fd() const { return fd_.get(); }
  // The kernel's identity of the namespace (inode of its nsfs file).
  [[nodiscard]] unsigned long inode() const { return inode_; }
  // "netns:[4026532281]" or "netns /proc/1234/ns/net [4026532281]".
  [[nodiscard]] std::string describe() const;

  // name: "net.ipv4.tcp_fastopen" (or "net/ipv4/tcp_fastopen"); written to
  // /proc/sys while entered, so it applies to this namespace only.
  [[nodiscard]] Status set_sysctl(std::string_view name, std::string_view value,
                                  IfMissing if_missing = IfMissing::Fail) const;
  // The sysctl's current value without the trailing newline.
  [[nodiscard]] packetgen::Result<std::string, std::string> sysctl(std::string_view name) const;

 private:
  Netns(UniqueFd fd, std::string origin);
  UniqueFd fd_;
  std::string origin_;
  unsigned long inode_ = 0;
};

// Text for a failed privileged call: names the missing capability on EPERM.
std::string privilege_error(std::string_view what, int errno_value, std::string_view capability);

}  // namespace convtest::harness
