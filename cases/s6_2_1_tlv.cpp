// RFC 8803 section 6.2.1: the generic TLV rules.

#include <fmt/format.h>

#include "catalog.hpp"
#include "scenario.hpp"

namespace convtest::cases {
namespace {

using namespace std::chrono_literals;
using reports::CaseClass;
using reports::Level;

// "A given TLV MUST only appear once on a connection. If two or more
// instances of the same TLV are exchanged, the converter MUST return a
// Malformed Message error and close."
CaseOutcome duplicate_connect(CaseContext& context) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  scenario.serve(script);
  cv::ConnectTlv second = scenario.connect_tlv();
  second.port = 81;  // so that proceeding with either Connect is visible
  const pg::Bytes message = cv::MessageBuilder().add(scenario.connect_tlv()).add(second).build();
  const std::string expected =
      "Error 1 (Malformed Message) with an aligned echo, then a close; no SYN toward the server";
  scenario.connect(message);
  const Reply reply = scenario.await_reply(2s);
  return expect_error_reply(scenario, reply, cv::ErrorCode::MalformedMessage, expected, message);
}

}  // namespace

void register_s6_2_1_tlv(harness::Registry& registry) {
  registry.add({
      .id = "tlv-duplicate-connect",
      .requirements = {"CONV-014", "CONV-037", "CONV-017"},
      .section = "6.2.1",
      .level = Level::Must,
      .case_class = CaseClass::Invalid,
      .tags = {"tlv", "duplicate", "error"},
      .title = "Two instances of the same TLV (two Connect TLVs) are answered with Malformed Message, then the "
               "connection is closed.",
      .stimulus = "SYN carrying a Convert message with two Base Connect TLVs (ports 80 and 81, same server).",
      .expectation = "Error TLV code 1 whose echo is a 32-bit-aligned slice of the message, a FIN, and no SYN "
                     "toward the server.",
      .accepted_outcomes = {"Error 1 echoing the second Connect or the whole message (AMB-05)"},
      .negative = true,
      .run = duplicate_connect,
  });
}

}  // namespace convtest::cases
