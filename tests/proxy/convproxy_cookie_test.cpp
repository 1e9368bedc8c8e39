#include <gtest/gtest.h>

#include "convproxy/convert_phase.hpp"
#include "convproxy/cookie.hpp"
#include "convproxy/limits.hpp"
#include "packetgen/bytes.hpp"

namespace convtest::convproxy {
namespace convproxy_cookie_test {  // named: in a unity build, its helpers meet those of other tests

namespace convert = packetgen::convert;

const packetgen::Bytes kSecret = packetgen::hex("00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff");
const Address kClient = convert::ipv4_mapped("192.0.2.100");
const Address kOther = convert::ipv4_mapped("192.0.2.101");
constexpr std::int64_t kRotation = 60;
constexpr std::int64_t kNow = 1'700'000'000;  // start of a slot: kNow % 60 == 20

TEST(ConvproxyCookie, IsSixteenBytesDeterministicAndBoundToTheAddress) {
  const CookieJar jar(kSecret, kRotation);
  const auto cookie = jar.issue(kClient, kNow);
  EXPECT_EQ(cookie.size(), kCookieSize);
  EXPECT_EQ(cookie.size() % 4, 0u);  // AMB-15: no padding needed
  EXPECT_EQ(cookie, jar.issue(kClient, kNow));
  EXPECT_NE(cookie, jar.issue(kOther, kNow));
  EXPECT_TRUE(jar.valid(cookie, kClient, kNow));
  EXPECT_FALSE(jar.valid(cookie, kOther, kNow));
}

TEST(ConvproxyCookie, EveryClientNeedsACookieUnlessPrefixesAreGiven) {
  const CookieJar everyone(kSecret, kRotation);
  EXPECT_TRUE(everyone.required_for(kClient));
  EXPECT_TRUE(everyone.required_for(convert::ipv4_mapped("203.0.113.7")));

  const CookieJar some(kSecret, kRotation, {*Cidr::parse("192.0.2.100/31"), *Cidr::parse("2001:db8:1::c00/120")});
  EXPECT_TRUE(some.required_for(kClient));
  EXPECT_TRUE(some.required_for(kOther));
  EXPECT_FALSE(some.required_for(convert::ipv4_mapped("192.0.2.102")));
  EXPECT_TRUE(some.required_for(*convert::parse_address("2001:db8:1::c10")));
  EXPECT_FALSE(some.required_for(*convert::parse_address("2001:db8:1::100")));
  // The scope changes who must present a cookie, not what a cookie is.
  EXPECT_EQ(some.issue(kClient, kNow), everyone.issue(kClient, kNow));
}

TEST(ConvproxyCookie, OnlyClientsInTheScopeAreAskedForACookie) {
  const CookieJar jar(kSecret, kRotation, {*Cidr::parse("192.0.2.100/32")});
  PhaseContext context;
  context.cookies = &jar;
  const auto request = [](std::vector<convert::Tlv> tlvs) {
    auto connect = convert::ConnectTlv{80, convert::ipv4_mapped("198.51.100.10"), {}};
    tlvs.emplace_back(connect);
    return convert::encode(convert::Message{std::move(tlvs)}).value();
  };
  const auto missing = decide(request({}), context, ClientFacts{kClient, kNow});
  const auto* error = std::get_if<decision::SendError>(&missing);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->error.code, convert::ErrorCode::MissingCookie);
  EXPECT_TRUE(std::holds_alternative<decision::OpenDownstream>(
      decide(request({convert::CookieTlv{error->error.bytes}}), context, ClientFacts{kClient, kNow})));
  // Outside the scope: no cookie needed, and one sent anyway is ignored (AMB-16).
  EXPECT_TRUE(
      std::holds_alternative<decision::OpenDownstream>(decide(request({}), context, ClientFacts{kOther, kNow})));
  EXPECT_TRUE(std::holds_alternative<decision::OpenDownstream>(
      decide(request({convert::CookieTlv{packetgen::hex("de ad be ef")}}), context, ClientFacts{kOther, kNow})));
}

TEST(ConvproxyCookie, AnotherSecretGivesAnotherCookie) {
  const CookieJar jar(kSecret, kRotation);
  auto other_secret = kSecret;
  other_secret[0] ^= 1;
  const CookieJar other(other_secret, kRotation);
  EXPECT_NE(jar.issue(kClient, kNow), other.issue(kClient, kNow));
  EXPECT_FALSE(other.valid(jar.issue(kClient, kNow), kClient, kNow));
}

TEST(ConvproxyCookie, FlippedOrShortCookiesAreInvalid) {
  const CookieJar jar(kSecret, kRotation);
  auto cookie = jar.issue(kClient, kNow);
  for (std::size_t i = 0; i < cookie.size(); ++i) {
    auto flipped = cookie;
    flipped[i] ^= 0x40;
    EXPECT_FALSE(jar.valid(flipped, kClient, kNow)) << i;
  }
  cookie.pop_back();
  EXPECT_FALSE(jar.valid(cookie, kClient, kNow));
  EXPECT_FALSE(jar.valid({}, kClient, kNow));
}

TEST(ConvproxyCookie, TrailingZeroPaddingIsToleratedOtherBytesAreNot) {
  const CookieJar jar(kSecret, kRotation);
  auto padded = jar.issue(kClient, kNow);
  padded.insert(padded.end(), {0, 0, 0, 0});
  EXPECT_TRUE(jar.valid(padded, kClient, kNow));
  padded.back() = 1;
  EXPECT_FALSE(jar.valid(padded, kClient, kNow));
}

TEST(ConvproxyCookie, PreviousSlotIsAcceptedOlderSlotsAreNot) {
  const CookieJar jar(kSecret, kRotation);
  const auto cookie = jar.issue(kClient, kNow);
  const auto slot_start = kNow - kNow % kRotation;
  EXPECT_TRUE(jar.valid(cookie, kClient, slot_start + kRotation - 1));
  EXPECT_NE(jar.issue(kClient, slot_start + kRotation), cookie);    // the key rotated
  EXPECT_TRUE(jar.valid(cookie, kClient, slot_start + kRotation));  // grace period
  EXPECT_TRUE(jar.valid(cookie, kClient, slot_start + 2 * kRotation - 1));
  EXPECT_FALSE(jar.valid(cookie, kClient, slot_start + 2 * kRotation));
  EXPECT_FALSE(jar.valid(jar.issue(kClient, kNow + kRotation), kClient, kNow));  // not from the future
}

TEST(ConvproxyCookie, RandomSecretsDiffer) {
  const auto a = CookieJar::random_secret();
  const auto b = CookieJar::random_secret();
  ASSERT_TRUE(a && b);
  EXPECT_GE(a->size(), kMinSecretSize);
  EXPECT_NE(*a, *b);
}

TEST(ConvproxyLimits, TokenBucketAllowsTheBurstThenTheRate) {
  TokenBucket bucket(2, 3);
  EXPECT_TRUE(bucket.take(10.0));
  EXPECT_TRUE(bucket.take(10.0));
  EXPECT_TRUE(bucket.take(10.0));
  EXPECT_FALSE(bucket.take(10.0));
  EXPECT_FALSE(bucket.take(10.2));
  EXPECT_TRUE(bucket.take(10.5));  // 1 token after 0.5 s at 2/s
  EXPECT_FALSE(bucket.take(10.5));
  EXPECT_TRUE(bucket.full(100.0));
}

TEST(ConvproxyLimits, SessionCounterStopsAtTheLimit) {
  SessionCounter counter(2);
  EXPECT_TRUE(counter.try_acquire());
  EXPECT_TRUE(counter.try_acquire());
  EXPECT_FALSE(counter.try_acquire());
  EXPECT_EQ(counter.active(), 2u);
  counter.release();
  EXPECT_TRUE(counter.try_acquire());
}

TEST(ConvproxyLimits, PendingLimitIsPerClient) {
  ClientLimits limits({2, 1, 1});
  EXPECT_TRUE(limits.try_acquire_pending(kClient));
  EXPECT_TRUE(limits.try_acquire_pending(kClient));
  EXPECT_FALSE(limits.try_acquire_pending(kClient));
  EXPECT_TRUE(limits.try_acquire_pending(kOther));
  limits.release_pending(kClient);
  EXPECT_TRUE(limits.try_acquire_pending(kClient));
}

TEST(ConvproxyLimits, ErrorRateIsPerClient) {
  ClientLimits limits({8, 1, 2});
  EXPECT_TRUE(limits.allow_error(kClient, 1.0));
  EXPECT_TRUE(limits.allow_error(kClient, 1.0));
  EXPECT_FALSE(limits.allow_error(kClient, 1.0));
  EXPECT_TRUE(limits.allow_error(kOther, 1.0));
  EXPECT_TRUE(limits.allow_error(kClient, 2.0));
}

}  // namespace convproxy_cookie_test
}  // namespace convtest::convproxy
