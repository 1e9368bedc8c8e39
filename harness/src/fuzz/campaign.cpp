#include "harness/fuzz/campaign.hpp"

#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <set>

#include "harness/fuzz/generator.hpp"

namespace convtest::harness::fuzz {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxCorpusFiles = 10000;
constexpr std::size_t kMaxCorpusAdds = 500;  // per campaign
constexpr std::size_t kMaxKeptMismatches = 50;
// Mismatches minimized beyond --max-saved, looking for ones that reproduce alone.
constexpr std::size_t kExtraMinimizeTries = 4;
constexpr std::chrono::seconds kProgressEvery{1};

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : text) {
    hash ^= static_cast<std::uint8_t>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::vector<Input> load_corpus(const std::filesystem::path& folder, FILE* progress) {
  std::vector<Input> inputs;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    if (inputs.size() >= kMaxCorpusFiles) break;
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    const auto document = json::parse(in, nullptr, false);
    auto input = input_from_json(document);
    if (input)
      inputs.push_back(std::move(input.value()));
    else if (progress)
      fmt::print(progress, "convtest fuzz: corpus file {} skipped: {}\n", entry.path().string(), input.error());
  }
  return inputs;
}

bool write_json(const std::filesystem::path& path, const json& document) {
  std::ofstream out(path);
  out << document.dump(2) << "\n";
  return static_cast<bool>(out);
}

std::string signature(const Trial& trial) { return trial.expected.rule + " -> " + trial.judgement.observed; }

std::string replay_line(const std::filesystem::path& file, const std::vector<std::string>& put_words) {
  std::string line = "convtest replay " + shell_quote(file.string());
  for (const auto& word : put_words) line += " " + shell_quote(word);
  return line;
}

class Campaign {
 public:
  Campaign(Engine& engine, const CampaignSettings& settings, const StopFlag& stop)
      : engine_(engine), settings_(settings), stop_(stop) {}

  packetgen::Result<CampaignStats, std::string> run(Generator& generator) {
    started_ = Clock::now();
    last_progress_ = started_;
    if (auto problem = restart()) return packetgen::failure(*problem);
    stats_.restarts = 0;
    while (!spent() && !stop_.requested()) {
      probe_failed_ = false;
      const auto end =
          engine_.run([&] { return next(generator); }, [&](Trial trial) { take(std::move(trial), generator); }, stop_);
      if (end.reason == BatchEnd::Reason::PutExited) {
        crashed(end);
        if (auto problem = restart()) return packetgen::failure(*problem);
        continue;
      }
      if (end.reason == BatchEnd::Reason::Stopped) break;
      if (probe_failed_) {
        if (auto problem = probe_alone()) return packetgen::failure(*problem);
      }
    }
    stats_.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_);
    save_mismatches();
    report_progress(true);
    return stats_;
  }

 private:
  bool spent() const {
    if (settings_.budget.inputs && started_inputs_ >= *settings_.budget.inputs) return true;
    if (settings_.stop_after_mismatches > 0 && stats_.mismatches >= settings_.stop_after_mismatches) return true;
    return settings_.budget.time && Clock::now() - started_ >= *settings_.budget.time;
  }

  // The next input: a sanity probe every N inputs and after every anomaly
  // (in the stream, so that the inputs in flight need not drain), or a
  // generated one; nothing once the budget is spent or a probe failed.
  std::optional<Input> next(Generator& generator) {
    if (probe_failed_ || spent()) return std::nullopt;
    if (probe_due_ ||
        (started_inputs_ > 0 && started_inputs_ % settings_.probe_every == 0 && !probed_at_(started_inputs_))) {
      probe_due_ = false;
      last_probe_at_ = started_inputs_;
      return Generator::sanity_probe();
    }
    ++started_inputs_;
    return generator.next();
  }
  bool probed_at_(std::uint64_t count) const { return last_probe_at_ == count; }

  std::optional<std::string> restart() {
    ++stats_.restarts;
    auto started = engine_.start();
    if (!started) return "the PUT does not start: " + started.error().text;
    return std::nullopt;
  }

  void take(Trial trial, Generator& generator) {
    if (trial.input.probe) {
      ++stats_.probes;
      probe_failed_ = probe_failed_ || trial.mismatch();
      return;
    }
    ++stats_.inputs;
    ++stats_.rules[trial.expected.rule];
    ++stats_.expected[std::string(name(trial.expected.outcome))];
    ++stats_.observed[trial.judgement.observed];
    ++stats_.transports[std::string(name(trial.input.transport))];
    const std::string key = signature(trial);
    if (coverage_.insert(key).second) grow_corpus(trial.input, generator);
    if (trial.mismatch()) {
      ++stats_.mismatches;
      probe_due_ = true;  // an anomaly: is the PUT still serving?
      if (kept_.size() < kMaxKeptMismatches) kept_.push_back(std::move(trial));
    }
    report_progress(false);
  }

  void grow_corpus(const Input& input, Generator& generator) {
    generator.add_to_corpus(input);
    if (!settings_.corpus || stats_.corpus_added >= kMaxCorpusAdds) return;
    const json document = to_json(input);
    const auto path = *settings_.corpus / fmt::format("input-{:016x}.json", fnv1a(document.dump()));
    if (std::filesystem::exists(path)) return;
    if (write_json(path, document)) ++stats_.corpus_added;
  }

  void crashed(const BatchEnd& end) {
    ++stats_.crashes;
    stats_.anomalies.push_back(fmt::format("crash after {} inputs: the PUT {} with {} input(s) in flight",
                                           stats_.inputs, end.put_exit, end.in_flight.size()));
    (void)restart();
    // Which input was it? Each suspect alone, newest first, on a fresh PUT;
    // a PUT that dies whatever it is sent would otherwise cost every suspect
    // a restart.
    constexpr std::size_t kMaxSuspects = 32;
    constexpr std::chrono::seconds kMaxSuspectSearch{20};
    const auto give_up_at = Clock::now() + kMaxSuspectSearch;
    std::size_t tried = 0;
    for (auto it = end.in_flight.rbegin();
         it != end.in_flight.rend() && tried < kMaxSuspects && Clock::now() < give_up_at; ++it, ++tried) {
      Trial trial = engine_.run_alone(*it);
      if (trial.judgement.observed != "put-exited") continue;
      ++stats_.mismatches;
      kept_.insert(kept_.begin(), std::move(trial));
      (void)restart();
      return;
    }
    stats_.anomalies.push_back(fmt::format("  no input that was in flight crashes the PUT alone ({} tried)", tried));
  }

  // A probe among the inputs failed: alone, a valid Base Connect must still
  // be proxied; an unanswered one is a hang.
  std::optional<std::string> probe_alone() {
    ++stats_.probes;
    const Trial trial = engine_.run_alone(Generator::sanity_probe());
    if (!trial.mismatch()) {
      stats_.anomalies.push_back(
          fmt::format("a sanity probe among the inputs failed after {} inputs; alone it passed", stats_.inputs));
      return std::nullopt;
    }
    const bool exited = trial.judgement.observed == "put-exited";
    ++(exited ? stats_.crashes : stats_.hangs);
    stats_.anomalies.push_back(fmt::format("{} after {} inputs: the sanity probe got {} ({})",
                                           exited ? "crash" : "hang", stats_.inputs, trial.judgement.detail,
                                           *trial.judgement.problem));
    return restart();
  }

  // One mismatch of each kind; of a kind, an input that gives the mismatch
  // alone is worth more than one that needed the company of other inputs, so
  // the kind's next example is tried (a bounded number of tries in all).
  void save_mismatches() {
    if (kept_.empty()) return;
    std::error_code ignored;
    std::filesystem::create_directories(settings_.out_dir, ignored);
    const std::size_t max_tries = settings_.max_saved + kExtraMinimizeTries;
    std::set<std::string> saved_kinds;
    std::vector<std::pair<std::string, Minimized>> needed_company;
    std::size_t tries = 0;
    for (const auto& trial : kept_) {
      if (saved_kinds.size() >= settings_.max_saved || tries >= max_tries) break;
      const std::string kind = signature(trial);
      if (saved_kinds.contains(kind)) continue;
      ++tries;
      if (engine_.put_exit()) (void)restart();
      Minimized minimized = minimize(engine_, trial, settings_.max_minimize_runs);
      if (!minimized.reproduced_alone) {
        needed_company.emplace_back(kind, std::move(minimized));
        continue;
      }
      saved_kinds.insert(kind);
      save(minimized, saved_kinds.size());
    }
    for (auto& [kind, minimized] : needed_company)
      if (saved_kinds.size() < settings_.max_saved && saved_kinds.insert(kind).second)
        save(minimized, saved_kinds.size());
  }

  void save(const Minimized& minimized, std::size_t number) {
    SavedMismatch saved;
    saved.file = settings_.out_dir / fmt::format("mismatch-{}.json", number);
    saved.pcap = settings_.out_dir / fmt::format("mismatch-{}.pcap", number);
    if (engine_.put_exit()) (void)restart();
    // The pcap is that of one more run alone, the one the file records.
    Trial recorded = engine_.run_alone(minimized.trial.input, saved.pcap);
    if (!recorded.mismatch()) recorded = minimized.trial;
    saved.replay = replay_line(saved.file, settings_.put_words);
    saved.expected = recorded.expected.text();
    saved.observed = recorded.judgement.detail;
    saved.problem = recorded.judgement.problem.value_or("");
    saved.reproduced_alone = minimized.reproduced_alone;
    saved.minimize_runs = minimized.runs;
    json document = mismatch_json(recorded, saved.replay, minimized.reproduced_alone);
    document["mismatch"]["pcap"] = saved.pcap.string();
    (void)write_json(saved.file, document);
    stats_.saved.push_back(std::move(saved));
  }

  void report_progress(bool last) {
    if (settings_.progress == nullptr) return;
    const auto now = Clock::now();
    if (!last && now - last_progress_ < kProgressEvery) return;
    last_progress_ = now;
    const double seconds = std::chrono::duration<double>(now - started_).count();
    fmt::print(settings_.progress,
               "convtest fuzz: {:.0f} s, {} inputs ({:.0f}/s), {} mismatches, {} crashes, {} hangs\n", seconds,
               stats_.inputs, seconds > 0 ? static_cast<double>(stats_.inputs) / seconds : 0.0, stats_.mismatches,
               stats_.crashes, stats_.hangs);
  }

  Engine& engine_;
  const CampaignSettings& settings_;
  const StopFlag& stop_;
  CampaignStats stats_;
  Clock::time_point started_;
  Clock::time_point last_progress_;
  std::uint64_t started_inputs_ = 0;
  std::uint64_t last_probe_at_ = 0;
  bool probe_due_ = false;
  bool probe_failed_ = false;
  std::set<std::string> coverage_;
  std::vector<Trial> kept_;
};

}  // namespace

std::optional<Budget> parse_budget(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || value == 0) return std::nullopt;
  const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  if (unit.empty()) return Budget{std::nullopt, value};
  if (unit == "ms") return Budget{std::chrono::milliseconds(value), std::nullopt};
  if (unit == "s") return Budget{std::chrono::seconds(value), std::nullopt};
  if (unit == "m" || unit == "min") return Budget{std::chrono::minutes(value), std::nullopt};
  return std::nullopt;
}

double CampaignStats::rate() const {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  return seconds > 0 ? static_cast<double>(inputs) / seconds : 0.0;
}

packetgen::Result<CampaignStats, std::string> run_campaign(Engine& engine, const CampaignSettings& settings,
                                                           const StopFlag& stop) {
  std::vector<Input> corpus;
  if (settings.corpus) {
    std::error_code ignored;
    std::filesystem::create_directories(*settings.corpus, ignored);
    corpus = load_corpus(*settings.corpus, settings.progress);
  }
  const std::size_t loaded = corpus.size();
  Generator generator(settings.seed, engine.generator_settings(), std::move(corpus));
  Campaign campaign(engine, settings, stop);
  auto result = campaign.run(generator);
  if (result) result.value().corpus_loaded = loaded;
  return result;
}

nlohmann::json mismatch_json(const Trial& trial, const std::string& replay, bool reproduced_alone) {
  json document = to_json(trial.input);
  document["mismatch"] = {{"rule", trial.expected.rule},
                          {"expected", trial.expected.text()},
                          {"observed", trial.judgement.detail},
                          {"observed_class", trial.judgement.observed},
                          {"problem", trial.judgement.problem.value_or("")},
                          {"reproduced_alone", reproduced_alone},
                          {"replay", replay}};
  return document;
}

}  // namespace convtest::harness::fuzz
