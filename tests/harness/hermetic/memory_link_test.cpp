// The in-memory link pair and the manual clock, without root or kernel.

#include "harness/link/memory_link.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <utility>

#include "harness/endpoint/wire.hpp"
#include "harness/link/time_source.hpp"
#include "hermetic_support.hpp"

namespace convtest::harness {
namespace {

using namespace std::chrono_literals;
using hermetic::text_bytes;

using Packets = std::vector<packetgen::Bytes>;

Packets drain(MemoryLink& link) {
  Packets packets;
  while (auto packet = link.receive(Clock::time_point{})) packets.push_back(std::move(packet->bytes));
  return packets;
}

TEST(MemoryLink, CarriesPacketsInOrderBothWays) {
  auto links = make_memory_link_pair();
  ASSERT_TRUE(links.left->send(text_bytes("one")).ok());
  ASSERT_TRUE(links.left->send(text_bytes("two")).ok());
  ASSERT_TRUE(links.right->send(text_bytes("back")).ok());
  EXPECT_EQ(links.right->pending(), 2U);
  EXPECT_EQ(drain(*links.right), (Packets{text_bytes("one"), text_bytes("two")}));
  EXPECT_EQ(drain(*links.left), (Packets{text_bytes("back")}));
  EXPECT_EQ(links.left->describe(), "memory link (left)");
}

TEST(MemoryLink, ReceiveOnAnEmptyQueueAnswersAtOnce) {
  auto links = make_memory_link_pair();
  const auto started = Clock::now();
  EXPECT_FALSE(links.left->receive(Clock::now() + 1h).has_value());
  // Generous: it must not have waited for its deadline, an hour away.
  EXPECT_LT(Clock::now() - started, 10s);
}

TEST(MemoryLink, InFlightHookLosesAltersAndReorders) {
  auto links = make_memory_link_pair();
  std::optional<packetgen::Bytes> held;
  links.left->set_in_flight_hook([&](packetgen::Bytes packet) -> std::vector<packetgen::Bytes> {
    if (packet == text_bytes("lost")) return {};
    if (packet == text_bytes("first")) {
      held = std::move(packet);
      return {};
    }
    if (packet == text_bytes("second") && held) return {std::move(packet), *std::exchange(held, std::nullopt)};
    packet.push_back('!');
    return {std::move(packet)};
  });
  for (const auto* text : {"lost", "first", "second", "altered"}) ASSERT_TRUE(links.left->send(text_bytes(text)).ok());
  EXPECT_EQ(drain(*links.right), (Packets{text_bytes("second"), text_bytes("first"), text_bytes("altered!")}));
  // Only that direction goes through the hook.
  ASSERT_TRUE(links.right->send(text_bytes("lost")).ok());
  EXPECT_EQ(drain(*links.left), (Packets{text_bytes("lost")}));
}

TEST(MemoryLink, CloseRunsTheHooksOnceAndEndsTraffic) {
  auto links = make_memory_link_pair();
  int hook_runs = 0;
  links.left->before_close([&](Link& link) {
    ++hook_runs;
    // The hooks run while the link can still send.
    EXPECT_TRUE(link.send(text_bytes("goodbye")).ok());
  });
  ASSERT_TRUE(links.right->send(text_bytes("unread")).ok());
  links.left->close();
  links.left->close();
  EXPECT_EQ(hook_runs, 1);
  EXPECT_FALSE(links.left->send(text_bytes("after")).ok());
  EXPECT_FALSE(links.left->receive(Clock::time_point{}).has_value());
  // What reaches a closed end is lost without an error, as on a cable.
  EXPECT_TRUE(links.right->send(text_bytes("into the void")).ok());
  EXPECT_EQ(links.left->pending(), 0U);
  EXPECT_EQ(drain(*links.right), (Packets{text_bytes("goodbye")}));
}

TEST(MemoryLink, EitherEndMayGoFirst) {
  auto links = make_memory_link_pair();
  links.left.reset();
  EXPECT_TRUE(links.right->send(text_bytes("nobody there")).ok());
  EXPECT_FALSE(links.right->receive(Clock::time_point{}).has_value());
}

TEST(ManualClock, MovesOnlyWhenToldAndNeverBack) {
  ManualClock clock;
  const auto start = clock.now();
  clock.advance(250ms);
  EXPECT_EQ(clock.now(), start + 250ms);
  clock.advance_to(start + 100ms);
  EXPECT_EQ(clock.now(), start + 250ms);
  clock.wait_until(start + 1s);
  EXPECT_EQ(clock.now(), start + 1s);
}

TEST(ManualClock, AnIdleWireMovesItToTheDeadline) {
  ManualClock clock;
  auto links = make_memory_link_pair();
  Wire wire(*links.left, {}, clock);
  const auto start = clock.now();
  const auto real_start = Clock::now();
  EXPECT_FALSE(wire.run_until(start + 1h));
  EXPECT_EQ(clock.now(), start + 1h);
  EXPECT_LT(Clock::now() - real_start, 10s);
  wire.run_for(5s);
  EXPECT_EQ(clock.now(), start + 1h + 5s);
}

TEST(ManualClock, WireStampsEventsWithIt) {
  ManualClock clock(Clock::time_point{} + 42s);
  auto links = make_memory_link_pair();
  Wire wire(*links.left, {}, clock);
  ASSERT_TRUE(wire.send(text_bytes("not even IP"), PathSide::ClientSide).ok());
  clock.advance(3s);
  ASSERT_TRUE(links.right->send(text_bytes("nor this")).ok());
  EXPECT_EQ(wire.poll(), 1U);
  ASSERT_EQ(wire.events().size(), 2U);
  EXPECT_EQ(wire.events()[0].time, Clock::time_point{} + 42s);
  EXPECT_EQ(wire.events()[1].time, Clock::time_point{} + 45s);
  EXPECT_EQ(wire.events()[1].direction, Direction::FromPut);
}

}  // namespace
}  // namespace convtest::harness
