#include <fmt/format.h>

#include "catalog.hpp"
#include "scenario.hpp"

namespace convtest::cases {

harness::ProbeResult sanity_probe(harness::CaseContext& context) {
  Scenario scenario(context);
  harness::emulate::ServerScript script;
  scenario.serve(script);
  const pg::Bytes early{'p', 'r', 'o', 'b', 'e'};
  scenario.connect(scenario.base_connect(early));
  const Reply reply = scenario.await_reply(std::chrono::milliseconds(1500));
  if (!reply.ok() || reply.error_tlv() != nullptr) return {false, reply.describe()};
  if (!scenario.await_server_bytes(early.size(), std::chrono::milliseconds(1000)))
    return {false, "the probe's early data did not reach the server"};
  return {true, reply.describe()};
}

}  // namespace convtest::cases
