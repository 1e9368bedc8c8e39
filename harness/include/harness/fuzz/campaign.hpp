#pragma once
// A fuzzing campaign: inputs from the generator through the engine until
// the budget is spent, a sanity probe every N inputs and after every
// anomaly, crashes (the PUT exited) and hangs (the probe went unanswered)
// told apart and the PUT restarted, the corpus grown with inputs that
// reach a new (decoder rule, outcome) pair, and each mismatch minimized
// and saved with a pcap and a replay command.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/fuzz/engine.hpp"

namespace convtest::harness::fuzz {

struct Budget {
  std::optional<std::chrono::milliseconds> time;
  std::optional<std::uint64_t> inputs;
};
// "60s", "2m", "500ms" (time) or "5000" (inputs); nothing for other text.
std::optional<Budget> parse_budget(std::string_view text);

struct CampaignSettings {
  std::uint64_t seed = 0;
  Budget budget{std::chrono::milliseconds(60000), std::nullopt};
  std::uint64_t probe_every = 1000;
  std::optional<std::filesystem::path> corpus;
  std::filesystem::path out_dir = "out/fuzz";  // mismatch files and pcaps
  std::vector<std::string> put_words;          // flags recreating the PUT, for replay lines
  std::size_t max_saved = 5;                   // mismatches minimized and saved (distinct kinds first)
  std::uint64_t stop_after_mismatches = 0;     // 0: the whole budget
  std::size_t max_minimize_runs = 200;
  FILE* progress = nullptr;  // one line a second; nullptr: quiet
};

struct SavedMismatch {
  std::filesystem::path file;
  std::filesystem::path pcap;
  std::string expected;
  std::string observed;
  std::string problem;
  std::string replay;
  bool reproduced_alone = false;
  std::size_t minimize_runs = 0;
};

struct CampaignStats {
  std::uint64_t inputs = 0;
  std::uint64_t mismatches = 0;
  std::uint64_t crashes = 0;
  std::uint64_t hangs = 0;
  std::uint64_t probes = 0;
  std::uint64_t restarts = 0;
  std::uint64_t corpus_loaded = 0;
  std::uint64_t corpus_added = 0;
  std::chrono::milliseconds elapsed{0};
  std::map<std::string, std::uint64_t> rules;     // decoder rule or policy that decided, per input
  std::map<std::string, std::uint64_t> expected;  // expected outcome per input
  std::map<std::string, std::uint64_t> observed;  // observed outcome class per input
  std::map<std::string, std::uint64_t> transports;
  std::vector<std::string> anomalies;  // one line each: crashes, hangs, probes that failed
  std::vector<SavedMismatch> saved;
  double rate() const;  // inputs per second
};

// Runs the campaign; an environment problem (the PUT does not start) is the error.
packetgen::Result<CampaignStats, std::string> run_campaign(Engine& engine, const CampaignSettings& settings,
                                                           const StopFlag& stop);

// Minimizes a mismatching trial (delta debugging over the grammar: drop
// TLVs, shrink values and lengths, merge segments, simpler delivery) while
// it keeps mismatching the same way when run alone.
struct Minimized {
  Trial trial;
  bool reproduced_alone = false;
  std::size_t runs = 0;
};
Minimized minimize(Engine& engine, const Trial& trial, std::size_t max_runs);

// The saved form of a mismatch: the input file (reports/schema/fuzz-input-v1.schema.json).
nlohmann::json mismatch_json(const Trial& trial, const std::string& replay, bool reproduced_alone);

}  // namespace convtest::harness::fuzz
