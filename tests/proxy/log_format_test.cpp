// convproxy and convclient write one log line format (proxy/common/include/log_format.hpp).

#include <gtest/gtest.h>

#include <regex>

#include "harness/process/subprocess.hpp"

namespace {

namespace process = convtest::harness::process;

std::string stderr_of(std::vector<std::string> argv) {
  process::SpawnOptions options;
  options.argv = std::move(argv);
  const auto ran = process::run(options, std::chrono::seconds(10));
  return ran ? ran->output : ran.error();
}

const std::regex kLine(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z level=(\w+) program=(convproxy|convclient) \w+=.*)");

TEST(LogFormat, ConvclientLogsKeyValueLinesLikeConvproxy) {
  const std::string line =
      stderr_of({CONVTEST_CONVCLIENT_PATH, "--converter", "192.0.2.1:5124", "127.0.0.1", "80", "--early-data", "x"});
  std::smatch match;
  ASSERT_TRUE(std::regex_search(line, match, kLine)) << line;
  EXPECT_EQ(match[1], "error");
  EXPECT_EQ(match[2], "convclient");
  EXPECT_NE(line.find("msg=\"destination 127.0.0.1 is a loopback address"), std::string::npos) << line;
}

TEST(LogFormat, ConvproxyLogsTheSameFields) {
  const std::string line = stderr_of({CONVTEST_CONVPROXY_PATH, "--listen", "192.0.2.77", "--port", "1"});
  std::smatch match;
  ASSERT_TRUE(std::regex_search(line, match, kLine)) << line;
  EXPECT_EQ(match[2], "convproxy");
}

// Issue 14, defect 7, as a user meets it: one line naming the address,
// exit 2, before any listener opens (a convproxy that listened would run
// until the 10 s bound kills it).
TEST(ConvproxyStart, TheSameListenAddressTwiceExitsWithTwoBeforeListening) {
  process::SpawnOptions options;
  options.argv = {CONVTEST_CONVPROXY_PATH, "--listen", "127.0.0.1", "--listen", "127.0.0.1", "--port", "45124"};
  const auto ran = process::run(options, std::chrono::seconds(10));
  ASSERT_TRUE(ran) << ran.error();
  ASSERT_TRUE(ran->status.has_value()) << "convproxy kept running: " << ran->output;
  EXPECT_TRUE(ran->status->exited_with(2)) << ran->status->to_string() << ": " << ran->output;
  EXPECT_NE(ran->output.find("--listen 127.0.0.1: 127.0.0.1 is given more than once"), std::string::npos)
      << ran->output;
}

}  // namespace
