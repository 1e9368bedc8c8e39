#include "harness/link/memory_link.hpp"

#include <fmt/format.h>

#include "harness/link/pcap_writer.hpp"

namespace convtest::harness {

MemoryLink::MemoryLink(std::string name, std::shared_ptr<Inbox> inbox, std::shared_ptr<Inbox> peer_inbox)
    : name_(std::move(name)), inbox_(std::move(inbox)), peer_inbox_(std::move(peer_inbox)) {}

MemoryLink::~MemoryLink() { close(); }

Status MemoryLink::send(packetgen::ByteView ip_packet) {
  if (!inbox_->open) return packetgen::failure(fmt::format("{}: send on a closed link", name_));
  const auto when = WallClock::now();
  if (recorder_ != nullptr) recorder_->write(ip_packet, when);
  packetgen::Bytes packet(ip_packet.begin(), ip_packet.end());
  std::vector<packetgen::Bytes> arriving;
  if (in_flight_hook_)
    arriving = in_flight_hook_(std::move(packet));
  else
    arriving.push_back(std::move(packet));
  if (!peer_inbox_->open) return Done{};
  for (auto& bytes : arriving) peer_inbox_->packets.push_back({std::move(bytes), when});
  return Done{};
}

std::optional<Packet> MemoryLink::receive(Clock::time_point) {
  if (!inbox_->open || inbox_->packets.empty()) return std::nullopt;
  Packet packet = std::move(inbox_->packets.front());
  inbox_->packets.pop_front();
  packet.timestamp = WallClock::now();
  if (recorder_ != nullptr) recorder_->write(packet.bytes, packet.timestamp);
  return packet;
}

void MemoryLink::record_to(PcapWriter* writer) { recorder_ = writer; }

std::string MemoryLink::describe() const { return name_; }

void MemoryLink::before_close(std::function<void(Link&)> hook) { close_hooks_.push_back(std::move(hook)); }

void MemoryLink::close() {
  if (!inbox_->open) return;
  auto hooks = std::move(close_hooks_);
  close_hooks_.clear();
  for (auto& hook : hooks) hook(*this);
  inbox_->open = false;
  inbox_->packets.clear();
}

MemoryLinkPair make_memory_link_pair(const std::string& name) {
  auto left_inbox = std::make_shared<MemoryLink::Inbox>();
  auto right_inbox = std::make_shared<MemoryLink::Inbox>();
  MemoryLinkPair pair;
  pair.left.reset(new MemoryLink(name + " (left)", left_inbox, right_inbox));
  pair.right.reset(new MemoryLink(name + " (right)", right_inbox, left_inbox));
  return pair;
}

}  // namespace convtest::harness
