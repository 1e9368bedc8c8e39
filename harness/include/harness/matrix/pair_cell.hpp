#pragma once
// One pair cell: a real client process through a real converter process to
// the pair server (harness/matrix/pair_server.hpp), over one family and one
// client transport, through one middlebox profile (pair_lab.hpp). The
// client sends `request_bytes` random bytes; the cell passes only when the
// server received exactly them, the client printed exactly the server's
// reply, the client exited 0 in time, the converter still runs (one in
// netns or remote mode, which the harness does not start, still accepts a
// new connection), and an MPTCP cell really ran MPTCP between client and
// converter (or fell back through a profile that strips it). Its folder keeps the pcap, both
// sides' output, the request and the server's log.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "harness/matrix/event.hpp"
#include "reports/verdict.hpp"

namespace convtest::harness::matrix {

struct PairCellSpec {
  std::string client_id;
  std::string converter_id;
  ClientDescription client;
  PutDescription converter;
  PairFamily family = PairFamily::V4;
  PairTransport transport = PairTransport::Tcp;
  MiddleboxProfile profile;
  std::size_t request_bytes = 20000;
  std::chrono::milliseconds deadline{20000};  // already scaled
  double time_scale = 1.0;
  std::uint64_t seed = 0;  // the request's bytes
  std::filesystem::path folder;
  std::filesystem::path bin_dir;
  std::optional<ClientBox> client_box;  // the client runs on a box of its own
};

struct PairCellOutcome {
  reports::Verdict verdict = reports::Verdict::Error;
  std::string observed;
  std::chrono::milliseconds duration{0};
};

// Why the cell cannot run with these two descriptions (a family or transport
// one side does not declare);
// empty when it can.
std::string pair_cell_skip_reason(const PairCellSpec& spec);

// Runs the cell; everything it leaves is in spec.folder (created).
PairCellOutcome run_pair_cell(const PairCellSpec& spec);

}  // namespace convtest::harness::matrix
