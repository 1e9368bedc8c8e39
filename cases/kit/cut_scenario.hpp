#pragma once
// The client role's shape of a case: the harness is the converter (and the
// server behind it) on the lab's link, the client under test (CUT) is
// launched in the case's namespace toward the emulated server with a request
// on its stdin, and the case judges the wire (its SYN, its RST) and what its
// application saw (exit status, stdout).

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/emulate/converter.hpp"
#include "harness/endpoint/wire.hpp"
#include "harness/expect/expect.hpp"
#include "harness/lab/put_process.hpp"
#include "harness/runner/case.hpp"
#include "kit/scenario.hpp"

namespace convtest::cases {

using harness::emulate::ConverterScript;

// What the application writes, and what the emulated server answers.
inline constexpr std::string_view kCutRequest = "GET / HTTP/1.0\r\n\r\n";
inline constexpr std::string_view kServerAnswer = "HTTP/1.0 200 OK\r\n\r\nconverted\n";
// Where the CUT is sent: the emulated server, IPv4.
inline constexpr std::uint16_t kCutDestinationPort = kServerPort;
std::string cut_destination_text();  // "198.51.100.10:80"

// A success reply carrying the server's SYN-ACK options (MSS 1460).
pg::Bytes success_reply();
// `reply` then the server's answer, the whole of it in the SYN-ACK.
ConverterScript answering(pg::Bytes reply, std::string_view server_bytes = kServerAnswer);

class CutScenario {
 public:
  explicit CutScenario(CaseContext& context);
  ~CutScenario();  // stops the CUT, resets what is open
  CutScenario(const CutScenario&) = delete;
  CutScenario& operator=(const CutScenario&) = delete;

  // The emulated converter: connection i follows scripts[i], the last
  // script every later one.
  void converter(std::vector<ConverterScript> scripts);
  // Launches the CUT with `input` on its stdin; the outcome when it could
  // not be started (a harness or environment problem, not a verdict). A
  // case may launch it again once it has exited: every launch of one case
  // gets the same {state_dir}.
  // `destination`: where the application asks to go (default: the emulated
  // server, kCutDestinationPort).
  std::optional<CaseOutcome> launch(std::string_view input = kCutRequest,
                                    std::optional<std::string> destination = std::nullopt);
  // Keeps the wire turning until the CUT has exited, at most `timeout`
  // (scaled); false when it still runs (it hung: it is stopped then).
  bool await_exit(Clock::duration timeout);
  harness::expect::Outcome await(std::string what, const std::function<bool()>& condition, Clock::duration timeout);
  // Until the CUT's first SYN reached the converter, or the CUT exited.
  bool await_syn(Clock::duration timeout);

  // The families of the case's instance: the CUT reaches the converter over
  // the first and asks for a destination of the second (IPv4 by default).
  Family converter_family() const;
  Family destination_family() const;
  // The converter's address in converter_family().
  pg::ip::Address converter_address() const;

  // ---- what the CUT did
  const harness::emulate::ConverterEmulator& emulator() const { return *converter_; }
  std::size_t connection_count() const { return converter_->connection_count(); }
  // SYNs to the converter since the latest launch.
  std::size_t syns_since_launch() const;
  // The payload of its first SYN; nothing when no SYN came.
  std::optional<pg::Bytes> first_syn_payload() const;
  std::optional<harness::process::ExitStatus> exit_status();
  std::string cut_stdout() const;
  // "exited with status 4; stdout '...'; stderr '...'" for observed texts.
  std::string describe_cut();
  // Whether the CUT reset connection `index` (an RST reached the converter).
  bool reset_by_cut(std::size_t index) const;
  bool fin_by_cut(std::size_t index) const;
  // The last packets of the case, for observed texts.
  std::string recent(std::size_t limit = 8) const;
  void log(std::string line) { context_.log(std::move(line)); }
  CaseContext& context() { return context_; }

 private:
  // Turns the wire until `condition` holds, looking at it at least every few ms.
  bool turn_until(Clock::duration timeout, const std::function<bool()>& condition);

  CaseContext& context_;
  harness::expect::Timing timing_;
  harness::Wire wire_;  // before the endpoints: they go first
  std::unique_ptr<harness::emulate::ConverterEmulator> converter_;
  std::unique_ptr<harness::PutProcess> cut_;
  bool exit_seen_ = false;  // its exit was logged and its last packets taken in
  std::size_t launches_ = 0;
  std::size_t syns_at_launch_ = 0;
  std::filesystem::path state_dir_;
};

}  // namespace convtest::cases
