#include "convproxy/cookie.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>

namespace convtest::convproxy {

CookieJar::CookieJar(packetgen::Bytes secret, std::int64_t rotation_seconds, std::vector<Cidr> required_from)
    : secret_(std::move(secret)),
      rotation_seconds_(std::max<std::int64_t>(1, rotation_seconds)),
      required_from_(std::move(required_from)) {}

bool CookieJar::required_for(const Address& client) const {
  if (required_from_.empty()) return true;
  return std::any_of(required_from_.begin(), required_from_.end(),
                     [&](const Cidr& prefix) { return prefix.contains(packetgen::convert::ip_address(client)); });
}

std::int64_t CookieJar::slot_of(std::int64_t unix_seconds) const { return unix_seconds / rotation_seconds_; }

packetgen::Bytes CookieJar::compute(const Address& client, std::int64_t slot) const {
  packetgen::Bytes input(client.begin(), client.end());
  packetgen::put_u64(input, static_cast<std::uint64_t>(slot));
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_size = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()), input.data(), input.size(), digest.data(),
       &digest_size);
  return {digest.begin(), digest.begin() + kCookieSize};
}

packetgen::Bytes CookieJar::issue(const Address& client, std::int64_t unix_seconds) const {
  return compute(client, slot_of(unix_seconds));
}

bool CookieJar::valid(packetgen::ByteView cookie, const Address& client, std::int64_t unix_seconds) const {
  if (cookie.size() < kCookieSize) return false;
  if (!std::all_of(cookie.begin() + kCookieSize, cookie.end(), [](std::uint8_t b) { return b == 0; })) return false;
  const auto slot = slot_of(unix_seconds);
  for (const auto candidate_slot : {slot, slot - 1}) {
    const auto expected = compute(client, candidate_slot);
    if (CRYPTO_memcmp(expected.data(), cookie.data(), kCookieSize) == 0) return true;
  }
  return false;
}

std::optional<packetgen::Bytes> CookieJar::random_secret() {
  packetgen::Bytes secret(32);
  if (RAND_bytes(secret.data(), static_cast<int>(secret.size())) != 1) return std::nullopt;
  return secret;
}

}  // namespace convtest::convproxy
