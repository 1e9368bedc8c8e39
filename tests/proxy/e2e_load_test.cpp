// convproxy under load (issue 14, defect 6): with hundreds of connects in
// flight on two workers, every converted connection's Extended TCP Header
// must still be the server's SYN-ACK options copied byte for byte, never
// rebuilt from TCP_INFO. Counted twice: no synack_not_captured line, and
// the capture's own tally that convproxy logs when it stops.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <csignal>
#include <regex>
#include <string>

#include "convert_lab.hpp"

namespace convtest::proxytest {
namespace e2e_load_test {  // named: in a unity build its helpers meet those of other tests

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kInFlight = 256;
constexpr int kLoadSeconds = 4;
constexpr std::uint16_t kSinkPort = 8081;

struct LoadCase {
  bool ipv6;
};

std::string bracketed(bool ipv6, const char* address, std::uint16_t port) {
  return ipv6 ? fmt::format("[{}]:{}", address, port) : fmt::format("{}:{}", address, port);
}

long long field(const std::string& text, const std::string& name) {
  std::smatch match;
  if (!std::regex_search(text, match, std::regex("(^|\\s)" + name + "=(\\d+)"))) return -1;
  return std::stoll(match[2]);
}

class LoadTest : public testing::TestWithParam<LoadCase> {};

TEST_P(LoadTest, EverySynAckIsCapturedWithHundredsOfConnectsInFlight) {
  const bool ipv6 = GetParam().ipv6;
  ConvertLab lab;
  ASSERT_EQ(lab.error(), "");
  const char* server_address = ipv6 ? addr::kServer6 : addr::kServer4;
  auto server = lab.start_in_server_namespace(
      {CONVTEST_CONVLOAD_PATH, "serve", server_address, std::to_string(kServerPort), std::to_string(kSinkPort), "60"},
      "convload-serve");
  ASSERT_TRUE(server) << server.error();
  lab.set_proxy_threads(2);  // the misses came from one worker draining another's SYN-ACK
  lab.set_proxy_log_level("info");
  ASSERT_TRUE(lab.start_proxy({"--max-pending-per-client", "4096"})) << lab.error();

  auto client = lab.start_in_client_namespace(
      {CONVTEST_CONVLOAD_PATH, "cps", bracketed(ipv6, ipv6 ? addr::kConverter6 : addr::kConverter4, kConverterPort),
       std::to_string(kLoadSeconds), std::to_string(kInFlight), bracketed(ipv6, server_address, kServerPort)},
      "convload-cps");
  ASSERT_TRUE(client) << client.error();
  const auto client_status = client->wait_for(seconds(kLoadSeconds + 20));
  const std::string load = read_file(lab.file("convload-cps.log"));
  ASSERT_TRUE(client_status.has_value()) << "the load client did not finish: " << load;
  const auto stopped = lab.stop_proxy(seconds(5));
  ASSERT_TRUE(stopped && stopped->success()) << (stopped ? stopped->to_string() : "?") << lab.proxy_log();
  const std::string log = lab.proxy_log();

  const auto done = field(load, "done");
  EXPECT_EQ(field(load, "failed"), 0) << load;
  EXPECT_GE(done, 4 * kInFlight) << "too few connections to say anything: " << load;
  EXPECT_EQ(log.find("synack_not_captured"), std::string::npos) << log.substr(0, 4000);
  EXPECT_EQ(log.find("synack_capture_unavailable"), std::string::npos) << log.substr(0, 4000);
  std::smatch stats;
  ASSERT_TRUE(std::regex_search(log, stats, std::regex("event=synack_capture_stats .*"))) << log.substr(0, 4000);
  const std::string line = stats[0];
  EXPECT_EQ(field(line, "not_captured"), 0) << line;
  EXPECT_EQ(field(line, "kernel_drops"), 0) << line;
  // Every completed connection was converted, plus those cut at the end.
  EXPECT_GE(field(line, "captured"), done) << line << " / " << load;
  EXPECT_LE(field(line, "captured"), done + kInFlight) << line << " / " << load;
}

std::string family_name(const testing::TestParamInfo<LoadCase>& param_info) {
  return param_info.param.ipv6 ? "IPv6" : "IPv4";
}

INSTANTIATE_TEST_SUITE_P(E2E, LoadTest, testing::Values(LoadCase{false}, LoadCase{true}), family_name);

}  // namespace e2e_load_test
}  // namespace convtest::proxytest
