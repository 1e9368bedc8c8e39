#include "harness/runner/runner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <exception>
#include <mutex>
#include <set>
#include <thread>

#include "harness/lab/phase_timer.hpp"
#include "harness/runner/put_health.hpp"
#include "reports/json_report.hpp"

namespace convtest::harness {
namespace {

using reports::CaseResult;
using reports::Verdict;

// Cases are cooperative: they stop waiting at their deadline. One that
// returns much later than that has a bug of its own.
constexpr auto kOverrunGrace = std::chrono::seconds(2);

CaseResult result_skeleton(const CaseSpec& spec, const RunOptions& options) {
  CaseResult result;
  result.id = spec.id;
  result.case_id = spec.case_id();
  for (const auto& [dimension, value] : spec.instance.values()) result.instance.emplace_back(dimension, value);
  result.expansion = std::string(name(spec.expansion));
  result.requirements = spec.requirements;
  result.section = spec.section;
  result.level = spec.level;
  result.case_class = spec.case_class;
  result.tags = spec.tags;
  result.repro = repro_line(options, spec);
  return result;
}

void take_outcome(CaseResult& result, const CaseOutcome& outcome, const CaseSpec& spec, bool strict) {
  result.verdict = final_verdict(outcome, spec, strict);
  result.expected = spec.expectation;
  result.observed = outcome.observed;
}

std::string safe_file_name(std::string_view id) {
  std::string name;
  for (char c : id) name += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.') ? c : '_';
  return name;
}

bool passed(Verdict verdict) {
  return verdict == Verdict::Pass || verdict == Verdict::Skip || verdict == Verdict::Unsupported;
}

// Runs a function of the case or the probe, turning exceptions into text.
template <class Function>
auto guarded(Function&& function, std::string& crash) -> decltype(function()) {
  try {
    return function();
  } catch (const std::exception& exception) {
    crash = exception.what();
  } catch (...) {
    crash = "unknown exception";
  }
  return {};
}

// Whether the sanity probe must follow a case: every negative case that
// reached a verdict, and every case that passed or warned, since a case that
// accepts silence, a reset or a partial answer passes against a dead PUT too.
bool probe_after(const CaseSpec& spec, Verdict verdict) {
  if (spec.role != Role::Converter) return false;
  if (spec.negative) return verdict != Verdict::Error && verdict != Verdict::Skip && verdict != Verdict::Unsupported;
  return verdict == Verdict::Pass || verdict == Verdict::Warn;
}

// What became of the PUT: gone (then no probe is worth sending), or not
// answering the probe; the exit is looked at again after the probe, which
// may have been the request that killed it.
template <class Probe>
PutHealth health_after(const CaseSpec& spec, Verdict verdict, CaseSandbox& sandbox, Probe& probe) {
  PutHealth health;
  health.exit = sandbox.put_exit();
  if (health.exit || !probe_after(spec, verdict)) return health;
  health.probe_failure = probe("after");
  if (health.probe_failure) health.exit = sandbox.put_exit();
  return health;
}

}  // namespace

std::uint64_t case_seed(std::uint64_t run_seed, std::string_view case_id) {
  std::uint64_t hash = 1469598103934665603ULL;  // FNV-1a
  for (char c : case_id) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  std::uint64_t mixed = run_seed ^ hash;  // splitmix64 finaliser
  mixed = (mixed ^ (mixed >> 30)) * 0xbf58476d1ce4e5b9ULL;
  mixed = (mixed ^ (mixed >> 27)) * 0x94d049bb133111ebULL;
  return mixed ^ (mixed >> 31);
}

std::string repro_line(const RunOptions& options, const CaseSpec& spec) {
  std::vector<std::string> words;
  for (const auto& word : options.repro_words) words.push_back(shell_quote(word));
  words.push_back("--case");
  words.push_back(shell_quote(spec.id));
  std::string line;
  for (const auto& word : words) line += (line.empty() ? "" : " ") + word;
  for (char& c : line)
    if (c == '\n') c = ' ';
  return line;
}

Verdict final_verdict(const CaseOutcome& outcome, const CaseSpec& spec, bool strict) {
  if (outcome.by_level) return reports::verdict_for_violation(spec.level, strict);
  if (outcome.verdict == Verdict::Warn && strict) return Verdict::Fail;
  return outcome.verdict;
}

std::optional<CaseOutcome> precondition(const CaseSpec& spec, const PutDescription& put, const RunOptions& options) {
  const bool strict = options.strict;
  if (spec.profile == ProfileScope::StrictOnly && !strict)
    return CaseOutcome::skip("judges the strict position only; run with --strict");
  if (spec.profile == ProfileScope::DefaultOnly && strict)
    return CaseOutcome::skip("judges the default (lenient) position only; not run with --strict");
  std::vector<std::string> missing;
  for (Feature feature : spec.needs)
    if (!put.has(feature)) missing.emplace_back(name(feature));
  if (!missing.empty())
    return CaseOutcome::unsupported(
        fmt::format("the PUT does not declare feature {} (--features)", fmt::join(missing, ", ")));
  for (ClientFeature feature : spec.client_needs)
    if (!options.client.has(feature)) missing.emplace_back(name(feature));
  if (!missing.empty())
    return CaseOutcome::unsupported(
        fmt::format("the client does not declare feature {} (--client-features)", fmt::join(missing, ", ")));
  return std::nullopt;
}

Runner::Runner(const PutDescription& put, RunOptions options, SandboxFactory& sandboxes, SanityProbe probe)
    : put_(put), options_(std::move(options)), sandboxes_(sandboxes), probe_(std::move(probe)) {
  options_.jobs = std::max(1U, options_.jobs);
}

reports::RunReport Runner::run(const std::vector<const CaseSpec*>& cases, const StopFlag& stop,
                               ProgressSink* progress) {
  reports::RunReport report;
  auto& provenance = report.provenance;
  provenance.seed = options_.seed;
  provenance.profile = options_.strict ? "strict" : "default";
  provenance.time_scale = options_.time_scale;
  provenance.jobs = options_.jobs;
  provenance.started = std::chrono::system_clock::now();
  report.results.resize(cases.size());
  if (progress != nullptr) progress->started(cases.size());

  report.environment_problems = sandboxes_.preflight();
  if (!report.environment_problems.empty()) {
    for (std::size_t i = 0; i < cases.size(); ++i) {
      report.results[i] = result_skeleton(*cases[i], options_);
      report.results[i].verdict = Verdict::Inconclusive;
      report.results[i].expected = cases[i]->expectation;
      report.results[i].observed = std::string(reports::kNotRunPrefix) + report.environment_problems.front();
    }
    provenance.finished = std::chrono::system_clock::now();
    return report;
  }

  std::atomic<std::size_t> next{0};
  std::size_t done = 0;
  std::mutex progress_mutex;
  std::set<std::string> environment_problems;
  std::size_t silent_in_a_row = 0;
  std::optional<std::string> put_gone;  // set once: the run stops scheduling cases
  auto not_run = [&](const CaseSpec& spec, Verdict verdict, const std::string& why) {
    CaseResult result = result_skeleton(spec, options_);
    result.verdict = verdict;
    result.expected = spec.expectation;
    result.observed = std::string(reports::kNotRunPrefix) + why;
    return result;
  };
  auto worker = [&](std::size_t worker_index) {
    for (std::size_t i = next++; i < cases.size(); i = next++) {
      const CaseSpec& spec = *cases[i];
      CaseRun run;
      std::optional<std::string> gone;
      {
        std::lock_guard lock(progress_mutex);
        gone = put_gone;
        if (!gone && !stop.requested() && progress != nullptr) progress->case_started(spec);
      }
      if (stop.requested())
        run.result = not_run(spec, Verdict::Skip, "the run was interrupted");
      else if (gone)
        run.result = not_run(spec, Verdict::Inconclusive, *gone);
      else
        run = run_one(spec, worker_index, stop);
      if (options_.expectations) reports::apply_expectation(*options_.expectations, run.result);
      std::lock_guard lock(progress_mutex);
      CaseResult& result = run.result;
      if (result.verdict == Verdict::Inconclusive && result.observed.rfind("environment: ", 0) == 0)
        environment_problems.insert(result.observed.substr(13));
      silent_in_a_row = run.sign == PutSign::Silent     ? silent_in_a_row + 1
                        : run.sign == PutSign::Answered ? 0
                                                        : silent_in_a_row;
      if (!put_gone && options_.silent_cases_before_stop > 0 && silent_in_a_row >= options_.silent_cases_before_stop) {
        put_gone = fmt::format("{} ({} cases in a row; the last: {})", run.silence, silent_in_a_row, result.observed);
        environment_problems.insert(*put_gone);
      }
      report.results[i] = std::move(result);
      ++done;
      if (progress != nullptr) progress->case_finished(report.results[i], done, cases.size());
    }
  };
  const std::size_t thread_count = std::min<std::size_t>(options_.jobs, std::max<std::size_t>(cases.size(), 1));
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < thread_count; ++t) threads.emplace_back(worker, t);
  for (auto& thread : threads) thread.join();

  sandboxes_.finished(options_.artifacts_dir);
  for (auto& leftover : sandboxes_.leftovers()) environment_problems.insert(std::move(leftover));
  report.environment_problems.assign(environment_problems.begin(), environment_problems.end());
  provenance.interrupted = stop.requested();
  provenance.finished = std::chrono::system_clock::now();
  return report;
}

Runner::CaseRun Runner::run_one(const CaseSpec& spec, std::size_t worker, const StopFlag& run_stop) {
  const auto started = Clock::now();
  CaseRun run;
  CaseResult& result = run.result;
  result = result_skeleton(spec, options_);
  result.expected = spec.expectation;
  if (auto reason = precondition(spec, put_, options_)) {
    take_outcome(result, *reason, spec, options_.strict);
    return run;
  }
  SandboxRequest request;
  request.worker = worker;
  request.seed = case_seed(options_.seed, spec.id);
  request.pcap = options_.artifacts_dir / (safe_file_name(spec.id) + ".pcap");
  request.work_dir = options_.artifacts_dir;
  PhaseTimes phases;
  {
    auto sandbox = sandboxes_.create(spec, request);
    if (!sandbox) {
      const SandboxError& error = sandbox.error();
      result.verdict = error.environment ? Verdict::Inconclusive : Verdict::Error;
      result.observed = (error.environment ? "environment: " : "harness: could not set up the lab: ") + error.text;
      if (error.put_did_not_start) {
        run.sign = PutSign::Silent;
        run.silence = "the PUT does not start";
      }
    } else {
      phases = (*sandbox)->setup_phases();
      const auto case_started = Clock::now();
      collect(spec, **sandbox, run_stop, run);
      const auto spent = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - case_started);
      phases.emplace_back("case", spent - run.probing);
      if (run.probing.count() > 0) phases.emplace_back("probe", run.probing);
    }
    PhaseTimer timer;
    if (sandbox) {
      sandbox.value()->stop_put();
      timer.mark("put_stop");
      sandbox.value().reset();  // the lab is torn down here, before its files are touched
    }
    timer.mark("teardown");
    phases.insert(phases.end(), timer.phases().begin(), timer.phases().end());
  }
  result.phases = std::move(phases);
  if (result.pcap && passed(result.verdict) && !options_.keep_all_pcaps) {
    std::error_code ignored;
    std::filesystem::remove(*result.pcap, ignored);
    result.pcap.reset();
  }
  result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  return run;
}

void Runner::collect(const CaseSpec& spec, CaseSandbox& sandbox, const StopFlag& run_stop, CaseRun& run) {
  CaseRun judged = judge(spec, sandbox, run_stop);
  judged.result.repro = run.result.repro;
  run = std::move(judged);
  CaseResult& result = run.result;
  if (!passed(result.verdict)) {
    const std::string output = sandbox.put_output();
    if (!output.empty()) {
      const auto path = options_.artifacts_dir / (safe_file_name(spec.id) + ".put.log");
      if (reports::write_file_atomically(path, output).empty()) result.put_output = path.string();
    }
  }
  if (auto pcap = sandbox.pcap()) result.pcap = pcap->string();
}

Runner::CaseRun Runner::judge(const CaseSpec& spec, CaseSandbox& sandbox, const StopFlag& run_stop) {
  CaseRun run;
  CaseResult& result = run.result;
  result = result_skeleton(spec, options_);
  CaseLog log;
  const std::uint64_t seed = case_seed(options_.seed, spec.id);
  const auto budget = spec.timeout.count() > 0 ? spec.timeout : options_.case_timeout;
  auto make_context = [&](std::chrono::milliseconds base_budget, std::uint64_t context_seed) {
    CaseContext context{
        spec,     put_, sandbox.lab(), options_.strict, context_seed, options_.time_scale, Clock::time_point{},
        run_stop, log};
    context.deadline = Clock::now() + context.scaled(base_budget);
    context.client = &options_.client;
    context.bin_dir = options_.bin_dir;
    context.work_dir = options_.artifacts_dir;
    return context;
  };
  const bool probing = spec.negative && probe_ && spec.role == Role::Converter;
  auto probe = [&](const char* when) -> std::optional<std::string> {
    if (!probe_) return std::nullopt;
    // Its own seed: the probe must not reuse the case's ports and ISNs.
    CaseContext context = make_context(options_.probe_timeout, case_seed(seed, when));
    std::string crash;
    const auto probe_started = Clock::now();
    ProbeResult outcome = guarded([&] { return probe_(context); }, crash);
    run.probing += std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - probe_started);
    if (!crash.empty()) return fmt::format("sanity probe {} the case threw: {}", when, crash);
    if (!outcome.ok) return fmt::format("sanity probe {} the case failed: {}", when, outcome.detail);
    const auto took = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - probe_started);
    log(fmt::format("sanity probe {} the case: ok ({} us)", when, took.count()));
    return std::nullopt;
  };

  if (probing) {
    if (auto failure = probe("before")) {
      result.verdict = Verdict::Inconclusive;
      result.expected = spec.expectation;
      result.observed = *failure + "; no verdict on this case";
      if (auto exit = sandbox.put_exit()) result.observed += fmt::format(" (the PUT {})", *exit);
      result.log = log.lines();
      run.sign = PutSign::Silent;
      run.silence = "the PUT does not answer valid Convert requests";
      return run;
    }
    run.sign = PutSign::Answered;
  }

  CaseContext context = make_context(budget, seed);
  std::string crash;
  CaseOutcome outcome = guarded([&] { return spec.run(context); }, crash);
  if (!crash.empty()) outcome = CaseOutcome::error("the case threw: " + crash);
  take_outcome(result, outcome, spec, options_.strict);
  if (Clock::now() > context.deadline + kOverrunGrace && !run_stop.requested()) {
    result.verdict = Verdict::Error;
    result.observed = fmt::format("the case overran its time budget of {} ms (x{}): {}", budget.count(),
                                  options_.time_scale, result.observed);
  }
  if (run_stop.requested() && result.verdict != Verdict::Pass) {
    result.verdict = Verdict::Skip;
    result.observed = "interrupted while running: " + result.observed;
  }

  // A case that passed saw the PUT answer (the early stop counts only PUTs
  // that answer nothing), even when the probe after it then fails.
  if (result.verdict == Verdict::Pass) run.sign = PutSign::Answered;
  // Interrupted: no probe, but a PUT that exited still leaves no PASS behind.
  const PutHealth health = run_stop.requested() ? PutHealth{sandbox.put_exit(), std::nullopt}
                                                : health_after(spec, result.verdict, sandbox, probe);
  apply_put_health(result, health);
  result.log = log.lines();
  return run;
}

}  // namespace convtest::harness
