#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "convproxy/config.hpp"

namespace convtest::convproxy {
namespace {

namespace convert = packetgen::convert;

std::variant<Config, ConfigExit> parse(std::vector<std::string> args) { return parse_config(args); }

Config must_parse(std::vector<std::string> args) {
  auto result = parse(std::move(args));
  if (auto* exit = std::get_if<ConfigExit>(&result)) {
    ADD_FAILURE() << exit->message;
    return {};
  }
  return std::get<Config>(result);
}

ConfigExit must_exit(std::vector<std::string> args) {
  auto result = parse(std::move(args));
  if (auto* exit = std::get_if<ConfigExit>(&result)) return *exit;
  ADD_FAILURE() << "expected an exit";
  return {};
}

// A JSON file that removes itself.
class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    path_ = ::testing::TempDir() + "convproxy_config_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++) +
            ".json";
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

TEST(ConvproxyConfig, Defaults) {
  const auto config = must_parse({});
  EXPECT_EQ(config.port, 5124);
  EXPECT_TRUE(config.mptcp);
  ASSERT_EQ(config.listen.size(), 2u);
  EXPECT_EQ(config.listen[0], *convert::parse_address("0.0.0.0"));
  EXPECT_EQ(config.listen[1], *convert::parse_address("::"));
  EXPECT_TRUE(config.allow.empty());
  EXPECT_FALSE(config.cookie_mode);
  EXPECT_GE(config.threads, 1u);
  EXPECT_TRUE(config.faults.empty());
}

TEST(ConvproxyConfig, Flags) {
  const auto config = must_parse({"--listen",
                                  "192.0.2.1",
                                  "--listen",
                                  "2001:db8::1",
                                  "--port",
                                  "6000",
                                  "--tcp",
                                  "--threads",
                                  "3",
                                  "--allow",
                                  "192.0.2.0/24",
                                  "--cookie-secret",
                                  "00112233445566778899aabbccddeeff",
                                  "--fault",
                                  "ignore-acl",
                                  "--fault",
                                  "no-syn-data",
                                  "--connect-timeout",
                                  "1500",
                                  "--backoff",
                                  "60"});
  EXPECT_EQ(config.listen.size(), 2u);
  EXPECT_EQ(config.port, 6000);
  EXPECT_FALSE(config.mptcp);
  EXPECT_EQ(config.threads, 3u);
  ASSERT_EQ(config.allow.size(), 1u);
  EXPECT_TRUE(config.cookie_mode);
  EXPECT_EQ(config.cookie_secret.size(), 16u);
  EXPECT_TRUE(config.faults.has(Fault::IgnoreAcl));
  EXPECT_TRUE(config.faults.has(Fault::NoSynData));
  EXPECT_EQ(config.connect_timeout.count(), 1500);
  EXPECT_EQ(config.backoff_seconds, 60);
}

TEST(ConvproxyConfig, CookieClientsImplyCookieModeForThosePrefixes) {
  const auto config = must_parse({"--cookie-clients", "192.0.2.208/28", "--cookie-clients", "2001:db8:1::c00/120"});
  EXPECT_TRUE(config.cookie_mode);
  ASSERT_EQ(config.cookie_clients.size(), 2u);
  EXPECT_TRUE(config.cookie_clients[0].contains(packetgen::ip::Address::must_parse("192.0.2.210")));
  EXPECT_FALSE(config.cookie_clients[0].contains(packetgen::ip::Address::must_parse("192.0.2.150")));
  EXPECT_FALSE(must_parse({}).cookie_mode);
}

TEST(ConvproxyConfig, BadValuesExitWithTwoAndSayWhy) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"--listen", "not-an-ip"}, "--listen"},
      {{"--port", "0"}, "--port"},
      {{"--port", "70000"}, "--port"},
      {{"--allow", "10.0.0.0/40"}, "--allow"},
      {{"--cookie-secret", "abcd"}, "--cookie-secret"},
      {{"--cookie-clients", "192.0.2.0/33"}, "--cookie-clients"},
      {{"--fault", "bogus"}, "no-syn-data"},  // lists the valid names
      {{"--backoff", "256"}, "--backoff"},
      {{"--log-level", "loud"}, "--log-level"},
      {{"--syn-retries", "-1"}, "--syn-retries"},
      {{"--syn-retries", "128"}, "--syn-retries"},
      {{"--no-such-flag"}, "no-such-flag"},
  };
  for (const auto& [args, needle] : cases) {
    const auto exit = must_exit(args);
    EXPECT_EQ(exit.code, 2) << args.front();
    EXPECT_NE(exit.message.find(needle), std::string::npos) << exit.message;
  }
}

TEST(ConvproxyConfig, HelpAndVersionExitZero) {
  const auto help = must_exit({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.message.find("--fault"), std::string::npos);
  const auto version = must_exit({"--version"});
  EXPECT_EQ(version.code, 0);
  EXPECT_NE(version.message.find("convproxy"), std::string::npos);
}

TEST(ConvproxyConfig, JsonFileSetsDefaultsAndFlagsWin) {
  const TempFile file(R"({"listen": ["192.0.2.1"], "port": 7000, "tcp": true, "fault": ["ignore-info"],
                          "max-sessions": 5})");
  const auto config = must_parse({"--config", file.path(), "--port", "7100"});
  ASSERT_EQ(config.listen.size(), 1u);
  EXPECT_EQ(config.port, 7100);
  EXPECT_FALSE(config.mptcp);
  EXPECT_TRUE(config.faults.has(Fault::IgnoreInfo));
  EXPECT_EQ(config.max_sessions, 5u);
}

TEST(ConvproxyConfig, JsonFileErrorsExitWithTwo) {
  const TempFile unknown(R"({"colour": "blue"})");
  auto exit = must_exit({"--config", unknown.path()});
  EXPECT_EQ(exit.code, 2);
  EXPECT_NE(exit.message.find("colour"), std::string::npos);
  const TempFile broken("{ not json");
  EXPECT_EQ(must_exit({"--config", broken.path()}).code, 2);
  const TempFile bad_value(R"({"port": 0})");
  EXPECT_EQ(must_exit({"--config", bad_value.path()}).code, 2);
  EXPECT_EQ(must_exit({"--config", "/nonexistent/convproxy.json"}).code, 2);
}

// `--listen ::` alone does not reach IPv4 clients (the listener is
// IPv6-only); the help says so and `--listen any` covers both families.
TEST(ConvproxyConfig, ListenAnyCoversBothFamiliesAndTheHelpSaysIpv6IsIpv6Only) {
  const Config config = must_parse({"--listen", "any", "--listen", "192.0.2.1"});
  ASSERT_EQ(config.listen.size(), 3U);
  EXPECT_EQ(config.listen[0], *packetgen::convert::parse_address("0.0.0.0"));
  EXPECT_EQ(config.listen[1], *packetgen::convert::parse_address("::"));
  const auto help = must_exit({"--help"});
  EXPECT_NE(help.message.find("IPv6-only"), std::string::npos) << help.message;
}

// Issue 14, defect 7: a repeated address opened a second SO_REUSEPORT
// listener beside the first. Every spelling of the same address counts.
TEST(ConvproxyConfig, TheSameListenAddressTwiceExitsWithTwoAndNamesIt) {
  const std::vector<std::vector<std::string>> repeated{
      {"--listen", "192.0.2.1", "--listen", "192.0.2.1"},
      {"--listen", "192.0.2.1", "--listen", "::ffff:192.0.2.1"},
      {"--listen", "2001:db8::1", "--listen", "2001:db8:0::0:1"},
      {"--listen", "any", "--listen", "0.0.0.0"},
      {"--listen", "::", "--listen", "any"},
  };
  for (const auto& args : repeated) {
    const auto exit = must_exit(args);
    EXPECT_EQ(exit.code, 2) << args[1] << " " << args[3];
    EXPECT_NE(exit.message.find("more than once"), std::string::npos) << exit.message;
    EXPECT_NE(exit.message.find("--listen " + args[3]), std::string::npos) << exit.message;
  }
  const TempFile file(R"({"listen": ["192.0.2.1", "192.0.2.1"]})");
  EXPECT_EQ(must_exit({"--config", file.path()}).code, 2);
  EXPECT_EQ(must_parse({"--listen", "0.0.0.0", "--listen", "::"}).listen.size(), 2U);
}

}  // namespace
}  // namespace convtest::convproxy
