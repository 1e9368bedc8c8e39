#include <gtest/gtest.h>

#include "packetgen/ip.hpp"
#include "packetgen/mptcp_crypto.hpp"
#include "packetgen/tcp_options.hpp"

namespace pg = convtest::packetgen;
namespace tcp = convtest::packetgen::tcp;
namespace mptcp = convtest::packetgen::tcp::mptcp;
using pg::hex;
using pg::to_hex;

namespace {

const tcp::MpCapableOption& only_mp_capable(const tcp::ParsedOptions& parsed) {
  static const tcp::MpCapableOption none{};
  if (parsed.options.size() != 1) return none;
  const auto* mpc = std::get_if<tcp::MpCapableOption>(&parsed.options[0].value);
  return mpc != nullptr ? *mpc : none;
}

tcp::DssOption only_dss(const pg::Bytes& bytes) {
  const auto parsed = tcp::parse_options(bytes);
  EXPECT_EQ(parsed.options.size(), 1U);
  EXPECT_FALSE(parsed.options.empty() || parsed.options[0].malformed);
  if (parsed.options.empty()) return {};
  const auto* dss = std::get_if<tcp::DssOption>(&parsed.options[0].value);
  return dss != nullptr ? *dss : tcp::DssOption{};
}

constexpr std::uint64_t kClientKey = 0x0123456789abcdefULL;
constexpr std::uint64_t kServerKey = 0xfedcba9876543210ULL;

}  // namespace

TEST(MpCapable, SynBytesFromTheCatalog) {
  EXPECT_EQ(to_hex(mptcp::mp_capable_syn()), "1e 04 01 01");
  EXPECT_EQ(to_hex(mptcp::mp_capable_syn(mptcp::mpc_flag::A | mptcp::mpc_flag::H)), "1e 04 01 81");
  EXPECT_EQ(to_hex(mptcp::mp_capable_syn(mptcp::mpc_flag::B | mptcp::mpc_flag::H)), "1e 04 01 41");
  EXPECT_EQ(to_hex(mptcp::mp_capable_syn(0, 0)), "1e 04 00 00");
}

TEST(MpCapable, SynAckAckAndDataBytes) {
  EXPECT_EQ(to_hex(mptcp::mp_capable_synack(kServerKey)), "1e 0c 01 01 fe dc ba 98 76 54 32 10");
  EXPECT_EQ(to_hex(mptcp::mp_capable_ack(kClientKey, kServerKey)),
            "1e 14 01 01 01 23 45 67 89 ab cd ef fe dc ba 98 76 54 32 10");
  EXPECT_EQ(to_hex(mptcp::mp_capable_data(kClientKey, kServerKey, 0x0102)),
            "1e 16 01 01 01 23 45 67 89 ab cd ef fe dc ba 98 76 54 32 10 01 02");
  EXPECT_EQ(
      to_hex(mptcp::mp_capable_data(kClientKey, kServerKey, 0x0102, 0xbeef, mptcp::mpc_flag::A | mptcp::mpc_flag::H)),
      "1e 18 01 81 01 23 45 67 89 ab cd ef fe dc ba 98 76 54 32 10 01 02 be ef");
}

TEST(MpCapable, ParsesEveryLength) {
  auto parsed = tcp::parse_options(mptcp::mp_capable_syn());
  EXPECT_EQ(only_mp_capable(parsed).version, 1);
  EXPECT_EQ(only_mp_capable(parsed).flags, mptcp::mpc_flag::H);
  EXPECT_FALSE(only_mp_capable(parsed).sender_key);

  parsed = tcp::parse_options(mptcp::mp_capable_synack(kServerKey));
  EXPECT_EQ(only_mp_capable(parsed).sender_key, kServerKey);
  EXPECT_FALSE(only_mp_capable(parsed).receiver_key);

  parsed = tcp::parse_options(mptcp::mp_capable_ack(kClientKey, kServerKey));
  EXPECT_EQ(only_mp_capable(parsed).sender_key, kClientKey);
  EXPECT_EQ(only_mp_capable(parsed).receiver_key, kServerKey);
  EXPECT_FALSE(only_mp_capable(parsed).data_level_length);

  parsed = tcp::parse_options(mptcp::mp_capable_data(kClientKey, kServerKey, 77));
  EXPECT_EQ(only_mp_capable(parsed).data_level_length, 77);
  EXPECT_FALSE(only_mp_capable(parsed).checksum);

  parsed = tcp::parse_options(mptcp::mp_capable_data(kClientKey, kServerKey, 77, 0x1234));
  EXPECT_EQ(only_mp_capable(parsed).checksum, 0x1234);
  EXPECT_NE(parsed.find_mptcp(mptcp::Subtype::MpCapable), nullptr);
  EXPECT_EQ(parsed.find_mptcp(mptcp::Subtype::Dss), nullptr);
}

TEST(MpCapable, OddLengthsAreMalformed) {
  for (const char* text :
       {"1e 03 01", "1e 05 01 01 00", "1e 08 01 01 00 00 00 00", "1e 0d 01 01 00 00 00 00 00 00 00 00 00"}) {
    const auto parsed = tcp::parse_options(hex(text));
    ASSERT_EQ(parsed.options.size(), 1U) << text;
    EXPECT_TRUE(parsed.options[0].malformed) << text;
    EXPECT_FALSE(parsed.broken_at) << text;
  }
}

TEST(Dss, FlagsAndLayoutFollowRfc8684) {
  mptcp::Dss ack_only;
  ack_only.data_ack = 0x11223344;
  ack_only.ack64 = false;
  EXPECT_EQ(to_hex(mptcp::dss(ack_only)), "1e 08 20 01 11 22 33 44");
  ack_only.ack64 = true;
  ack_only.data_ack = 0x0102030405060708ULL;
  EXPECT_EQ(to_hex(mptcp::dss(ack_only)), "1e 0c 20 03 01 02 03 04 05 06 07 08");

  mptcp::Dss map32;
  map32.dsn64 = false;
  map32.mapping = mptcp::Dss::Mapping{0xaabbccdd, 0x00000001, 0x0010, std::nullopt};
  EXPECT_EQ(to_hex(mptcp::dss(map32)), "1e 0e 20 04 aa bb cc dd 00 00 00 01 00 10");

  mptcp::Dss full;
  full.data_ack = 0x1111111122222222ULL;
  full.mapping = mptcp::Dss::Mapping{0x3333333344444444ULL, 5, 6, 0xabcd};
  full.data_fin = true;
  EXPECT_EQ(to_hex(mptcp::dss(full)),
            "1e 1c 20 1f 11 11 11 11 22 22 22 22 33 33 33 33 44 44 44 44 "
            "00 00 00 05 00 06 ab cd");

  mptcp::Dss fin_without_mapping;
  fin_without_mapping.data_fin = true;
  EXPECT_EQ(to_hex(mptcp::dss(fin_without_mapping)), "1e 04 20 10");

  mptcp::Dss ack4_dsn8;
  ack4_dsn8.data_ack = 0xdeadbeefcafef00dULL;  // only the low 32 bits are written
  ack4_dsn8.ack64 = false;
  ack4_dsn8.mapping = mptcp::Dss::Mapping{1, 2, 3, std::nullopt};
  EXPECT_EQ(to_hex(mptcp::dss(ack4_dsn8)), "1e 16 20 0d ca fe f0 0d 00 00 00 00 00 00 00 01 00 00 00 02 00 03");
}

TEST(Dss, RoundTripsThroughTheParser) {
  std::vector<mptcp::Dss> cases;
  for (int ack = 0; ack < 3; ++ack)
    for (int map = 0; map < 5; ++map)
      for (bool fin : {false, true}) {
        mptcp::Dss dss;
        if (ack > 0) {
          dss.data_ack = ack == 1 ? 0x01020304ULL : 0x0102030405060708ULL;
          dss.ack64 = ack == 2;
        }
        if (map > 0) {
          dss.dsn64 = map % 2 == 0;
          dss.mapping = mptcp::Dss::Mapping{dss.dsn64 ? 0xa1a2a3a4a5a6a7a8ULL : 0xb1b2b3b4ULL, 0xc1c2c3c4, 0xd1d2,
                                            map > 2 ? std::optional<std::uint16_t>(0xe1e2) : std::nullopt};
        }
        dss.data_fin = fin;
        cases.push_back(dss);
      }
  for (const mptcp::Dss& dss : cases) {
    const pg::Bytes bytes = mptcp::dss(dss);
    const tcp::DssOption parsed = only_dss(bytes);
    EXPECT_EQ(parsed.dss, dss) << to_hex(bytes);
    EXPECT_EQ(parsed.flags, bytes[3]);
  }
}

TEST(Dss, ParsesWhatLinuxSends) {
  // A server reply: DATA_ACK 4 bytes, DSN 8 bytes, subflow seq, length.
  const tcp::DssOption parsed = only_dss(hex("1e 16 20 0d 9a 1b 2c 3d 00 00 00 00 71 f0 0a 01 00 00 00 01 00 05"));
  EXPECT_EQ(parsed.dss.data_ack, 0x9a1b2c3dULL);
  EXPECT_FALSE(parsed.dss.ack64);
  ASSERT_TRUE(parsed.dss.mapping);
  EXPECT_TRUE(parsed.dss.dsn64);
  EXPECT_EQ(parsed.dss.mapping->dsn, 0x71f00a01ULL);
  EXPECT_EQ(parsed.dss.mapping->subflow_seq, 1U);
  EXPECT_EQ(parsed.dss.mapping->data_level_length, 5);
  EXPECT_FALSE(parsed.dss.mapping->checksum);
}

TEST(Dss, LengthThatDisagreesWithFlagsIsMalformed) {
  for (const char* text : {"1e 06 20 01 00 00",                    // A set, 4-byte ack cut
                           "1e 0a 20 01 00 00 00 00 00 00",        // A set, 2 extra bytes
                           "1e 06 20 00 ab cd",                    // no mapping, checksum-sized tail
                           "1e 0c 20 04 00 00 00 00 00 00 00 00",  // mapping cut short
                           "1e 03 20"}) {
    const auto parsed = tcp::parse_options(hex(text));
    ASSERT_EQ(parsed.options.size(), 1U) << text;
    EXPECT_TRUE(parsed.options[0].malformed) << text;
  }
}

TEST(MpJoin, SynAndThirdAckBytes) {
  // RFC 8684 3.2, figure 5: subtype 1, B flag, address id, token, nonce.
  EXPECT_EQ(to_hex(mptcp::mp_join_syn(0x11223344, 0xa1b2c3d4, 2, mptcp::join_flag::B)),
            "1e 0c 11 02 11 22 33 44 a1 b2 c3 d4");
  const pg::Bytes hmac = hex("00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15");
  EXPECT_EQ(to_hex(mptcp::mp_join_ack(pg::ByteView(hmac).first(20))),
            "1e 18 10 00 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13");
}

TEST(MpJoin, SynAckIsReadFromItsOption) {
  const auto parsed = pg::tcp::parse_options(hex("1e 10 10 05 83 85 e2 4f b4 23 5a c3 de ad be ef 01 01"));
  const auto* option = parsed.find_mptcp(mptcp::Subtype::MpJoin);
  ASSERT_NE(option, nullptr);
  const auto join = pg::tcp::mp_join_synack(*option);
  ASSERT_TRUE(join.has_value());
  EXPECT_EQ(join->address_id, 5);
  EXPECT_EQ(join->flags, 0);
  EXPECT_EQ(join->truncated_hmac, 0x8385e24fb4235ac3ULL);
  EXPECT_EQ(join->nonce, 0xdeadbeefU);
  // The SYN form (len 12) is no SYN-ACK.
  const auto syn = pg::tcp::parse_options(mptcp::mp_join_syn(1, 2));
  EXPECT_FALSE(pg::tcp::mp_join_synack(syn.options.front()).has_value());
}

TEST(MptcpOther, SubtypesKeepTheirBody) {
  // MP_JOIN SYN: subtype 1, B flag, address id 0, token, nonce.
  const auto parsed = tcp::parse_options(hex("1e 0c 10 00 01 02 03 04 05 06 07 08"));
  ASSERT_EQ(parsed.options.size(), 1U);
  const auto& other = std::get<tcp::OtherMptcpOption>(parsed.options[0].value);
  EXPECT_EQ(other.subtype, mptcp::Subtype::MpJoin);
  EXPECT_EQ(other.body, hex("10 00 01 02 03 04 05 06 07 08"));
  EXPECT_NE(parsed.find_mptcp(mptcp::Subtype::MpJoin), nullptr);
}

TEST(MptcpCrypto, TokenAndIdsnFromSha256OfTheKey) {
  // SHA-256(01 23 45 67 89 ab cd ef) =
  // 55c53f5d490297900cefa825d0c8e8e9532ee8a118abe7d8570762cd38be9818
  EXPECT_EQ(mptcp::token(kClientKey), 0x55c53f5dU);
  EXPECT_EQ(mptcp::idsn(kClientKey), 0x570762cd38be9818ULL);
  // SHA-256 of eight zero bytes =
  // af5570f5a1810b7af78caf4bc70a660f0df51e42baf91d4de5b2328de0e83dfc
  EXPECT_EQ(mptcp::token(0), 0xaf5570f5U);
  EXPECT_EQ(mptcp::idsn(0), 0xe5b2328de0e83dfcULL);
}

TEST(MptcpCrypto, Sha256KnownAnswer) {
  const std::string abc = "abc";
  const pg::Bytes message(abc.begin(), abc.end());
  EXPECT_EQ(to_hex(mptcp::sha256(message)),
            "ba 78 16 bf 8f 01 cf ea 41 41 40 de 5d ae 22 23 b0 03 61 a3 96 17 7a 9c b4 10 ff "
            "61 f2 00 15 ad");
}

TEST(MptcpCrypto, HmacSha256Rfc4231Case2) {
  const std::string key = "Jefe";
  const std::string data = "what do ya want for nothing?";
  EXPECT_EQ(to_hex(mptcp::hmac_sha256(pg::Bytes(key.begin(), key.end()), pg::Bytes(data.begin(), data.end()))),
            "5b dc c1 46 bf 60 75 4e 6a 04 24 26 08 95 75 c7 5a 00 3f 08 9d 27 39 83 9d ec 58 "
            "b9 64 ec 38 43");
}

TEST(MptcpCrypto, MpJoinHmacMatchesTheLinuxKunitVectors) {
  // The Linux MPTCP crypto KUnit test feeds ASCII text as keys and nonces:
  // key "0b0b0b0b" twice and message "48692054".
  const std::uint64_t key = pg::get_u64(hex("30 62 30 62 30 62 30 62"), 0);
  const auto hmac = mptcp::mp_join_hmac(key, key, 0x34383639, 0x32303534);
  EXPECT_EQ(to_hex(hmac),
            "83 85 e2 4f b4 23 5a c3 75 56 b6 b8 86 db 10 62 84 a1 da 67 16 99 f4 6d b1 f2 35 "
            "ec 62 2d ca fa");
  EXPECT_EQ(mptcp::mp_join_truncated_hmac(hmac), 0x8385e24fb4235ac3ULL);

  const std::uint64_t key_a = pg::get_u64(hex("61 61 61 61 61 61 61 61"), 0);     // "aaaaaaaa"
  const auto second = mptcp::mp_join_hmac(key_a, key_a, 0x64646464, 0x64646464);  // "dddddddd"
  EXPECT_EQ(to_hex(pg::ByteView(second).first(4)), "2c 5e 21 91");
}

TEST(MptcpCrypto, DssChecksumVerifiesOverItsPseudoHeader) {
  const pg::Bytes payload = hex("68 65 6c 6c 6f");
  const std::uint16_t checksum = mptcp::dss_checksum(0x0102030405060708ULL, 1, 5, payload);
  // With the checksum in the pseudo-header's zero field the sum is all ones.
  pg::Bytes covered;
  pg::put_u64(covered, 0x0102030405060708ULL);
  pg::put_u32(covered, 1);
  pg::put_u16(covered, 5);
  pg::put_u16(covered, checksum);
  pg::put_bytes(covered, payload);
  EXPECT_EQ(convtest::packetgen::ip::internet_checksum(covered), 0);
  EXPECT_NE(mptcp::dss_checksum(0x0102030405060708ULL, 2, 5, payload), checksum);
}

TEST(MptcpPathManagement, RemoveAddrAndFastcloseBytes) {
  EXPECT_EQ(to_hex(mptcp::remove_addr({1, 7})), "1e 05 40 01 07");
  EXPECT_EQ(to_hex(mptcp::mp_fastclose(0x0102030405060708ULL)), "1e 0c 70 00 01 02 03 04 05 06 07 08");
  const auto parsed = tcp::parse_options(mptcp::mp_fastclose(1));
  ASSERT_EQ(parsed.options.size(), 1U);
  EXPECT_NE(parsed.find_mptcp(mptcp::Subtype::MpFastclose), nullptr);
}

TEST(MptcpPathManagement, AddAddrOfEachLength) {
  const auto first = [](const pg::Bytes& area) { return tcp::parse_options(area).options.at(0); };
  // IPv4 with HMAC, no port.
  auto v4 = tcp::add_addr(first(hex("1e 10 30 02 c0 00 02 01 01 02 03 04 05 06 07 08")));
  ASSERT_TRUE(v4.has_value());
  EXPECT_FALSE(v4->echo);
  EXPECT_EQ(v4->address_id, 2);
  EXPECT_EQ(v4->address.to_string(), "192.0.2.1");
  EXPECT_FALSE(v4->port.has_value());
  EXPECT_EQ(v4->truncated_hmac, 0x0102030405060708ULL);
  // IPv4 echo with a port.
  auto echo = tcp::add_addr(first(hex("1e 0a 31 03 c0 00 02 01 13 f4")));
  ASSERT_TRUE(echo.has_value());
  EXPECT_TRUE(echo->echo);
  EXPECT_EQ(echo->port, 5108);
  EXPECT_FALSE(echo->truncated_hmac.has_value());
  // IPv6 echo, no port.
  auto v6 = tcp::add_addr(first(hex("1e 14 31 04 20 01 0d b8 00 01 00 00 00 00 00 00 00 00 00 01")));
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->address.to_string(), "2001:db8:1::1");
  // A length no address fits, and another subtype.
  EXPECT_FALSE(tcp::add_addr(first(hex("1e 09 31 03 c0 00 02 01 13"))).has_value());
  EXPECT_FALSE(tcp::add_addr(first(mptcp::remove_addr({1, 2, 3, 4, 5}))).has_value());
}
