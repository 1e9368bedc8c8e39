#pragma once
// Linux keeps what an MPTCP socket is given before the client's third ACK
// (the MP_CAPABLE carrying both keys) queued and does not send it even once
// the ACK arrives; a reply written early can stall for good. Sessions ask
// this before writing to the client.

namespace convtest::convproxy {

// True once the client's MPTCP handshake is complete, and for any socket that
// is not (or no longer) MPTCP: plain TCP takes data right after the SYN-ACK.
bool client_handshake_complete(int fd);

// What the kernel says of an MPTCP connection's paths; for faults that
// misread path events as the end of the connection.
struct MptcpPaths {
  bool mptcp = false;  // MPTCP_INFO answers and shows no fallback
  unsigned subflows = 0;
};
MptcpPaths mptcp_paths(int fd);

}  // namespace convtest::convproxy
