#include "kit/cut_scenario.hpp"

#include <fmt/format.h>

#include <fstream>

#include "harness/lab/addressing.hpp"
#include "harness/lab/lab.hpp"
#include "harness/put/client_description.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::cases {
namespace {

using namespace std::chrono_literals;
namespace addressing = harness::addressing;

constexpr std::size_t kOutputTail = 512;
constexpr auto kLastPackets = 50ms;
constexpr auto kProcessPoll = 10ms;

harness::WireOptions cut_wire_options(std::uint16_t port) {
  harness::WireOptions options;
  options.converter_ports = {port};
  return options;
}

std::string file_label(std::string_view id) {
  std::string label;
  for (char c : id) label += (std::isalnum(static_cast<unsigned char>(c)) || c == '-') ? c : '_';
  return label;
}

// One line of printable ASCII: a newline as '|', other bytes as \xNN.
std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\n')
      out += '|';
    else if (byte >= 0x20 && byte < 0x7f)
      out += c;
    else
      out += fmt::format("\\x{:02x}", byte);
  }
  return out;
}

}  // namespace

std::string cut_destination_text() { return server_endpoint_text(Family::V4); }

Family CutScenario::converter_family() const {
  const auto& family = context_.spec.instance.family;
  return family ? harness::client_family(*family) : Family::V4;
}

pg::ip::Address CutScenario::converter_address() const {
  const harness::PutTarget& put = context_.the_lab().put();
  return converter_family() == Family::V6 && put.v6 ? *put.v6 : put.v4;
}

Family CutScenario::destination_family() const {
  const auto& family = context_.spec.instance.family;
  return family ? harness::destination_family(*family) : Family::V4;
}

pg::Bytes success_reply() { return must_encode(cv::Message{{cv::ExtendedTcpHeaderTlv{pg::tcp::mss(1460)}}}); }

ConverterScript answering(pg::Bytes reply, std::string_view server_bytes) {
  ConverterScript script;
  script.to_client = std::move(reply);
  script.to_client.insert(script.to_client.end(), server_bytes.begin(), server_bytes.end());
  script.in_synack = script.to_client.size();
  return script;
}

CutScenario::CutScenario(CaseContext& context)
    : context_(context),
      timing_{context.time_scale, context.deadline},
      wire_(context.the_lab().link(), cut_wire_options(context.the_lab().put().port)) {}

CutScenario::~CutScenario() {
  if (cut_) {
    cut_->stop();
    cut_->discard_output();
  }
  std::error_code ignored;
  if (!state_dir_.empty()) std::filesystem::remove_all(state_dir_, ignored);
}

void CutScenario::converter(std::vector<ConverterScript> scripts) {
  converter_ =
      std::make_unique<harness::emulate::ConverterEmulator>(wire_, context_.the_lab().put().port, std::move(scripts));
}

std::optional<CaseOutcome> CutScenario::launch(std::string_view input, std::optional<std::string> destination) {
  if (!converter_) converter({answering(success_reply())});
  if (context_.client == nullptr) return CaseOutcome::error("a client-role case ran without a client description");
  const harness::Lab& lab = context_.the_lab();
  if (cut_ && cut_->running()) return CaseOutcome::error("the case launched the client again while it still ran");
  std::error_code ignored;
  if (state_dir_.empty()) {
    state_dir_ = context_.work_dir / "client-state" / file_label(context_.spec.id);
    std::filesystem::remove_all(state_dir_, ignored);
    std::filesystem::create_directories(state_dir_, ignored);
  }
  const harness::CutTarget target{
      lab.put().v4.to_string(), lab.put().v6 ? lab.put().v6->to_string() : "",
      lab.put().port,           destination.value_or(server_address(destination_family()).to_string()),
      kCutDestinationPort,      converter_family() == Family::V6,
      state_dir_.string()};
  const auto values = harness::client_placeholders(target, context_.bin_dir);
  auto argv = harness::expand_command(context_.client->spawn_template, values);
  if (!argv) return CaseOutcome::error("the client template: " + argv.error());

  harness::SpawnOptions options;
  options.argv = std::move(*argv);
  options.output_dir = context_.work_dir / "client-output";
  options.label = file_label(context_.spec.id) + (launches_ == 0 ? "" : fmt::format("-{}", launches_ + 1));
  for (const auto& entry : context_.client->environment) {
    auto expanded = harness::expand_word(entry, values);
    if (!expanded) return CaseOutcome::error("--client-env " + entry + ": " + expanded.error());
    options.extra_environment.push_back(std::move(*expanded));
  }
  std::filesystem::create_directories(options.output_dir, ignored);
  const auto input_path = options.output_dir / (options.label + ".stdin");
  std::ofstream(input_path, std::ios::binary).write(input.data(), static_cast<std::streamsize>(input.size()));
  options.stdin_file = input_path;
  options.stop_grace = std::chrono::duration_cast<std::chrono::milliseconds>(context_.scaled(500ms));
  log(fmt::format("client: {} (stdin: {} bytes)", harness::quote_command(options.argv), input.size()));
  // Behind --remote the template itself reaches the client's box (ssh, ...).
  auto spawned = lab.netns() != nullptr ? harness::PutProcess::spawn(*lab.netns(), options)
                                        : harness::PutProcess::spawn_here(options);
  std::filesystem::remove(input_path, ignored);
  if (!spawned) return CaseOutcome::inconclusive("the client could not be started: " + spawned.error());
  if (cut_) cut_->discard_output();
  cut_ = std::move(spawned.value());
  exit_seen_ = false;
  ++launches_;
  syns_at_launch_ = converter_->syns().size();
  return std::nullopt;
}

harness::expect::Outcome CutScenario::await(std::string what, const std::function<bool()>& condition,
                                            Clock::duration timeout) {
  return harness::expect::wait_until(
      wire_, timing_, std::move(what), condition, [this] { return recent(); }, timeout);
}

bool CutScenario::turn_until(Clock::duration timeout, const std::function<bool()>& condition) {
  // The process is no endpoint of the wire: look at it between short turns.
  const auto deadline = timing_.deadline_in(timeout);
  for (;;) {
    if (condition()) return true;
    const auto now = Clock::now();
    if (now >= deadline) return false;
    wire_.run_until(std::min(deadline, now + kProcessPoll), condition);
  }
}

bool CutScenario::await_exit(Clock::duration timeout) {
  if (!cut_) return true;
  if (turn_until(timeout, [this] { return !cut_->running(); })) {
    if (!exit_seen_) {
      exit_seen_ = true;
      // Its last segments (an RST, a FIN) may still be on the link.
      wire_.run_until(timing_.deadline_in(kLastPackets));
      log("client " + describe_cut());
    }
    return true;
  }
  log(fmt::format("client still running after {} ms: stopped ({})",
                  std::chrono::duration_cast<std::chrono::milliseconds>(timing_.scaled(timeout)).count(),
                  cut_->stop()));
  return false;
}

bool CutScenario::await_syn(Clock::duration timeout) {
  return turn_until(timeout, [this] { return !converter_->syns().empty() || (cut_ && !cut_->running()); });
}

std::size_t CutScenario::syns_since_launch() const {
  return converter_ ? converter_->syns().size() - syns_at_launch_ : 0;
}

std::optional<pg::Bytes> CutScenario::first_syn_payload() const {
  if (!converter_ || converter_->syns().empty()) return std::nullopt;
  return converter_->syns().front().segment.segment.payload;
}

std::optional<harness::process::ExitStatus> CutScenario::exit_status() {
  return cut_ ? cut_->exit_status() : std::nullopt;
}

std::string CutScenario::cut_stdout() const {
  if (!cut_) return {};
  std::ifstream in(cut_->stdout_path(), std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string CutScenario::describe_cut() {
  if (!cut_) return "not started";
  std::string text = cut_->state_text();
  const std::string out = cut_stdout();
  text += out.empty() ? "; stdout empty" : fmt::format("; stdout '{}'", printable(out.substr(0, kOutputTail)));
  const std::string err = cut_->stderr_tail(kOutputTail);
  if (!err.empty()) text += fmt::format("; stderr '{}'", printable(err));
  return text;
}

bool CutScenario::reset_by_cut(std::size_t index) const {
  return index < converter_->connection_count() && converter_->connection(index).reset_received();
}

bool CutScenario::fin_by_cut(std::size_t index) const {
  return index < converter_->connection_count() && converter_->connection(index).fin_received();
}

std::string CutScenario::recent(std::size_t limit) const { return harness::expect::recent_packets(wire_, 0, limit); }

}  // namespace convtest::cases
