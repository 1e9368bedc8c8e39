#include "packetgen/mptcp_crypto.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <cstdio>
#include <cstdlib>

#include "packetgen/ip.hpp"

namespace convtest::packetgen::tcp::mptcp {
namespace {

Bytes key_bytes(std::uint64_t key) {
  Bytes out;
  put_u64(out, key);
  return out;
}

[[noreturn]] void crypto_failure(const char* what) {
  // Only a broken libcrypto can get here; no input makes these calls fail.
  std::fprintf(stderr, "packetgen::mptcp: %s failed\n", what);
  std::abort();
}

}  // namespace

Sha256Digest sha256(ByteView data) {
  Sha256Digest digest{};
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1 || size != digest.size())
    crypto_failure("SHA-256");
  return digest;
}

Sha256Digest hmac_sha256(ByteView key, ByteView message) {
  Sha256Digest digest{};
  unsigned int size = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), message.data(), message.size(), digest.data(),
           &size) == nullptr ||
      size != digest.size())
    crypto_failure("HMAC-SHA256");
  return digest;
}

std::uint32_t token(std::uint64_t key) { return get_u32(sha256(key_bytes(key)), 0); }

std::uint64_t idsn(std::uint64_t key) { return get_u64(sha256(key_bytes(key)), 24); }

Sha256Digest mp_join_hmac(std::uint64_t key_local, std::uint64_t key_remote, std::uint32_t nonce_local,
                          std::uint32_t nonce_remote) {
  Bytes key = key_bytes(key_local);
  put_u64(key, key_remote);
  Bytes message;
  put_u32(message, nonce_local);
  put_u32(message, nonce_remote);
  return hmac_sha256(key, message);
}

std::uint64_t mp_join_truncated_hmac(const Sha256Digest& hmac) { return get_u64(hmac, 0); }

std::uint16_t dss_checksum(std::uint64_t dsn, std::uint32_t subflow_seq, std::uint16_t data_level_length,
                           ByteView payload) {
  Bytes covered;
  covered.reserve(16 + payload.size());
  put_u64(covered, dsn);
  put_u32(covered, subflow_seq);
  put_u16(covered, data_level_length);
  put_u16(covered, 0);
  put_bytes(covered, payload);
  return ip::internet_checksum(covered);
}

}  // namespace convtest::packetgen::tcp::mptcp
