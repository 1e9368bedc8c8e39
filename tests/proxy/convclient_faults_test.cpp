// convclient's faults (docs/faults.md): each name parses back, and each
// reply or request fault changes exactly the behaviour it names.

#include <gtest/gtest.h>

#include "convclient/faults.hpp"
#include "convclient/reply.hpp"
#include "convclient/request.hpp"
#include "packetgen/convert.hpp"

namespace convtest::convclient {
namespace {

namespace cv = packetgen::convert;
using packetgen::Bytes;

FaultSet with(Fault fault) {
  FaultSet faults;
  faults.add(fault);
  return faults;
}

ReplyState read(const Bytes& bytes, FaultSet faults = {}) {
  ReplyReader reader(faults);
  return reader.feed(bytes);
}

ClientOptions options_to(const char* destination) {
  ClientOptions options;
  options.converter = *parse_endpoint("192.0.2.1:5124");
  options.destination = {*parse_host(destination), 80};
  return options;
}

TEST(ConvclientFaults, EveryNameParsesBackAndNamesARequirement) {
  for (const auto& info : all_faults()) {
    EXPECT_EQ(parse_fault(info.name), info.fault);
    EXPECT_NE(info.breaks.find("CLI-"), std::string_view::npos) << info.name;
  }
  EXPECT_FALSE(parse_fault("no-such-fault"));
}

TEST(ConvclientFaults, ReplyFaultsTakeWhatTheClientMustRefuse) {
  const Bytes zero_length{1, 0, 0x22, 0x63, 'o', 'k'};
  EXPECT_TRUE(std::holds_alternative<ReplyInvalid>(read(zero_length)));
  const auto taken = read(zero_length, with(Fault::AcceptTotalLengthZero));
  ASSERT_TRUE(std::holds_alternative<ReplyAccepted>(taken));
  EXPECT_EQ(std::get<ReplyAccepted>(taken).application_data, (Bytes{'o', 'k'}));

  const Bytes error = *cv::encode(cv::Message{{cv::ErrorTlv::connection_reset()}});
  EXPECT_TRUE(std::holds_alternative<ReplyRefused>(read(error)));
  EXPECT_TRUE(std::holds_alternative<ReplyAccepted>(read(error, with(Fault::IgnoreErrorTlv))));

  const Bytes header_only = cv::encode_header_only();
  EXPECT_TRUE(std::holds_alternative<ReplyAccepted>(read(header_only)));
  EXPECT_TRUE(std::holds_alternative<ReplyInvalid>(read(header_only, with(Fault::RefuseHeaderOnly))));
}

TEST(ConvclientFaults, RequestFaultsBreakTheSynTheyName) {
  const auto plain = build_request(options_to("198.51.100.10"));
  ASSERT_TRUE(plain);
  ClientOptions version0 = options_to("198.51.100.10");
  version0.faults.add(Fault::Version0);
  EXPECT_EQ(build_request(version0)->at(0), 0);

  ClientOptions compatible = options_to("198.51.100.10");
  compatible.faults.add(Fault::Ipv4Compatible);
  const auto compatible_bytes = build_request(compatible);
  ASSERT_TRUE(compatible_bytes);
  EXPECT_EQ(compatible_bytes->at(4 + 4 + 10), 0);  // ::c633:640a, not ::ffff:c633:640a
  EXPECT_EQ(plain->at(4 + 4 + 10), 0xff);

  EXPECT_FALSE(build_request(options_to("127.0.0.1")));
  ClientOptions loopback = options_to("127.0.0.1");
  loopback.faults.add(Fault::AllowForbiddenDestination);
  EXPECT_TRUE(build_request(loopback));
}

}  // namespace
}  // namespace convtest::convclient
