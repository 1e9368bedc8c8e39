#pragma once
// Cookie mode (RFC 8803 section 6.2.7, 9.2): a cookie is an HMAC-SHA256 over
// the client address and a time slot, truncated to 16 bytes (a multiple of 4,
// AMB-15). Keys rotate every slot; a cookie of the previous slot stays valid
// (grace period), older ones are refused. A converter may demand cookies
// from some clients only (--cookie-clients): the others are served as if
// cookie mode were off, and a Cookie TLV they send is ignored (AMB-16).

#include <cstdint>
#include <optional>
#include <vector>

#include "convproxy/address.hpp"
#include "convproxy/policy.hpp"
#include "packetgen/bytes.hpp"

namespace convtest::convproxy {

inline constexpr std::size_t kCookieSize = 16;
inline constexpr std::size_t kMinSecretSize = 16;

class CookieJar {
 public:
  // required_from: the client prefixes that must present a cookie; empty:
  // every client.
  CookieJar(packetgen::Bytes secret, std::int64_t rotation_seconds, std::vector<Cidr> required_from = {});

  [[nodiscard]] bool required_for(const Address& client) const;

  [[nodiscard]] packetgen::Bytes issue(const Address& client, std::int64_t unix_seconds) const;
  // Trailing zero bytes beyond the cookie size are tolerated (padding, AMB-15).
  [[nodiscard]] bool valid(packetgen::ByteView cookie, const Address& client, std::int64_t unix_seconds) const;

  static std::optional<packetgen::Bytes> random_secret();

 private:
  [[nodiscard]] packetgen::Bytes compute(const Address& client, std::int64_t slot) const;
  [[nodiscard]] std::int64_t slot_of(std::int64_t unix_seconds) const;

  packetgen::Bytes secret_;
  std::int64_t rotation_seconds_;
  std::vector<Cidr> required_from_;
};

}  // namespace convtest::convproxy
