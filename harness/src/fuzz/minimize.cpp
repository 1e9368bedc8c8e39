// Delta debugging over the grammar: each candidate is one simplification of
// the current input; the first that still mismatches the same way (same
// deciding rule, same observed outcome) when run alone becomes current,
// until no simplification keeps the mismatch or the run budget is spent.
#include <functional>

#include "harness/fuzz/campaign.hpp"

namespace convtest::harness::fuzz {
namespace {

namespace cv = packetgen::convert;

using Candidates = std::vector<Input>;

// A mismatch that only shows at its deadline costs that long per run.
constexpr std::chrono::seconds kMaxMinimizeTime{60};

void halve(packetgen::Bytes& bytes) { bytes.resize(bytes.size() / 2); }

void message_candidates(const Input& input, Candidates& out) {
  const auto& message = input.message;
  for (std::size_t i = 0; i < message.tlvs.size(); ++i) {
    Input next = input;
    next.message.tlvs.erase(next.message.tlvs.begin() + static_cast<std::ptrdiff_t>(i));
    out.push_back(std::move(next));
  }
  if (!message.app_data.empty()) {
    Input none = input;
    none.message.app_data.clear();
    out.push_back(std::move(none));
    Input half = input;
    halve(half.message.app_data);
    out.push_back(std::move(half));
  }
  const auto with = [&](const std::function<void(grammar::Message&)>& change) {
    Input next = input;
    change(next.message);
    if (!(next.message == message)) out.push_back(std::move(next));
  };
  with([](grammar::Message& m) { m.total_length_words.reset(); });
  with([](grammar::Message& m) { m.version = cv::kVersion; });
  with([](grammar::Message& m) { m.magic = cv::kMagic; });
}

void tlv_candidates(const Input& input, Candidates& out) {
  for (std::size_t i = 0; i < input.message.tlvs.size(); ++i) {
    const auto with = [&](const std::function<void(grammar::Tlv&)>& change) {
      Input next = input;
      change(next.message.tlvs[i]);
      if (!(next.message.tlvs[i] == input.message.tlvs[i])) out.push_back(std::move(next));
    };
    with([](grammar::Tlv& tlv) { tlv.length_words.reset(); });
    with([](grammar::Tlv& tlv) { tlv.pad = true; });
    with([](grammar::Tlv& tlv) {
      if (!tlv.connect) halve(tlv.value);
    });
    const auto& connect = input.message.tlvs[i].connect;
    for (std::size_t b = 0; connect && b < connect->options.size(); ++b) {
      with([b](grammar::Tlv& tlv) {
        tlv.connect->options.erase(tlv.connect->options.begin() + static_cast<std::ptrdiff_t>(b));
      });
      with([b](grammar::Tlv& tlv) { tlv.connect->options[b].length.reset(); });
      with([b](grammar::Tlv& tlv) { halve(tlv.connect->options[b].value); });
    }
  }
}

void delivery_candidates(const Input& input, Candidates& out) {
  const auto with = [&](const std::function<void(Input&)>& change) {
    Input next = input;
    change(next);
    if (!(next == input)) out.push_back(std::move(next));
  };
  with([](Input& next) { next.cuts.clear(); });
  for (std::size_t c = 0; c < input.cuts.size(); ++c)
    with([c](Input& next) { next.cuts.erase(next.cuts.begin() + static_cast<std::ptrdiff_t>(c)); });
  with([](Input& next) { next.transport = ClientTransport::Tcp; });
  with([](Input& next) { next.tfo = TfoOption::None; });
  with([](Input& next) { next.client_family = Family::V4; });
  with([](Input& next) { next.server = ServerAnswer::SynAck; });
}

Candidates candidates(const Input& input) {
  Candidates out;
  message_candidates(input, out);
  delivery_candidates(input, out);
  tlv_candidates(input, out);
  return out;
}

bool same_mismatch(const Trial& a, const Trial& b) {
  return b.mismatch() && a.expected.rule == b.expected.rule && a.judgement.observed == b.judgement.observed;
}

}  // namespace

Minimized minimize(Engine& engine, const Trial& trial, std::size_t max_runs) {
  Minimized result{trial, false, 0};
  const auto restart_if_gone = [&] {
    if (engine.put_exit()) (void)engine.start();
  };
  Trial alone = engine.run_alone(trial.input);
  ++result.runs;
  restart_if_gone();
  if (!same_mismatch(trial, alone)) return result;  // kept as found: it needed the company of other inputs
  result.reproduced_alone = true;
  result.trial = std::move(alone);
  const auto give_up_at = Clock::now() + kMaxMinimizeTime;
  const auto spent = [&] { return result.runs >= max_runs || Clock::now() >= give_up_at; };
  bool shrunk = true;
  while (shrunk && !spent()) {
    shrunk = false;
    for (const Input& candidate : candidates(result.trial.input)) {
      if (spent()) break;
      Trial attempt = engine.run_alone(candidate);
      ++result.runs;
      restart_if_gone();
      if (!same_mismatch(trial, attempt)) continue;
      result.trial = std::move(attempt);
      shrunk = true;
      break;
    }
  }
  return result;
}

}  // namespace convtest::harness::fuzz
