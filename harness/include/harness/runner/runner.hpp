#pragma once
// Runs a selection of cases in parallel workers, each in its own sandbox,
// with a sanity probe before negative cases and after every negative or
// passing one (put_health.hpp: a PUT that exited or stopped serving fails
// the case), a per-case time budget, and a
// clean stop on request (Ctrl-C): no new case starts, running cases are told
// to stop, every sandbox is torn down, and the report says "interrupted".

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "harness/put/put_description.hpp"
#include "harness/runner/case.hpp"
#include "harness/runner/registry.hpp"
#include "harness/runner/sandbox.hpp"
#include "reports/expectations.hpp"
#include "reports/run_report.hpp"

namespace convtest::harness {

struct RunOptions {
  unsigned jobs = 1;
  std::uint64_t seed = 0;
  double time_scale = 1.0;
  bool strict = false;
  std::chrono::milliseconds case_timeout{10000};  // before scaling; a case may ask for more
  std::chrono::milliseconds probe_timeout{3000};  // before scaling
  // After this many cases in a row whose PUT did not start or failed the
  // sanity probe before the case, the run stops: the PUT is not serving, and
  // every further case would only say so again.
  std::size_t silent_cases_before_stop = 5;  // 0: never stop
  // Where pcaps and PUT logs go. Pcaps of passing cases are deleted unless
  // keep_all_pcaps.
  std::filesystem::path artifacts_dir = "out/artifacts";
  bool keep_all_pcaps = false;
  // The command line that reruns a case, minus "--case ID" (which the runner adds).
  std::vector<std::string> repro_words{"convtest", "run"};
  // The client role's client under test, and where {bin} points.
  ClientDescription client = default_convclient();
  std::filesystem::path bin_dir{};
  // Known deviations (--expect): applied to each result as it is recorded.
  std::optional<reports::Expectations> expectations{};
};

// Progress callbacks, called from worker threads one at a time.
class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  virtual void started(std::size_t total) = 0;
  virtual void case_started(const CaseSpec& spec) = 0;
  virtual void case_finished(const reports::CaseResult& result, std::size_t done, std::size_t total) = 0;
};

// Per-case seed: the run seed mixed with the case id, so a case sees the same
// randomness whatever the order or number of workers.
std::uint64_t case_seed(std::uint64_t run_seed, std::string_view case_id);

// The one-line shell command that reruns a case.
std::string repro_line(const RunOptions& options, const CaseSpec& spec);

// Turns what a case returned into a verdict under the run's profile.
reports::Verdict final_verdict(const CaseOutcome& outcome, const CaseSpec& spec, bool strict);

// Why a case is not run at all in this configuration (profile, features), or nothing.
std::optional<CaseOutcome> precondition(const CaseSpec& spec, const PutDescription& put, bool strict);

class Runner {
 public:
  Runner(const PutDescription& put, RunOptions options, SandboxFactory& sandboxes, SanityProbe probe);

  // Runs the cases; fills results (in the given order) and the provenance
  // fields the runner knows (seed, profile, time scale, jobs, start/finish,
  // interrupted). `stop` may be set from another thread at any time.
  reports::RunReport run(const std::vector<const CaseSpec*>& cases, const StopFlag& stop, ProgressSink* progress);

 private:
  // What a case showed of the PUT's health: it started and answered a valid
  // request, or it did not start or did not answer the sanity probe.
  enum class PutSign : std::uint8_t { Unknown, Answered, Silent };
  struct CaseRun {
    reports::CaseResult result;
    PutSign sign = PutSign::Unknown;
    std::string silence;                   // why the PUT counts as silent
    std::chrono::microseconds probing{0};  // spent in the sanity probes around the case
  };

  CaseRun run_one(const CaseSpec& spec, std::size_t worker, const StopFlag& run_stop);
  void collect(const CaseSpec& spec, CaseSandbox& sandbox, const StopFlag& run_stop, CaseRun& run);
  CaseRun judge(const CaseSpec& spec, CaseSandbox& sandbox, const StopFlag& run_stop);

  const PutDescription& put_;
  RunOptions options_;
  SandboxFactory& sandboxes_;
  SanityProbe probe_;
};

}  // namespace convtest::harness
