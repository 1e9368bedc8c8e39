// `convtest fuzz` without a PUT: the oracle's answer for each kind of
// input, the input file format, the generator and the budget syntax.

#include <gtest/gtest.h>

#include "harness/fuzz/campaign.hpp"
#include "harness/fuzz/generator.hpp"
#include "harness/fuzz/judge.hpp"
#include "harness/fuzz/oracle.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::harness::fuzz {
namespace {

namespace cv = packetgen::convert;

const cv::Ipv6Address kServer = cv::ipv4_mapped("198.51.100.10");

Input base_connect(std::string early = "early") {
  Input input;
  input.message.tlvs.push_back(grammar::connect_tlv(8080, kServer));
  input.message.app_data.assign(early.begin(), early.end());
  return input;
}

OraclePolicy convproxy_like() {
  OraclePolicy policy;
  policy.answers_info = true;
  policy.supported_kinds = std::set<std::uint8_t>{4, 8, 30, 34};
  return policy;
}

TEST(FuzzOracle, AValidBaseConnectIsProxiedWithItsEarlyData) {
  const auto expected = expect(base_connect(), convproxy_like());
  EXPECT_EQ(expected.outcome, Outcome::Proxy);
  EXPECT_EQ(expected.rule, "valid");
  EXPECT_EQ(expected.destination_port, 8080);
  EXPECT_EQ(expected.destination->to_string(), "198.51.100.10");
  EXPECT_EQ(expected.early_data, (packetgen::Bytes{'e', 'a', 'r', 'l', 'y'}));
  EXPECT_FALSE(expected.extended_header_required);
}

TEST(FuzzOracle, HeaderFaultsFollowTheSuitePositions) {
  Input magic = base_connect();
  magic.message.magic = 0;
  EXPECT_EQ(expect(magic, {}).outcome, Outcome::Ignore);  // CONV-005, AMB-06
  Input zero = base_connect();
  zero.message.total_length_words = 0;
  EXPECT_EQ(expect(zero, {}).outcome, Outcome::Reset);  // CONV-009
  Input version = base_connect();
  version.message.version = 2;
  const auto unsupported = expect(version, {});
  ASSERT_EQ(unsupported.outcome, Outcome::Error);
  EXPECT_EQ(unsupported.codes.front().code, cv::ErrorCode::UnsupportedVersion);
  EXPECT_EQ(unsupported.kinds_required, std::vector<std::uint8_t>{1});
}

TEST(FuzzOracle, TlvFaultsGetTheirErrorWithAnEcho) {
  Input unknown = base_connect();
  unknown.message.tlvs.insert(unknown.message.tlvs.begin(), grammar::Tlv{.type = 99, .value = {0, 0}});
  const auto unsupported = expect(unknown, {});
  EXPECT_EQ(unsupported.codes.front().code, cv::ErrorCode::UnsupportedMessage);  // AMB-09
  EXPECT_EQ(unsupported.echo_of, unknown.stream());
  Input twice = base_connect("");
  twice.message.tlvs.push_back(twice.message.tlvs.front());
  EXPECT_EQ(expect(twice, {}).codes.front().code, cv::ErrorCode::MalformedMessage);  // CONV-014
  Input loopback = base_connect();
  loopback.message.tlvs.front().connect->address = cv::ipv4_mapped("127.0.0.1");
  EXPECT_EQ(expect(loopback, {}).rule, "ForbiddenDestination");  // CONV-021
  Input direction = base_connect();
  direction.message.tlvs.push_back(grammar::Tlv{.type = 30, .value = {1, 0}});
  EXPECT_EQ(expect(direction, {}).codes.size(), 2U);  // AMB-08: 2, or 1 as well
}

TEST(FuzzOracle, AMessageCutShortAcceptsAnRst) {
  Input cut = base_connect("");
  cut.message.total_length_words = 9;  // more words than the client ever sends
  EXPECT_TRUE(ends_inside_message(cut));
  const auto expected = expect(cut, {});
  EXPECT_EQ(expected.rule, "TlvTruncated");
  EXPECT_TRUE(expected.reset_accepted);
}

TEST(FuzzOracle, InfoAloneIsAnsweredWithoutAConnection) {
  Input info;
  info.message.tlvs.push_back(grammar::info_tlv());
  const auto expected = expect(info, convproxy_like());
  EXPECT_EQ(expected.outcome, Outcome::InfoReply);
  EXPECT_TRUE(expected.supported_required);  // AMB-10
}

TEST(FuzzOracle, OptionRulesOfAmb33AndAmb24) {
  namespace kind = packetgen::tcp::kind;
  Input ao = base_connect();
  ao.message.tlvs.front().connect->options = {{kind::TcpAo, {1, 2}}};
  const auto refused = expect(ao, convproxy_like());
  EXPECT_EQ(refused.codes.front().code, cv::ErrorCode::UnsupportedTcpOption);
  EXPECT_EQ(refused.kinds_required, std::vector<std::uint8_t>{kind::TcpAo});
  Input ignored = base_connect();
  ignored.message.tlvs.front().connect->options = {{kind::MSS, {5, 0xb4}}, {kind::SackPermitted}};
  const auto proxied = expect(ignored, convproxy_like());
  EXPECT_EQ(proxied.outcome, Outcome::Proxy);
  EXPECT_TRUE(proxied.extended_header_required);  // CONV-028
  Input many = base_connect();
  for (int i = 0; i < 5; ++i)
    many.message.tlvs.front().connect->options.push_back({kind::FastOpen, packetgen::Bytes(8, 3)});
  EXPECT_EQ(expect(many, convproxy_like()).rule, "OptionsDoNotFit");
}

TEST(FuzzOracle, TheServersAnswerDecidesTheErrorOfAValidRequest) {
  Input reset = base_connect();
  reset.server = ServerAnswer::Reset;
  const auto expected = expect(reset, {});
  EXPECT_EQ(expected.codes.front().code, cv::ErrorCode::ConnectionReset);
  EXPECT_FALSE(expected.refused_up_front);
  Input icmp = base_connect();
  icmp.server = ServerAnswer::Unreachable;
  icmp.icmp_code = 3;
  EXPECT_EQ(expect(icmp, {}).codes.front().value, std::optional<std::uint8_t>(3));  // AMB-20
}

TEST(FuzzJudge, AnErrorReplyWithItsFinMatches) {
  Input twice = base_connect("");
  twice.message.tlvs.push_back(twice.message.tlvs.front());
  const auto expected = expect(twice, {});
  Observation observed;
  observed.stream = packetgen::hex("01 07 22 63 1e 06 01 00");
  const auto message = twice.stream();
  observed.stream.insert(observed.stream.end(), message.begin() + 4, message.begin() + 24);
  observed.fin = true;
  EXPECT_TRUE(settled(expected, observed));
  const auto judgement = judge(expected, observed);
  EXPECT_EQ(judgement.observed, "error-1");
  EXPECT_FALSE(judgement.problem) << *judgement.problem;
  observed.fin = false;
  observed.reset = true;
  observed.reset_before_fin = true;
  observed.reset_after_reply = std::chrono::milliseconds(0);
  EXPECT_TRUE(judge(expected, observed).problem);  // CONV-017
}

TEST(FuzzJudge, AProxiedErrorInputIsAMismatch) {
  Input twice = base_connect("");
  twice.message.tlvs.push_back(twice.message.tlvs.front());
  Observation observed;
  observed.stream = packetgen::hex("01 01 22 63");
  observed.downstream_syns = 1;
  const auto judgement = judge(expect(twice, {}), observed);
  EXPECT_EQ(judgement.observed, "proxy");
  ASSERT_TRUE(judgement.problem);
}

TEST(FuzzInput, GeneratedInputsSurviveTheirJsonForm) {
  Generator generator(42, {true, true});
  for (int i = 0; i < 2000; ++i) {
    const Input input = generator.next();
    auto back = input_from_json(nlohmann::json::parse(to_json(input).dump()));
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(back.value().stream(), input.stream());
    EXPECT_EQ(back.value(), input) << to_json(input).dump();
  }
}

TEST(FuzzInput, UntrustedFilesAreRefusedWithAReason) {
  EXPECT_FALSE(input_from_json(nlohmann::json::parse("{}")));
  auto document = to_json(base_connect());
  document["message"]["tlvs"][0]["connect"]["address"] = "not an address";
  const auto refused = input_from_json(document);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("address"), std::string::npos);
  document = to_json(base_connect());
  document["cuts"] = "3";
  EXPECT_FALSE(input_from_json(document));
}

TEST(FuzzGenerator, TheSameSeedGivesTheSameInputs) {
  Generator first(7, {true, false});
  Generator second(7, {true, false});
  for (int i = 0; i < 200; ++i) EXPECT_EQ(first.next(), second.next());
}

TEST(FuzzGenerator, ReachesEveryExpectedOutcome) {
  Generator generator(3, {false, false});
  std::set<Outcome> outcomes;
  for (int i = 0; i < 3000; ++i) outcomes.insert(expect(generator.next(), convproxy_like()).outcome);
  EXPECT_EQ(outcomes.size(), 5U);
}

TEST(FuzzBudget, TimeOrCount) {
  EXPECT_EQ(parse_budget("60s")->time, std::chrono::milliseconds(60000));
  EXPECT_EQ(parse_budget("2m")->time, std::chrono::milliseconds(120000));
  EXPECT_EQ(parse_budget("5000")->inputs, 5000U);
  EXPECT_FALSE(parse_budget("5000x"));
  EXPECT_FALSE(parse_budget("0"));
  EXPECT_FALSE(parse_budget("-3s"));
}

}  // namespace
}  // namespace convtest::harness::fuzz
