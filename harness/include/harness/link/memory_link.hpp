#pragma once
// Two Links joined back to back in memory: what one end sends, the other
// receives, in order. No device, no kernel, no root, so hermetic tests can
// put the harness's endpoints (or a peer scripted by the test) on both ends.
//
// receive() never waits: with nothing queued it answers nothing at once.
// Pair it with a ManualClock (harness/link/time_source.hpp), which an idle
// Wire moves on to its next timer; on the steady clock a Wire over a memory
// link would spin until its deadline. Single-threaded, like the Wire.

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "harness/link/link.hpp"

namespace convtest::harness {

// Decides what reaches the other end in place of a packet just sent: nothing
// (lost), other bytes (altered), several packets (duplicated, or one kept
// back earlier and let go now: reordered).
using InFlightHook = std::function<std::vector<packetgen::Bytes>(packetgen::Bytes packet)>;

struct MemoryLinkPair;

class MemoryLink final : public Link {
 public:
  ~MemoryLink() override;

  // Queues the packet at the other end (through the in-flight hook, if any).
  // Fails once this end is closed; a packet to a closed end is lost silently,
  // as on a cable with nobody at the far side.
  Status send(packetgen::ByteView ip_packet) override;
  // The oldest packet queued for this end, whatever the deadline says.
  std::optional<Packet> receive(Clock::time_point deadline) override;
  void record_to(PcapWriter* writer) override;
  std::string describe() const override;
  void before_close(std::function<void(Link&)> hook) override;
  void close() override;

  // Every packet this end sends from now on goes through `hook` (empty: none).
  void set_in_flight_hook(InFlightHook hook) { in_flight_hook_ = std::move(hook); }
  // Packets queued for this end that receive() has not returned yet.
  [[nodiscard]] std::size_t pending() const { return inbox_->packets.size(); }

 private:
  // Owned by both ends, so either may go first.
  struct Inbox {
    std::deque<Packet> packets;
    bool open = true;
  };
  friend MemoryLinkPair make_memory_link_pair(const std::string& name);
  MemoryLink(std::string name, std::shared_ptr<Inbox> inbox, std::shared_ptr<Inbox> peer_inbox);

  std::string name_;
  std::shared_ptr<Inbox> inbox_;       // what the other end sent us
  std::shared_ptr<Inbox> peer_inbox_;  // where what we send goes
  InFlightHook in_flight_hook_;
  PcapWriter* recorder_ = nullptr;
  std::vector<std::function<void(Link&)>> close_hooks_;
};

struct MemoryLinkPair {
  std::unique_ptr<MemoryLink> left;
  std::unique_ptr<MemoryLink> right;
};

// Two joined ends, described as "<name> (left)" and "<name> (right)".
MemoryLinkPair make_memory_link_pair(const std::string& name = "memory link");

}  // namespace convtest::harness
