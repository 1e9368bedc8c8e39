#include "harness/expect/expect.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "packetgen/tcp_options.hpp"

namespace convtest::harness::expect {
namespace {

namespace pt = packetgen::tcp;
using std::chrono::duration_cast;

std::string endpoint_text(const packetgen::ip::Address& address, std::optional<std::uint16_t> port) {
  return port ? fmt::format("{}.{}", address.to_string(), *port) : address.to_string();
}

bool has_option(const WireEvent& event, std::uint8_t kind) {
  return event.tcp && pt::parse_options(event.tcp->segment.options).find(kind) != nullptr;
}

std::string scale_note(const Timing& timing) {
  return timing.time_scale == 1.0 ? std::string() : fmt::format(" (time scale x{})", timing.time_scale);
}

}  // namespace

Clock::duration Timing::scaled(Clock::duration base) const {
  const double factor = time_scale > 0.0 ? time_scale : 1.0;
  return duration_cast<Clock::duration>(
      std::chrono::duration<double, Clock::period>(static_cast<double>(base.count()) * factor));
}

Clock::time_point Timing::deadline_in(Clock::duration base) const {
  const auto at = Clock::now() + scaled(base);
  return case_deadline ? std::min(at, *case_deadline) : at;
}

std::string format_duration(Clock::duration duration) {
  const auto us = duration_cast<std::chrono::microseconds>(duration).count();
  if (us < 1000) return fmt::format("{} us", us);
  if (us < 1000000) return fmt::format("{:g} ms", static_cast<double>(us) / 1000.0);
  return fmt::format("{:g} s", static_cast<double>(us) / 1e6);
}

// ------------------------------------------------------------------ filter

PacketFilter& PacketFilter::add(std::string text, std::function<bool(const WireEvent&)> test) {
  clauses_.push_back({std::move(text), std::move(test)});
  return *this;
}

PacketFilter& PacketFilter::from_put() {
  return add("from the PUT", [](const WireEvent& e) { return e.direction == Direction::FromPut; });
}
PacketFilter& PacketFilter::to_put() {
  return add("toward the PUT", [](const WireEvent& e) { return e.direction == Direction::ToPut; });
}
PacketFilter& PacketFilter::side(PathSide side) {
  return add(side == PathSide::ClientSide ? "on the client side" : "on the server side",
             [side](const WireEvent& e) { return e.side == side; });
}
PacketFilter& PacketFilter::tcp() {
  return add("TCP", [](const WireEvent& e) { return e.tcp.has_value(); });
}
PacketFilter& PacketFilter::icmp() {
  return add("ICMP error", [](const WireEvent& e) { return e.icmp.has_value(); });
}
PacketFilter& PacketFilter::flags(std::uint8_t all_of, std::uint8_t none_of) {
  std::string text = fmt::format("flags [{}]", pt::flags_text(all_of));
  if (none_of) text += fmt::format(" without [{}]", pt::flags_text(none_of));
  return add(std::move(text), [all_of, none_of](const WireEvent& e) {
    return e.tcp && (e.tcp->segment.flags & all_of) == all_of && (e.tcp->segment.flags & none_of) == 0;
  });
}
PacketFilter& PacketFilter::bare_syn() { return flags(pt::flag::SYN, pt::flag::ACK | pt::flag::RST); }
PacketFilter& PacketFilter::syn_ack() { return flags(pt::flag::SYN | pt::flag::ACK, pt::flag::RST); }
PacketFilter& PacketFilter::rst() { return flags(pt::flag::RST); }
PacketFilter& PacketFilter::fin() { return flags(pt::flag::FIN); }

PacketFilter& PacketFilter::to(const packetgen::ip::Address& address, std::optional<std::uint16_t> port) {
  return add("to " + endpoint_text(address, port), [address, port](const WireEvent& e) {
    if (e.tcp) return e.tcp->addresses.destination == address && (!port || e.tcp->segment.destination_port == *port);
    if (e.icmp) return e.icmp->addresses.destination == address && !port;
    return false;
  });
}
PacketFilter& PacketFilter::from(const packetgen::ip::Address& address, std::optional<std::uint16_t> port) {
  return add("from " + endpoint_text(address, port), [address, port](const WireEvent& e) {
    if (e.tcp) return e.tcp->addresses.source == address && (!port || e.tcp->segment.source_port == *port);
    if (e.icmp) return e.icmp->addresses.source == address && !port;
    return false;
  });
}
PacketFilter& PacketFilter::with_payload() {
  return add("with payload", [](const WireEvent& e) { return e.tcp && !e.tcp->segment.payload.empty(); });
}
PacketFilter& PacketFilter::without_payload() {
  return add("without payload", [](const WireEvent& e) { return e.tcp && e.tcp->segment.payload.empty(); });
}
PacketFilter& PacketFilter::with_option(std::uint8_t kind) {
  return add(fmt::format("with option {}", kind), [kind](const WireEvent& e) { return has_option(e, kind); });
}
PacketFilter& PacketFilter::without_option(std::uint8_t kind) {
  return add(fmt::format("without option {}", kind),
             [kind](const WireEvent& e) { return e.tcp && !has_option(e, kind); });
}
PacketFilter& PacketFilter::where(std::string description, std::function<bool(const WireEvent&)> predicate) {
  return add(std::move(description), std::move(predicate));
}
PacketFilter& PacketFilter::including_dropped() {
  including_dropped_ = true;
  return *this;
}

bool PacketFilter::matches(const WireEvent& event) const {
  if (event.noise) return false;
  if (event.dropped && !including_dropped_) return false;
  return std::all_of(clauses_.begin(), clauses_.end(), [&](const Clause& c) { return c.test(event); });
}

std::string PacketFilter::describe() const {
  if (clauses_.empty()) return "any packet";
  std::string text = "a packet";
  for (const auto& clause : clauses_) text += " " + clause.text;
  return text;
}

// ------------------------------------------------------------------ rendering

std::string describe_event(const Wire& wire, const WireEvent& event) {
  const auto& events = wire.events();
  const auto origin = events.empty() ? event.time : events.front().time;
  const double seconds = std::chrono::duration<double>(event.time - origin).count();
  std::string line = fmt::format("+{:.6f} {}{} {}", seconds, event.side == PathSide::ClientSide ? 'C' : 'S',
                                 event.direction == Direction::ToPut ? '>' : '<', event.summary);
  if (!event.alteration.empty()) line += fmt::format(" {{middlebox: {}}}", event.alteration);
  if (event.dropped) line += " {dropped}";
  return line;
}

std::string recent_packets(const Wire& wire, std::size_t since, std::size_t limit) {
  std::vector<const WireEvent*> shown;
  for (const auto* event : wire.events_since(since))
    if (!event->noise) shown.push_back(event);
  if (shown.empty()) return "  (no packets)";
  std::string text;
  const std::size_t first = shown.size() > limit ? shown.size() - limit : 0;
  if (first > 0) text += fmt::format("  ... {} earlier packets\n", first);
  for (std::size_t i = first; i < shown.size(); ++i) {
    text += "  " + describe_event(wire, *shown[i]);
    if (i + 1 < shown.size()) text += "\n";
  }
  return text;
}

std::string Outcome::render() const { return fmt::format("expected: {}\nobserved: {}", expected, observed); }

std::vector<const WireEvent*> matching(const Wire& wire, const PacketFilter& filter, std::size_t since) {
  std::vector<const WireEvent*> out;
  for (const auto* event : wire.events_since(since))
    if (filter.matches(*event)) out.push_back(event);
  return out;
}

// ------------------------------------------------------------------ waits

namespace {

const WireEvent* first_match(const Wire& wire, const PacketFilter& filter, std::size_t& cursor) {
  const WireEvent* found = nullptr;
  for (const auto* event : wire.events_since(cursor)) {
    cursor = event->index + 1;
    if (filter.matches(*event)) {
      found = event;
      break;
    }
  }
  return found;
}

}  // namespace

Outcome wait_for_packet(Wire& wire, const Timing& timing, const PacketFilter& filter, Clock::duration timeout,
                        std::optional<std::size_t> since) {
  const auto start = Clock::now();
  const std::size_t from = since.value_or(wire.next_event_index());
  const auto limit = timing.scaled(timeout);
  Outcome outcome;
  outcome.expected = fmt::format("{} within {}{}", filter.describe(), format_duration(limit), scale_note(timing));
  std::size_t cursor = from;
  const WireEvent* found = nullptr;
  wire.run_until(timing.deadline_in(timeout), [&] {
    found = first_match(wire, filter, cursor);
    return found != nullptr;
  });
  if (found == nullptr) found = first_match(wire, filter, cursor);
  outcome.waited = Clock::now() - start;
  if (found != nullptr) {
    outcome.met = true;
    outcome.event = *found;
    outcome.observed = describe_event(wire, *found);
    return outcome;
  }
  outcome.observed = fmt::format("no such packet after {}; last packets:\n{}", format_duration(outcome.waited),
                                 recent_packets(wire, from));
  return outcome;
}

Outcome expect_no_packet(Wire& wire, const Timing& timing, const PacketFilter& filter, Clock::duration window,
                         std::optional<std::size_t> since) {
  const auto start = Clock::now();
  const std::size_t from = since.value_or(wire.next_event_index());
  const auto limit = timing.scaled(window);
  Outcome outcome;
  std::string what = filter.describe();
  if (what.rfind("a ", 0) == 0) what.erase(0, 2);
  if (what == "any packet") what = "packet";
  outcome.expected = fmt::format("no {} for {}{}", what, format_duration(limit), scale_note(timing));
  std::size_t cursor = from;
  const WireEvent* found = nullptr;
  wire.run_until(timing.deadline_in(window), [&] {
    found = first_match(wire, filter, cursor);
    return found != nullptr;
  });
  if (found == nullptr) found = first_match(wire, filter, cursor);
  outcome.waited = Clock::now() - start;
  if (found == nullptr) {
    outcome.met = true;
    outcome.observed = fmt::format("none in {}", format_duration(outcome.waited));
    return outcome;
  }
  outcome.event = *found;
  outcome.observed = fmt::format("{}\nlast packets:\n{}", describe_event(wire, *found), recent_packets(wire, from));
  return outcome;
}

Outcome wait_until(Wire& wire, const Timing& timing, std::string expected, const std::function<bool()>& condition,
                   const std::function<std::string()>& observe, Clock::duration timeout) {
  const auto start = Clock::now();
  const std::size_t from = wire.next_event_index();
  Outcome outcome;
  outcome.expected =
      fmt::format("{} within {}{}", expected, format_duration(timing.scaled(timeout)), scale_note(timing));
  outcome.met = wire.run_until(timing.deadline_in(timeout), condition);
  outcome.waited = Clock::now() - start;
  outcome.observed = observe ? observe() : std::string();
  if (!outcome.met)
    outcome.observed += fmt::format("{}after {}; last packets:\n{}", outcome.observed.empty() ? "" : ", ",
                                    format_duration(outcome.waited), recent_packets(wire, from));
  return outcome;
}

Outcome wait_for_bytes(Wire& wire, const Timing& timing, std::string what,
                       const std::function<const packetgen::Bytes&()>& stream, std::size_t count,
                       Clock::duration timeout) {
  return wait_until(
      wire, timing, fmt::format("{} bytes of {}", count, what), [&] { return stream().size() >= count; },
      [&] {
        const auto& bytes = stream();
        const std::size_t shown = std::min<std::size_t>(bytes.size(), 32);
        return fmt::format("{} bytes of {}{}{}", bytes.size(), what, shown ? ": " : "",
                           packetgen::to_hex(packetgen::ByteView(bytes).first(shown))) +
               (bytes.size() > shown ? " ..." : "");
      },
      timeout);
}

}  // namespace convtest::harness::expect
