#include "convproxy/mptcp_state.hpp"

#include <linux/mptcp.h>
#include <sys/socket.h>

namespace convtest::convproxy {

bool client_handshake_complete(int fd) {
  mptcp_info info{};
  socklen_t length = sizeof info;
  // Fails for plain TCP sockets and, on some kernels, for fallen-back ones.
  if (::getsockopt(fd, SOL_MPTCP, MPTCP_INFO, &info, &length) != 0) return true;
  if ((info.mptcpi_flags & MPTCP_INFO_FLAG_FALLBACK) != 0) return true;
  return (info.mptcpi_flags & MPTCP_INFO_FLAG_REMOTE_KEY_RECEIVED) != 0;
}

}  // namespace convtest::convproxy
