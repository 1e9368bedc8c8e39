#pragma once
// Values MPTCP v1 derives from its keys (RFC 8684 3.1, 3.2, 3.3.1): token,
// initial data sequence number, MP_JOIN HMACs and the DSS checksum.

#include <array>
#include <cstdint>

#include "packetgen/bytes.hpp"

namespace convtest::packetgen::tcp::mptcp {

using Sha256Digest = std::array<std::uint8_t, 32>;

Sha256Digest sha256(ByteView data);
Sha256Digest hmac_sha256(ByteView key, ByteView message);

// Keys are hashed in network byte order (8 bytes, most significant first).
std::uint32_t token(std::uint64_t key);  // most significant 32 bits of SHA-256(key)
std::uint64_t idsn(std::uint64_t key);   // least significant 64 bits of SHA-256(key)

// MP_JOIN (RFC 8684 3.2): HMAC-SHA256 with Key = key_local || key_remote and
// Message = nonce_local || nonce_remote, where "local" is the sender of the
// HMAC. The SYN/ACK carries the leftmost 64 bits, the third ACK the leftmost
// 160 bits.
Sha256Digest mp_join_hmac(std::uint64_t key_local, std::uint64_t key_remote, std::uint32_t nonce_local,
                          std::uint32_t nonce_remote);
std::uint64_t mp_join_truncated_hmac(const Sha256Digest& hmac);  // leftmost 64 bits

// DSS checksum (RFC 8684 3.3.1): RFC 1071 over the pseudo-header (64-bit DSN,
// 32-bit relative subflow sequence, 16-bit data-level length, 16 zero bits)
// and the mapped payload. The value to write into the option.
std::uint16_t dss_checksum(std::uint64_t dsn, std::uint32_t subflow_seq, std::uint16_t data_level_length,
                           ByteView payload);

}  // namespace convtest::packetgen::tcp::mptcp
