#include "harness/fuzz/engine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <deque>

#include "harness/link/pcap_writer.hpp"
#include "slot.hpp"

namespace convtest::harness::fuzz {
namespace {

namespace cv = packetgen::convert;

constexpr std::chrono::milliseconds kTurn{1};             // the wire runs this long between bookkeeping
constexpr std::chrono::milliseconds kExitCheckEvery{50};  // how often the PUT process is looked at
constexpr std::size_t kWaiting = 32;                      // inputs drawn but waiting for a client or a session
// A turn this long means the harness itself cannot keep up (a sanitizer
// build, a loaded machine): fewer inputs in flight, or deadlines would pass
// on its account. The limit grows back by one every kGrowEvery quick turns.
constexpr std::chrono::milliseconds kSlowTurn{15};
constexpr std::size_t kGrowEvery = 20;
constexpr std::size_t kMinInFlight = 4;
constexpr std::size_t kStartInFlight = 8;  // a slow start: the limit grows while turns stay quick

CaseSpec fuzz_spec() {
  CaseSpec spec;
  spec.id = "fuzz";
  return spec;
}

std::chrono::milliseconds scaled(std::chrono::milliseconds base, double scale) {
  return std::chrono::milliseconds(static_cast<long long>(static_cast<double>(base.count()) * scale));
}

// Info alone: the PUT's answer names the option kinds it converts.
Input info_request() {
  Input input;
  input.message.tlvs.push_back(grammar::info_tlv());
  return input;
}

}  // namespace

Engine::Engine(PutDescription put, SandboxFactory& sandboxes, EngineSettings settings)
    : put_(std::move(put)),
      sandboxes_(sandboxes),
      settings_(settings),
      in_flight_limit_(std::min(settings.in_flight, kStartInFlight)) {
  policy_.answers_info = put_.has(Feature::Info);
  // Clients named in cookie_clients are left out of the pool; an empty list
  // with the feature means every client needs a cookie.
  policy_.cookie_required = put_.has(Feature::Cookie) && put_.cookie_clients.empty();
  clients_ = std::make_unique<ClientPool>(put_, settings_.client_spacing);
}

Engine::~Engine() = default;

packetgen::Result<Done, SandboxError> Engine::start() {
  target_.reset();
  SandboxRequest request;
  request.seed = settings_.seed;
  request.work_dir = settings_.work_dir;
  auto sandbox = sandboxes_.create(fuzz_spec(), request);
  if (!sandbox) return packetgen::failure(sandbox.error());
  target_ = std::make_unique<Target>(std::move(sandbox.value()), put_.port);
  if (!learned_) learn_supported_kinds();
  return Done{};
}

void Engine::learn_supported_kinds() {
  learned_ = true;
  if (!put_.has(Feature::Info)) return;
  const Trial trial = run_alone(info_request());
  const auto decoded = cv::decode(trial.observation.stream, {.direction = cv::Direction::ConverterToClient,
                                                             .check_zero_fields = false,
                                                             .accept_any_version = false,
                                                             .stream_complete = true});
  const auto* message = std::get_if<cv::Decoded>(&decoded);
  const auto* supported = message ? message->message.find<cv::SupportedTcpExtensionsTlv>() : nullptr;
  if (supported) policy_.supported_kinds = std::set<std::uint8_t>(supported->kinds.begin(), supported->kinds.end());
}

std::optional<std::string> Engine::put_exit() {
  if (!target_) return std::string("not started");
  return target_->sandbox().put_exit();
}

GeneratorSettings Engine::generator_settings() const {
  return {put_.has(Feature::Mptcp), put_.has(Feature::Ipv6) && !put_.address6.empty()};
}

Expectation Engine::expectation_for(const Input& input) const { return expect(input, policy_); }

BatchEnd Engine::run(const std::function<std::optional<Input>()>& next, const std::function<void(Trial)>& on_done,
                     const StopFlag& stop) {
  std::vector<std::unique_ptr<Slot>> slots;
  std::deque<Input> waiting;
  bool exhausted = false;
  std::size_t connecting = 0;
  auto last_exit_check = Clock::now();
  const bool lab_has_ipv6 = target_->lab().put().v6.has_value();

  std::size_t quick_turns = 0;
  auto last_turn = Clock::now();
  const auto adapt = [&](Clock::time_point now) {
    if (now - last_turn > kSlowTurn) {
      in_flight_limit_ = std::max(kMinInFlight, in_flight_limit_ * 3 / 4);
      quick_turns = 0;
    } else if (++quick_turns % kGrowEvery == 0 && in_flight_limit_ < settings_.in_flight) {
      ++in_flight_limit_;
    }
    last_turn = now;
  };
  const auto try_start = [&](Clock::time_point now) {
    for (auto it = waiting.begin(); it != waiting.end() && slots.size() < in_flight_limit_;) {
      const Destination destination = destination_for(serial_);
      const Input placed = place(*it, destination, lab_has_ipv6);
      const auto& tlvs = placed.message.tlvs;
      const auto first =
          std::find_if(tlvs.begin(), tlvs.end(), [](const auto& tlv) { return tlv.connect.has_value(); });
      const bool v6 = first != tlvs.end() && !cv::is_ipv4_mapped(first->connect->address);
      Expectation expected = expect(placed, policy_, Served{v6 ? destination.v6 : destination.v4, destination.port});
      const bool connects = expected.outcome == Outcome::Proxy || !expected.refused_up_front || expected.proxy_accepted;
      auto client = connects && connecting >= settings_.connecting_in_flight
                        ? std::nullopt
                        : clients_->lease(placed.client_family, now);
      if (!client) {
        ++it;
        continue;
      }
      const auto window = expected.outcome == Outcome::Ignore ? settings_.ignore_window
                          : expected.slow                     ? 2 * settings_.deadline
                                                              : settings_.deadline;
      const SlotTiming timing{now, now + scaled(window, settings_.time_scale)};
      slots.push_back(std::make_unique<Slot>(*target_, placed, std::move(expected), *client, serial_++, timing));
      if (connects) ++connecting;
      it = waiting.erase(it);
    }
  };

  while (true) {
    const auto now = Clock::now();
    adapt(now);
    while (!stop.requested() && !exhausted && waiting.size() < kWaiting) {
      auto input = next();
      if (!input) {
        exhausted = true;
        break;
      }
      waiting.push_back(std::move(*input));
    }
    if (!stop.requested()) try_start(now);
    if (slots.empty() && (stop.requested() || (exhausted && waiting.empty())))
      return {stop.requested() ? BatchEnd::Reason::Stopped : BatchEnd::Reason::Exhausted, {}, {}};
    target_->wire().run_until(now + kTurn);
    const auto after = Clock::now();
    for (auto it = slots.begin(); it != slots.end();) {
      if (!(*it)->done(after)) {
        ++it;
        continue;
      }
      on_done((*it)->finish(after));
      if ((*it)->may_connect()) --connecting;
      clients_->release((*it)->client_index(), after);
      it = slots.erase(it);
    }
    if (after - last_exit_check >= kExitCheckEvery) {
      last_exit_check = after;
      if (auto gone = put_exit()) {
        BatchEnd end{BatchEnd::Reason::PutExited, *gone, {}};
        for (const auto& slot : slots) end.in_flight.push_back(slot->input());
        return end;
      }
    }
  }
}

Trial Engine::run_alone(const Input& input, const std::optional<std::filesystem::path>& pcap) {
  std::unique_ptr<PcapWriter> writer;
  if (pcap) {
    auto opened = PcapWriter::open(pcap->string(), CaptureLinkType::RawIp);
    if (opened) writer = std::move(opened.value());
  }
  if (writer) target_->lab().link().record_to(writer.get());
  bool given = false;
  std::optional<Trial> result;
  const StopFlag never;
  const auto end =
      run([&]() -> std::optional<Input> { return std::exchange(given, true) ? std::nullopt : std::optional(input); },
          [&](Trial trial) { result = std::move(trial); }, never);
  if (writer) {
    target_->lab().link().record_to(nullptr);
    (void)writer->close();
  }
  const auto gone = end.reason == BatchEnd::Reason::PutExited ? std::optional(end.put_exit) : put_exit();
  if (result && !gone) return std::move(*result);
  Trial trial{input, expectation_for(input), {}, {}};
  trial.judgement.observed = "put-exited";
  trial.judgement.detail = "the PUT " + gone.value_or("stopped");
  trial.judgement.problem = fmt::format("the PUT {} while it handled the input", gone.value_or("stopped"));
  return trial;
}

}  // namespace convtest::harness::fuzz
