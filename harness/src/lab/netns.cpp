#include "harness/lab/netns.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sched.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "harness/link/netlink.hpp"

namespace convtest::harness {
namespace {

using packetgen::failure;

// The calling thread's namespace; /proc/self would be the main thread's.
constexpr const char* kThreadNetns = "/proc/thread-self/ns/net";

std::string errno_text(int errno_value) { return std::strerror(errno_value); }

packetgen::Result<UniqueFd, std::string> open_namespace_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return failure(fmt::format("open {}: {}", path, errno_text(errno)));
  return fd;
}

Status switch_to(int fd, std::string_view what) {
  if (::setns(fd, CLONE_NEWNET) != 0) return failure(privilege_error(what, errno, "CAP_SYS_ADMIN"));
  return Done{};
}

std::string sysctl_path(std::string_view name) {
  std::string path = "/proc/sys/";
  const bool dotted = name.find('/') == std::string_view::npos;
  for (const char c : name) path += (dotted && c == '.') ? '/' : c;
  return path;
}

Status bring_loopback_up() {
  auto netlink = NetlinkSocket::open();
  if (!netlink) return failure(netlink.error());
  return netlink->set_up("lo");
}

}  // namespace

std::string privilege_error(std::string_view what, int errno_value, std::string_view capability) {
  std::string text = fmt::format("{}: {}", what, errno_text(errno_value));
  if (errno_value == EPERM || errno_value == EACCES) {
    text += fmt::format(" (needs {}; run as root or grant it)", capability);
  }
  return text;
}

NetnsGuard::~NetnsGuard() {
  if (!previous_) return;
  if (::setns(previous_.get(), CLONE_NEWNET) != 0) {
    // Carrying on would run the rest of the harness in the wrong namespace.
    std::fprintf(stderr, "convtest: cannot return to the previous network namespace: %s\n", std::strerror(errno));
    std::abort();
  }
}

Netns::Netns(UniqueFd fd, std::string origin) : fd_(std::move(fd)), origin_(std::move(origin)) {
  struct stat info {};
  if (::fstat(fd_.get(), &info) == 0) inode_ = static_cast<unsigned long>(info.st_ino);
}

NetnsResult Netns::create() {
  auto previous = open_namespace_file(kThreadNetns);
  if (!previous) return failure(previous.error());
  if (::unshare(CLONE_NEWNET) != 0) {
    return failure(privilege_error("unshare(CLONE_NEWNET)", errno, "CAP_SYS_ADMIN"));
  }
  // From here the thread is inside the new namespace: go back whatever happens.
  const NetnsGuard back(std::move(*previous));
  auto fresh = open_namespace_file(kThreadNetns);
  if (!fresh) return failure(fresh.error());
  if (auto up = bring_loopback_up(); !up) return failure("loopback in new namespace: " + up.error());
  return Netns(std::move(*fresh), "");
}

NetnsResult Netns::join(const std::string& path) {
  auto fd = open_namespace_file(path);
  if (!fd) return failure(fd.error());
  Netns joined(std::move(*fd), path);
  // Fail now, not on first use, when the file is no network namespace or
  // setns is not permitted.
  if (auto entered = joined.enter(); !entered) return failure(entered.error());
  return joined;
}

NetnsResult Netns::current() {
  auto fd = open_namespace_file(kThreadNetns);
  if (!fd) return failure(fd.error());
  return Netns(std::move(*fd), "current");
}

NetnsGuardResult Netns::enter() const {
  auto previous = open_namespace_file(kThreadNetns);
  if (!previous) return failure(previous.error());
  if (auto moved = switch_to(fd_.get(), fmt::format("setns into {}", describe())); !moved) {
    return failure(moved.error());
  }
  return NetnsGuard(std::move(*previous));
}

std::string Netns::describe() const {
  if (origin_.empty()) return fmt::format("netns:[{}]", inode_);
  return fmt::format("netns {} [{}]", origin_, inode_);
}

Status Netns::set_sysctl(std::string_view name, std::string_view value, IfMissing if_missing) const {
  auto entered = enter();
  if (!entered) return failure(entered.error());
  const std::string path = sysctl_path(name);
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) {
    const int error = errno;
    if (error == ENOENT && if_missing == IfMissing::Ignore) return Done{};
    return failure(privilege_error(fmt::format("sysctl {} (in {})", name, describe()), error, "CAP_NET_ADMIN"));
  }
  const std::string text = std::string(value) + "\n";
  const ssize_t written = ::write(fd.get(), text.data(), text.size());
  if (written != static_cast<ssize_t>(text.size())) {
    return failure(
        fmt::format("sysctl {}={}: {}", name, value, written < 0 ? errno_text(errno) : std::string("short write")));
  }
  return Done{};
}

packetgen::Result<std::string, std::string> Netns::sysctl(std::string_view name) const {
  auto entered = enter();
  if (!entered) return failure(entered.error());
  const std::string path = sysctl_path(name);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return failure(fmt::format("sysctl {}: {}", name, errno_text(errno)));
  std::string text(4096, '\0');
  const ssize_t got = ::read(fd.get(), text.data(), text.size());
  if (got < 0) return failure(fmt::format("sysctl {}: {}", name, errno_text(errno)));
  text.resize(static_cast<std::size_t>(got));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace convtest::harness
