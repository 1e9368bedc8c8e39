#pragma once
// The Wire: one Link shared by every endpoint of a case. It reads packets,
// runs them through the middlebox of their path, routes each to the endpoint
// owning its flow, keeps unmatched TCP/ICMP packets in a bounded backlog
// (the PUT's downstream SYN may come before the server role listens), and
// logs every packet both ways for expectations and reports.
//
// Single-threaded: nothing moves unless someone calls run_until()/run_for()
// or poll(). Every time it and its endpoints use comes from its TimeSource.
// Declare the Wire before the endpoints that use it, so that the endpoints
// (which reset their open flows when destroyed) go first.

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/emulate/middlebox.hpp"
#include "harness/endpoint/flow.hpp"
#include "harness/link/link.hpp"
#include "harness/link/time_source.hpp"
#include "packetgen/icmp.hpp"
#include "packetgen/tcp.hpp"

namespace convtest::harness {

// One packet in the log. `bytes` is the packet as the PUT sent or received
// it (the PUT's side of the middlebox), which is what a judge looks at.
struct WireEvent {
  std::size_t index = 0;
  Direction direction = Direction::ToPut;
  PathSide side = PathSide::ClientSide;
  Clock::time_point time;           // monotonic, for deadlines and deltas
  WallClock::time_point wall_time;  // for reports and the pcap
  packetgen::Bytes bytes;
  std::string summary;
  std::optional<packetgen::tcp::Parsed> tcp;    // set for TCP packets
  std::optional<packetgen::icmp::Parsed> icmp;  // set for ICMP/ICMPv6 errors
  std::string alteration;                       // what a middlebox did ("" = untouched)
  bool dropped = false;                         // a middlebox dropped it: it never reached its receiver
  bool noise = false;                           // belongs to no flow (router solicitations, ND, ...)
};

struct InboundSegment {
  packetgen::tcp::Parsed tcp;
  Clock::time_point time;
  std::size_t event_index = 0;
};

struct InboundIcmp {
  packetgen::icmp::Parsed icmp;
  std::optional<packetgen::tcp::Parsed> quoted;  // the harness segment it quotes
  Clock::time_point time;
  std::size_t event_index = 0;
};

// Something that owns flows on the wire: a TCP client, an MPTCP client, a
// legacy server.
class WireEndpoint {
 public:
  virtual ~WireEndpoint() = default;
  WireEndpoint() = default;
  WireEndpoint(const WireEndpoint&) = delete;
  WireEndpoint& operator=(const WireEndpoint&) = delete;

  // Whether a segment of this flow (harness view) is this endpoint's.
  virtual bool wants(const FlowKey& key, const packetgen::tcp::Parsed& segment) const = 0;
  virtual void on_segment(const InboundSegment& segment) = 0;
  virtual void on_icmp(const InboundIcmp&) {}
  virtual std::optional<Clock::time_point> next_timer() const { return std::nullopt; }
  virtual void on_timer(Clock::time_point) {}
  // Teardown: reset every flow that is still open.
  virtual void abort_all() {}
};

struct WireOptions {
  // Flows whose PUT-side port is one of these are on the client side; every
  // other flow is on the server side.
  std::vector<std::uint16_t> converter_ports{5124};
  std::size_t backlog_limit = 256;
  std::size_t event_limit = 200000;  // older events beyond this are not kept
};

class Wire {
 public:
  // `clock` must outlive the Wire.
  explicit Wire(Link& link, WireOptions options = {}, TimeSource& clock = steady_time_source());
  ~Wire();
  Wire(const Wire&) = delete;
  Wire& operator=(const Wire&) = delete;

  // Attaching hands over every backlog packet the endpoint wants, oldest first.
  void attach(WireEndpoint& endpoint);
  void detach(WireEndpoint& endpoint);

  void add_middlebox(emulate::MiddleboxRule rule) { middlebox_.add(std::move(rule)); }
  const emulate::Middlebox& middlebox() const { return middlebox_; }

  // Sends an IP packet from a harness endpoint toward the PUT, through the
  // middlebox of `side`.
  Status send(packetgen::ByteView ip_packet, PathSide side);

  // Reads, dispatches and fires endpoint timers until `done()` is true or
  // the deadline passes; returns done(). `done` may be empty (run to the deadline).
  // While the link is idle, time goes to the next timer or the deadline
  // (TimeSource::wait_until).
  bool run_until(Clock::time_point deadline, const std::function<bool()>& done = {});
  void run_for(Clock::duration duration) { run_until(now() + duration); }
  // Fires the timers due now and dispatches every packet the link already
  // holds, without waiting; returns how many packets it read.
  std::size_t poll();

  Clock::time_point now() const { return clock_.now(); }
  // The earliest timer of the attached endpoints.
  std::optional<Clock::time_point> next_timer() const;

  // Resets every open flow (endpoints' flows and PUT flows left in the
  // backlog) so the PUT's sockets die at once; the notes measured namespaces
  // lingering for minutes otherwise. Runs by itself before the link closes
  // (a before_close hook) and from the destructor, whichever comes first.
  void teardown();

  PathSide classify(const FlowKey& key) const;

  const std::deque<WireEvent>& events() const { return events_; }
  // Index the next event will get; expectations scan from a mark.
  std::size_t next_event_index() const { return next_index_; }
  const WireEvent* event(std::size_t index) const;
  // Events from `first_index` on (those still kept).
  std::vector<const WireEvent*> events_since(std::size_t first_index) const;
  // Every change a middlebox made, one line each.
  const std::vector<std::string>& alterations() const { return alterations_; }
  bool path_altered() const { return !alterations_.empty(); }

  std::size_t backlog_size() const { return backlog_.size(); }
  std::size_t backlog_dropped() const { return backlog_dropped_; }
  Link& link() { return link_; }

 private:
  struct Routed {
    WireEndpoint* owner = nullptr;
    PathSide side = PathSide::ClientSide;
  };
  void ingest(const Packet& packet);
  void deliver(const packetgen::Bytes& bytes, Routed route, Clock::time_point time, std::size_t event_index);
  Routed route(packetgen::ByteView ip_packet) const;
  WireEvent& log(Direction direction, PathSide side, packetgen::ByteView bytes, WallClock::time_point wall_time,
                 Clock::time_point time);
  void fire_timers(Clock::time_point now);
  void reset_backlog_flows();

  Link& link_;
  WireOptions options_;
  TimeSource& clock_;
  emulate::Middlebox middlebox_;
  std::vector<WireEndpoint*> endpoints_;
  struct Backlogged {
    packetgen::Bytes bytes;
    Clock::time_point time;
    std::size_t event_index = 0;
  };
  std::deque<Backlogged> backlog_;
  std::size_t backlog_dropped_ = 0;
  std::deque<WireEvent> events_;
  std::size_t next_index_ = 0;
  std::vector<std::string> alterations_;
  bool torn_down_ = false;
  std::shared_ptr<Wire*> self_;  // lets the link's close hook outlive the Wire safely
};

}  // namespace convtest::harness
