// convclient's back-off state (CLI-021, CLI-022): the delay an Error asks
// for, remembered in a file that other runs read, valid against its schema.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "convclient/backoff.hpp"

namespace convtest::convclient {
namespace {

namespace cv = packetgen::convert;
using std::chrono::seconds;

cv::ErrorTlv error(cv::ErrorCode code, std::uint8_t value) {
  cv::ErrorTlv tlv;
  tlv.code = code;
  tlv.value = value;
  return tlv;
}

class StateDir : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("convclient-backoff-" + std::string(testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  const Endpoint converter_ = *parse_endpoint("192.0.2.1:5124");
  const Endpoint converter6_ = *parse_endpoint("[2001:db8:1::1]:5124");
  const SystemClock::time_point now_ = SystemClock::time_point(seconds(1'800'000'000));
};

TEST(ConvclientBackoff, OnlyResourceExceededAndNetworkFailureAskForADelay) {
  EXPECT_EQ(requested_backoff(error(cv::ErrorCode::ResourceExceeded, 12)), seconds(12));
  EXPECT_EQ(requested_backoff(error(cv::ErrorCode::NetworkFailure, 255)), seconds(255));
  EXPECT_EQ(requested_backoff(error(cv::ErrorCode::ResourceExceeded, 0)), kDefaultBackoff) << "0 means at least 30 s";
  EXPECT_EQ(requested_backoff(error(cv::ErrorCode::NetworkFailure, 0), true), seconds(0)) << "the fault";
  EXPECT_FALSE(requested_backoff(error(cv::ErrorCode::ConnectionReset, 9)));
  EXPECT_FALSE(requested_backoff(error(cv::ErrorCode::NotAuthorized, 9)));
}

TEST_F(StateDir, ARememberedBackoffHoldsUntilItEndsAndOnlyForItsConverter) {
  auto fresh = backoff_remaining(dir_, converter_, now_);
  ASSERT_TRUE(fresh) << fresh.error();
  EXPECT_FALSE(*fresh) << "no file: nothing to wait for";
  ASSERT_FALSE(remember_backoff(dir_, converter_, seconds(20), now_));
  auto soon = backoff_remaining(dir_, converter_, now_ + seconds(5));
  ASSERT_TRUE(soon) << soon.error();
  EXPECT_EQ(*soon, seconds(15));
  auto other = backoff_remaining(dir_, converter6_, now_ + seconds(5));
  ASSERT_TRUE(other) << other.error();
  EXPECT_FALSE(*other);
  auto later = backoff_remaining(dir_, converter_, now_ + seconds(20));
  ASSERT_TRUE(later) << later.error();
  EXPECT_FALSE(*later);
}

TEST_F(StateDir, TheFileKeepsEveryConverterAndMatchesItsSchema) {
  ASSERT_FALSE(remember_backoff(dir_, converter_, seconds(20), now_));
  ASSERT_FALSE(remember_backoff(dir_, converter6_, seconds(40), now_));
  auto first = backoff_remaining(dir_, converter_, now_);
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, seconds(20)) << "the second converter's entry did not replace the first";
  const std::string command =
      "python3 -c 'import json, sys, jsonschema\n"
      "jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))"
      ".validate(json.load(open(sys.argv[2])))' '" +
      std::string(CONVTEST_SCHEMA_DIR) + "/convclient-state-v1.schema.json' '" + (dir_ / kStateFileName).string() + "'";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
}

TEST_F(StateDir, AFileThatIsNotAStateFileIsAnErrorAndIsReplacedByTheNextBackoff) {
  std::ofstream(dir_ / kStateFileName) << "{\"version\": 7}";
  auto broken = backoff_remaining(dir_, converter_, now_);
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().find("not a convclient state file"), std::string::npos) << broken.error();
  ASSERT_FALSE(remember_backoff(dir_, converter_, seconds(3), now_));
  auto replaced = backoff_remaining(dir_, converter_, now_);
  ASSERT_TRUE(replaced) << replaced.error();
  EXPECT_EQ(*replaced, seconds(3));
}

}  // namespace
}  // namespace convtest::convclient
