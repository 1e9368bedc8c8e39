#pragma once
// One client connection through the converter: read the Convert message,
// decide, connect downstream, reply, relay, tear down.

#include <chrono>
#include <cstdint>
#include <optional>

#include "convproxy/address.hpp"
#include "convproxy/convert_phase.hpp"
#include "convproxy/downstream.hpp"
#include "convproxy/fd.hpp"
#include "convproxy/relay.hpp"
#include "convproxy/synack_capture.hpp"
#include "convproxy/worker.hpp"

namespace convtest::convproxy {

class Session {
 public:
  Session(Worker& worker, std::uint64_t id, Fd client, Endpoint peer);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start();
  void on_event(Side side, std::uint32_t events);
  void on_timer(Clock::time_point now);
  void on_resume();
  [[nodiscard]] bool done() const { return phase_ == Phase::Done; }
  [[nodiscard]] Clock::time_point deadline() const { return deadline_; }

 private:
  // Replying: a reply-and-close waits for the client's MPTCP handshake.
  enum class Phase : std::uint8_t { ReadingConvert, Replying, Connecting, Relaying, Closing, Done };

  enum class ClientRead : std::uint8_t { Short, Drained, Reset };
  void read_convert();
  ClientRead read_client_bytes();
  void act(const Decision& decision);
  void send_error(const packetgen::convert::ErrorTlv& error);
  void reply_and_close(packetgen::Bytes reply);
  void write_reply_and_close();
  bool client_takes_data();
  void recheck_client_soon();
  void open_downstream(const decision::OpenDownstream& request);
  void check_connect(std::uint32_t events);
  void downstream_failed(const DownstreamFailure& failure);
  void downstream_connected(std::uint32_t events);
  packetgen::Bytes server_synack_options();
  std::optional<std::vector<std::uint8_t>> supported_for_client();
  // Each direction reads its source only if that side had an event (or
  // the caller cannot tell) or its last read did not find the queue empty.
  void relay(bool client_signalled = true, bool server_signalled = true);
  // Only the MPTCP path faults need the client's subflows (MPTCP_INFO).
  [[nodiscard]] bool watches_client_paths() const;
  bool path_fault_struck();
  void drain_and_close();
  void finish();  // orderly close of both sides
  void propagate_reset(bool by_server);
  // Which sides abort() closes with RST; the other sides close with FIN.
  enum class ResetSides : std::uint8_t { None, Client, Server, Both };
  void abort(ResetSides reset);
  void set_deadline(Clock::time_point deadline);
  void release_pending();

  Worker& worker_;
  std::uint64_t id_;
  Fd client_;
  Endpoint peer_;
  Fd server_;
  std::optional<FlowKey> flow_;
  Phase phase_ = Phase::ReadingConvert;
  Clock::time_point deadline_ = Clock::time_point::max();
  Clock::time_point last_activity_;
  packetgen::Bytes inbound_;
  packetgen::Bytes parked_reply_;
  bool client_handshake_done_ = false;
  bool recheck_scheduled_ = false;
  // Faults on MPTCP path events: whether the client spoke MPTCP when the
  // relay began, and the most subflows seen since.
  bool client_mptcp_at_relay_ = false;
  unsigned most_subflows_ = 0;
  std::optional<Clock::time_point> client_wait_limit_;
  bool client_ended_ = false;
  bool client_queue_empty_ = false;  // the last read from the client found nothing more
  std::optional<decision::OpenDownstream> request_;
  bool holds_session_slot_ = false;
  bool holds_pending_slot_ = false;
  RelayDirection to_server_;
  RelayDirection to_client_;
};

}  // namespace convtest::convproxy
