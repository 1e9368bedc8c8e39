// A convproxy --fault changes what a real client observes: the suite's
// kill matrix relies on faults being live, not decorative.

#include <gtest/gtest.h>

#include <regex>

#include "capture.hpp"
#include "convert_lab.hpp"
#include "packetgen/bytes.hpp"

namespace convtest::proxytest {
namespace {

TEST(E2EFault, WrongResetCodeChangesTheReportedError) {
  ConvertLab healthy;
  ASSERT_EQ(healthy.error(), "");
  ASSERT_TRUE(healthy.start_server()) << healthy.error();
  ASSERT_TRUE(healthy.start_proxy()) << healthy.error();
  const ClientRun reference = healthy.run_client(client_args(false, addr::kServer4, kClosedPort));
  ASSERT_NE(reference.err.find("Connection Reset (96)"), std::string::npos) << reference.err;

  ConvertLab faulty;
  ASSERT_EQ(faulty.error(), "");
  ASSERT_TRUE(faulty.start_server()) << faulty.error();
  ASSERT_TRUE(faulty.start_proxy({"--fault", "wrong-reset-code"})) << faulty.error();
  const ClientRun broken = faulty.run_client(client_args(false, addr::kServer4, kClosedPort));
  EXPECT_NE(broken.exit_code, 0) << broken.err;
  EXPECT_EQ(broken.err.find("Connection Reset (96)"), std::string::npos) << broken.err << faulty.diagnostics();
}

TEST(E2EFault, WrongMagicMakesTheClientRejectTheReply) {
  ConvertLab lab;
  ASSERT_EQ(lab.error(), "");
  ASSERT_TRUE(lab.start_server()) << lab.error();
  ASSERT_TRUE(lab.start_proxy({"--fault", "wrong-magic-in-reply"})) << lab.error();
  const ClientRun run = lab.run_client(client_args(false, addr::kServer4, kServerPort), "x");
  EXPECT_EQ(run.exit_code, 4) << run.err << lab.diagnostics();
  EXPECT_NE(run.err.find("BadMagic"), std::string::npos) << run.err;
}

// RFC 8803 section 8 (CLI-026): a converter that does not acknowledge the
// SYN data looks like a middlebox stripping it; the client stops.
TEST(E2EFault, SynDataNotAcknowledgedMakesTheClientStop) {
  ConvertLab lab;
  ASSERT_EQ(lab.error(), "");
  ASSERT_TRUE(lab.start_server()) << lab.error();
  ASSERT_TRUE(lab.start_proxy({"--fault", "no-syn-data"})) << lab.error();
  const ClientRun run = lab.run_client(client_args(false, addr::kServer4, kServerPort), "x");
  EXPECT_EQ(run.exit_code, 4) << run.err << lab.diagnostics();
  EXPECT_NE(run.err.find("did not acknowledge the Convert message in the SYN"), std::string::npos) << run.err;
  // Not asserted: that the server saw nothing. Linux resends unacknowledged
  // SYN data in its first ACK by itself (RFC 7413), before the application
  // can refuse; the client's RST follows (docs/convclient.md).
}

// The comparison of e2e_extended_header_test.cpp is live: reordered options
// no longer equal the captured SYN-ACK.
TEST(E2EFault, ReorderedExtendedHeaderNoLongerMatchesTheSynAck) {
  ConvertLab lab;
  ASSERT_EQ(lab.error(), "");
  ASSERT_TRUE(lab.start_server()) << lab.error();
  ASSERT_TRUE(lab.start_proxy({"--fault", "reorder-ext-header-options"})) << lab.error();
  PacketCapture capture(lab.topology().server(), Topology::kServerInterface);
  ASSERT_EQ(capture.error(), "");
  const ClientRun run =
      lab.run_client(client_args(false, addr::kServer4, kServerPort, {"--option", "4", "--print-reply"}), "x");
  ASSERT_EQ(run.exit_code, 0) << run.err << lab.diagnostics();
  const auto options =
      syn_ack_options(capture.drain(std::chrono::milliseconds(200), std::chrono::milliseconds(3000)), kServerPort);
  ASSERT_TRUE(options.has_value());
  std::smatch match;
  ASSERT_TRUE(std::regex_search(run.err, match, std::regex("extended-tcp-header: ([0-9a-f ]*)"))) << run.err;
  EXPECT_NE(std::string(match[1]), packetgen::to_hex(*options));
}

}  // namespace
}  // namespace convtest::proxytest
