#include <fmt/format.h>

#include "catalog.hpp"
#include "kit/scenario.hpp"

namespace convtest::cases {

harness::ProbeResult sanity_probe(harness::CaseContext& context) {
  using namespace std::chrono_literals;
  const pg::Bytes early = text_bytes("probe");
  Scenario scenario(context);
  scenario.serve();
  auto& client = scenario.connect(scenario.base_connect(early));
  const Reply reply = client.await_reply(1500ms);
  if (!reply.success()) return {false, reply.describe()};
  if (auto arrived = scenario.await_server_bytes(early.size(), 1000ms); !arrived)
    return {false, "the probe's early data did not reach the server: " + arrived.observed};
  return {true, reply.describe()};
}

}  // namespace convtest::cases
