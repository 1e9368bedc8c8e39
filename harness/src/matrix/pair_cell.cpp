#include "harness/matrix/pair_cell.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <random>

#include "harness/lab/put_process.hpp"
#include "harness/matrix/pair_lab.hpp"
#include "harness/matrix/pair_server.hpp"
#include "harness/put/put_identity.hpp"
#include "harness/put/put_lab.hpp"
#include "packetgen/tcp.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::harness::matrix {
namespace {

namespace fs = std::filesystem;
using reports::Verdict;
using std::chrono::milliseconds;
using std::chrono::steady_clock;
using namespace std::chrono_literals;

// What a wire saw of the client leg's handshake.
struct Handshake {
  bool syn_seen = false;
  bool syn_mp_capable = false;
  bool synack_seen = false;
  bool synack_mp_capable = false;
};

struct CellRun {
  packetgen::Bytes request;
  std::optional<std::string> client_hung;  // how it ended once stopped
  std::optional<process::ExitStatus> client_status;
  std::string client_stderr;
  std::string converter_state;                  // "running" while it serves
  std::optional<std::string> converter_stderr;  // nothing for a converter the harness did not start
  std::vector<ServedConnection> served;
  packetgen::Bytes client_printed;
  Handshake handshake;
  std::string middlebox;
  milliseconds client_time{0};
};

PairCellOutcome outcome(Verdict verdict, std::string observed) { return {verdict, std::move(observed), {}}; }

packetgen::Bytes random_bytes(std::size_t count, std::uint64_t seed) {
  std::mt19937_64 generator(seed);
  packetgen::Bytes bytes(count);
  for (auto& byte : bytes) byte = static_cast<std::uint8_t>(generator());
  return bytes;
}

std::string write_bytes(const fs::path& path, packetgen::ByteView bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return out ? std::string() : fmt::format("cannot write {}", path.string());
}

packetgen::Bytes read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return packetgen::Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string digest(packetgen::ByteView bytes) {
  const std::string text(bytes.begin(), bytes.end());
  return fmt::format("{} bytes, sha256 {}", bytes.size(), sha256_hex(text).substr(0, 16));
}

// "first difference at byte K" or "" when one is a prefix of the other.
std::string first_difference(packetgen::ByteView got, packetgen::ByteView wanted) {
  const auto [mismatch, ignored] = std::mismatch(got.begin(), got.end(), wanted.begin(), wanted.end());
  const auto at = static_cast<std::size_t>(mismatch - got.begin());
  if (at == got.size() || at == wanted.size()) return {};
  return fmt::format("; first difference at byte {}", at);
}

bool has_mp_capable(const packetgen::tcp::Segment& segment) {
  return packetgen::tcp::parse_options(segment.options).find_mptcp(packetgen::tcp::mptcp::Subtype::MpCapable) !=
         nullptr;
}

Handshake client_handshake(const std::vector<WirePacket>& packets, std::uint16_t converter_port) {
  Handshake seen;
  for (const auto& packet : packets) {
    if (!packet.client_leg) continue;
    auto parsed = packetgen::tcp::parse(packet.bytes);
    if (!parsed) continue;
    const auto& segment = parsed.value().segment;
    const bool syn = (segment.flags & packetgen::tcp::flag::SYN) != 0;
    const bool ack = (segment.flags & packetgen::tcp::flag::ACK) != 0;
    if (syn && !ack && packet.toward_converter && segment.destination_port == converter_port && !seen.syn_seen) {
      seen.syn_seen = true;
      seen.syn_mp_capable = has_mp_capable(segment);
    } else if (syn && ack && !packet.toward_converter && segment.source_port == converter_port && !seen.synack_seen) {
      seen.synack_seen = true;
      seen.synack_mp_capable = has_mp_capable(segment);
    }
  }
  return seen;
}

std::string tail(std::string text, std::size_t keep = 300) {
  if (text.size() > keep) text = "…" + text.substr(text.size() - keep);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text.empty() ? "(nothing)" : text;
}

std::string served_text(const std::vector<ServedConnection>& served) {
  if (served.empty()) return "no connection reached the server";
  std::string text;
  for (const auto& connection : served)
    text += fmt::format("{}connection from {}: {}{}", text.empty() ? "" : "; ", connection.peer,
                        digest(connection.received), connection.ended_by_peer ? ", ended by the peer early" : "");
  return text;
}

// What the client leg carried, for an MPTCP cell; nothing when it is right.
std::optional<std::string> transport_problem(const PairCellSpec& spec, const Handshake& seen) {
  if (spec.transport != PairTransport::Mptcp || spec.profile.strips_mptcp) return std::nullopt;
  if (!seen.syn_seen) return "no SYN of the client toward the converter was seen";
  if (!seen.syn_mp_capable)
    return std::string("the client opened plain TCP (no MP_CAPABLE in its SYN) although it declares mptcp");
  if (!seen.synack_mp_capable)
    return std::string("the converter answered the MPTCP SYN without MP_CAPABLE although it declares mptcp");
  return std::nullopt;
}

std::string transport_text(const PairCellSpec& spec, const Handshake& seen) {
  if (seen.syn_mp_capable && seen.synack_mp_capable) return "client-converter over MPTCP";
  if (spec.transport == PairTransport::Mptcp && spec.profile.strips_mptcp)
    return "client-converter fell back to TCP (the path strips MPTCP options)";
  return "client-converter over TCP";
}

PairCellOutcome judge(const PairCellSpec& spec, const CellRun& run) {
  if (run.client_hung)
    return outcome(Verdict::Fail, fmt::format("the client hung: still running {} ms after its start (stopped: {}); "
                                              "server side: {}",
                                              spec.deadline.count(), *run.client_hung, served_text(run.served)));
  if (run.client_status && run.client_status->kind == process::ExitStatus::Kind::Signaled)
    return outcome(Verdict::Fail, fmt::format("the client crashed: {}; its stderr ends: {}",
                                              run.client_status->to_string(), tail(run.client_stderr)));
  if (run.converter_state != "running")
    return outcome(Verdict::Fail,
                   fmt::format("the converter stopped during the exchange: {}{}", run.converter_state,
                               run.converter_stderr ? "; its stderr ends: " + tail(*run.converter_stderr) : ""));
  if (run.client_status && !run.client_status->success())
    return outcome(Verdict::Fail,
                   fmt::format("the client {}; its stderr ends: {}; server side: {}", run.client_status->to_string(),
                               tail(run.client_stderr), served_text(run.served)));
  const bool delivered = std::any_of(run.served.begin(), run.served.end(),
                                     [&](const ServedConnection& c) { return c.received == run.request; });
  if (!delivered)
    return outcome(
        Verdict::Fail,
        fmt::format("the server did not receive the request ({}): {}{}", digest(run.request), served_text(run.served),
                    run.served.empty() ? "" : first_difference(run.served.front().received, run.request)));
  const packetgen::Bytes reply = pair_reply(run.request);
  if (run.client_printed != reply)
    return outcome(Verdict::Fail,
                   fmt::format("the client printed {}, not the server's reply ({}){}", digest(run.client_printed),
                               digest(reply), first_difference(run.client_printed, reply)));
  if (auto problem = transport_problem(spec, run.handshake)) return outcome(Verdict::Fail, *problem);
  return outcome(Verdict::Pass,
                 fmt::format("request and reply intact ({} each way); {}; middlebox: {}; client exited 0 after {} ms",
                             digest(run.request), transport_text(spec, run.handshake),
                             run.middlebox.empty() ? "changed nothing" : run.middlebox, run.client_time.count()));
}

void write_server_log(const fs::path& path, const std::vector<ServedConnection>& served) {
  std::ofstream out(path, std::ios::trunc);
  if (served.empty()) out << "no connection\n";
  for (const auto& connection : served)
    out << fmt::format("connection from {}: received {}{}; replied {} bytes\n", connection.peer,
                       digest(connection.received), connection.ended_by_peer ? " (ended by the peer early)" : "",
                       connection.replied);
}

packetgen::Result<std::unique_ptr<PutProcess>, std::string> start_converter(const PairCellSpec& spec,
                                                                            const PairLab& lab) {
  const bool v6 = spec.converter.has(Feature::Ipv6) && !spec.converter.address6.empty();
  const PairAddresses a = pair_addresses();
  auto argv = expand_command(with_bin_dir(spec.converter.spawn_template, spec.bin_dir),
                             PlaceholderValues{a.converter4, a.converter6, spec.converter.port});
  if (!argv) return packetgen::failure(fmt::format("the converter's template: {}", argv.error()));
  SpawnOptions options{
      .argv = argv.value(),
      .output_dir = spec.folder,
      .label = "converter",
      .ready_port = spec.converter.port,
      .ready_v4 = true,
      .ready_v6 = v6,
      .ready_timeout = milliseconds(static_cast<std::int64_t>(spec.converter.startup_seconds * 1000 * spec.time_scale)),
      .stop_grace = 1000ms};
  return PutProcess::spawn(*lab.converter(), options);
}

// Where the client reaches the converter: the lab plan's addresses, or a
// placed converter's own (a remote box's).
std::pair<std::string, std::string> converter_addresses(const PairLab& lab) {
  const PairAddresses a = pair_addresses();
  const Lab* placed = lab.placed_converter();
  if (!placed) return {a.converter4, a.converter6};
  return {placed->put().v4.to_string(), placed->put().v6 ? placed->put().v6->to_string() : a.converter6};
}

packetgen::Result<std::unique_ptr<PutProcess>, std::string> start_client(const PairCellSpec& spec, const PairLab& lab) {
  const fs::path state = spec.folder / "state";
  std::error_code ignored;
  fs::create_directories(state, ignored);
  const PairAddresses a = pair_addresses();
  const auto [converter4, converter6] = converter_addresses(lab);
  const CutTarget target{converter4,          converter6,
                         spec.converter.port, spec.family == PairFamily::V4 ? a.server4 : a.server6,
                         kPairServerPort,     spec.family == PairFamily::V6,
                         state.string()};
  const NamedValues values = client_placeholders(target, spec.bin_dir);
  auto argv = expand_command(spec.client.spawn_template, values);
  if (!argv) return packetgen::failure(fmt::format("the client's template: {}", argv.error()));
  std::vector<std::string> environment;
  for (const auto& entry : spec.client.environment) {
    auto expanded = expand_word(entry, values);
    if (!expanded) return packetgen::failure(fmt::format("the client's environment: {}", expanded.error()));
    environment.push_back(expanded.value());
  }
  SpawnOptions options{.argv = argv.value(),
                       .output_dir = spec.folder,
                       .label = "client",
                       .ready_port = std::nullopt,  // a client listens on nothing: started once exec'd
                       .ready_v4 = false,
                       .ready_v6 = false,
                       .ready_timeout = std::chrono::milliseconds(0),
                       .stop_grace = 1000ms,
                       .extra_environment = std::move(environment),
                       .stdin_file = spec.folder / "request.bin"};
  // A client on a box is started by its template from here (ssh, ip netns
  // exec, ...); otherwise inside the client's namespace.
  if (const Netns* inside = lab.client()) return PutProcess::spawn(*inside, options);
  auto here = Netns::current();
  if (!here) return packetgen::failure(here.error());
  return PutProcess::spawn(*here, options);
}

// The exchange itself, once the lab, the server and the converter stand;
// `converter_state` is "running" while the converter serves.
void exchange(const PairCellSpec& spec, PairLab& lab, PairServer& server,
              const std::function<std::string()>& converter_state, steady_clock::time_point until, CellRun& run) {
  const auto client_started = steady_clock::now();
  auto client = start_client(spec, lab);
  if (client) {
    const auto left = std::chrono::duration_cast<milliseconds>(until - steady_clock::now());
    if (!client.value()->wait_for_exit(std::max(left, 0ms))) run.client_hung = client.value()->stop();
    run.client_status = client.value()->exit_status();
    run.client_time = std::chrono::duration_cast<milliseconds>(steady_clock::now() - client_started);
    run.client_stderr = client.value()->stderr_tail(2048);
    run.client_printed = read_bytes(client.value()->stdout_path());
  } else {
    run.client_status = process::ExitStatus::exited(127);
    run.client_stderr = client.error();
  }
  run.converter_state = converter_state();
  run.served = server.stop();
  lab.stop();
  run.handshake = client_handshake(lab.delivered(), spec.converter.port);
  run.middlebox = lab.middlebox_changes();
}

LabSettings placed_lab_settings(const PairCellSpec& spec) {
  LabSettings settings;
  settings.port = spec.converter.port;
  settings.time_scale = spec.time_scale;
  return settings;
}

// The link to the client's box, as `convtest run --role client --remote`
// opens it: the harness answers for the converter's addresses there.
LabResult client_box_lab(const PairCellSpec& spec) {
  RemoteSettings remote;
  remote.interface = spec.client_box->iface;
  if (auto v4 = packetgen::ip::Address::parse(spec.client_box->address4)) remote.put_v4 = *v4;
  remote.put_v6 = packetgen::ip::Address::parse(spec.client_box->address6);
  LabSettings settings = placed_lab_settings(spec);
  settings.role = LabRole::Client;
  return Lab::remote(remote, settings);
}

// The converter's and the client's labs when the harness does not make
// their namespaces; an error names which one failed.
packetgen::Result<std::pair<std::unique_ptr<Lab>, std::unique_ptr<Lab>>, std::string> placed_labs(
    const PairCellSpec& spec) {
  std::pair<std::unique_ptr<Lab>, std::unique_ptr<Lab>> labs;
  if (spec.converter.mode != PutMode::Spawn) {
    auto opened = converter_lab(spec.converter, placed_lab_settings(spec));
    if (!opened) return packetgen::failure("the converter's lab could not be opened: " + opened.error());
    labs.first = std::move(*opened);
  }
  if (spec.client_box) {
    auto opened = client_box_lab(spec);
    if (!opened) return packetgen::failure("the link to the client's box could not be opened: " + opened.error());
    labs.second = std::move(*opened);
  }
  return labs;
}

// A converter the harness did not start has no process to watch: it still
// serves when a new connection from the client's side reaches its port.
std::string placed_converter_state(const PairCellSpec& spec, const PairLab& lab) {
  const auto [converter4, converter6] = converter_addresses(lab);
  const std::string& address = spec.family == PairFamily::V6 ? converter6 : converter4;
  const auto timeout = milliseconds(static_cast<std::int64_t>(2000 * spec.time_scale));
  // From the client's namespace, or the server's when the client is on a box.
  const Netns& from = lab.client() ? *lab.client() : lab.server();
  const std::string problem = accepts_connections(from, address, spec.converter.port, timeout);
  return problem.empty() ? "running" : "it no longer accepts connections: " + problem;
}

}  // namespace

std::string pair_cell_skip_reason(const PairCellSpec& spec) {
  const PutDescription& converter = spec.converter;
  if (spec.client_box && converter.mode == PutMode::Remote && converter.iface == spec.client_box->iface)
    return fmt::format("the client's box and the converter are both on {}: a pair needs them on two links",
                       converter.iface);
  if (spec.family == PairFamily::V6 && spec.client_box && spec.client_box->address6.empty())
    return "the client's box has no IPv6 address";
  if (spec.family == PairFamily::V6) {
    if (!converter.has(Feature::Ipv6) || converter.address6.empty()) return "the converter does not declare ipv6";
    if (!spec.client.has(ClientFeature::Ipv6)) return "the client does not declare ipv6";
  }
  if (spec.transport == PairTransport::Mptcp) {
    if (!converter.has(Feature::Mptcp)) return "the converter does not declare mptcp";
    if (!spec.client.has(ClientFeature::Mptcp)) return "the client does not declare mptcp";
  }
  return {};
}

PairCellOutcome run_pair_cell(const PairCellSpec& spec) {
  const auto started = steady_clock::now();
  const auto until = started + spec.deadline;
  auto finish = [&](PairCellOutcome result) {
    result.duration = std::chrono::duration_cast<milliseconds>(steady_clock::now() - started);
    return result;
  };
  std::error_code error;
  fs::create_directories(spec.folder, error);
  CellRun run;
  run.request = random_bytes(spec.request_bytes, spec.seed);
  if (auto problem = write_bytes(spec.folder / "request.bin", run.request); !problem.empty() || error)
    return finish(outcome(Verdict::Error, problem.empty() ? error.message() : problem));

  // The wires and the server outlive the deadline a little, so a late
  // client still meets a working path and its hang is judged as one.
  const PairLabSettings settings{spec.profile.transforms, spec.transport == PairTransport::Mptcp,
                                 spec.folder / "pair.pcap", spec.deadline + 5s};
  auto placed = placed_labs(spec);
  if (!placed) return finish(outcome(Verdict::Inconclusive, placed.error()));
  auto lab = PairLab::build(settings, std::move(placed.value().first), std::move(placed.value().second));
  if (!lab) return finish(outcome(Verdict::Inconclusive, "the pair lab could not be built: " + lab.error()));
  auto server = PairServer::start(lab.value()->server(), spec.request_bytes, spec.deadline + 2s);
  if (!server) return finish(outcome(Verdict::Inconclusive, "the pair server did not start: " + server.error()));
  if (lab.value()->placed_converter()) {
    exchange(
        spec, *lab.value(), *server.value(), [&] { return placed_converter_state(spec, *lab.value()); }, until, run);
    write_server_log(spec.folder / "server.log", run.served);
    return finish(judge(spec, run));
  }
  auto converter = start_converter(spec, *lab.value());
  if (!converter) {
    write_server_log(spec.folder / "server.log", server.value()->stop());
    return finish(outcome(Verdict::Inconclusive, "the converter did not start: " + converter.error()));
  }
  exchange(
      spec, *lab.value(), *server.value(), [&] { return converter.value()->state_text(); }, until, run);
  run.converter_stderr = converter.value()->stderr_tail(2048);
  converter.value()->stop();
  write_server_log(spec.folder / "server.log", run.served);
  return finish(judge(spec, run));
}

}  // namespace convtest::harness::matrix
