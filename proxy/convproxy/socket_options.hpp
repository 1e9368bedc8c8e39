#pragma once
// Integer socket options, the way every convproxy socket sets them.

#include <sys/socket.h>

namespace convtest::convproxy {

// Debian 12's libc headers predate IPPROTO_MPTCP.
inline constexpr int kIpprotoMptcp = 262;

// False when the kernel refuses the option (errno says why).
inline bool set_int_option(int fd, int level, int name, int value) {
  return ::setsockopt(fd, level, name, &value, sizeof value) == 0;
}

}  // namespace convtest::convproxy
