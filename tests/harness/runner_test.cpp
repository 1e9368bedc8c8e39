// The runner's scheduling and verdict logic, with sandboxes that hold no lab
// (the lab-backed path is covered end to end by tests/integration).

#include "harness/runner/runner.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "harness/runner/put_health.hpp"
#include "reports/run_report.hpp"

namespace convtest::harness {
namespace {

using reports::Verdict;

struct Counters {
  std::atomic<int> created{0};
  std::atomic<int> destroyed{0};
  std::atomic<int> running{0};
  std::atomic<int> max_running{0};
};

class BareSandbox final : public CaseSandbox {
 public:
  BareSandbox(Counters& counters, std::optional<std::filesystem::path> pcap, std::optional<std::string> exit)
      : counters_(counters), pcap_(std::move(pcap)), exit_(std::move(exit)) {
    ++counters_.created;
    if (pcap_) {
      std::filesystem::create_directories(pcap_->parent_path());
      std::ofstream(*pcap_) << "capture";
    }
  }
  ~BareSandbox() override { ++counters_.destroyed; }
  Lab* lab() override { return nullptr; }
  std::string put_output() override { return "put says hello\n"; }
  std::optional<std::string> put_exit() override { return exit_; }
  std::optional<std::filesystem::path> pcap() const override { return pcap_; }

 private:
  Counters& counters_;
  std::optional<std::filesystem::path> pcap_;
  std::optional<std::string> exit_;
};

class BareSandboxes final : public SandboxFactory {
 public:
  Counters counters;
  std::vector<std::string> preflight_problems;
  std::string environment_failure_for;  // case id whose sandbox cannot be built
  bool put_never_starts = false;
  std::optional<std::string> put_exit;  // what every sandbox's PUT did during the case
  std::atomic<int> create_calls{0};
  std::vector<std::string> preflight() override { return preflight_problems; }
  SandboxResult create(const CaseSpec& spec, const SandboxRequest& request) override {
    ++create_calls;
    if (put_never_starts)
      return packetgen::failure(SandboxError{true, "the PUT did not start: not listening on port 5124", true});
    if (spec.id == environment_failure_for) return packetgen::failure(SandboxError{true, "needs root: CAP_NET_ADMIN"});
    return std::unique_ptr<CaseSandbox>(std::make_unique<BareSandbox>(counters, request.pcap, put_exit));
  }
};

CaseSpec make_case(std::string id, CaseFunction run) {
  CaseSpec spec;
  spec.id = std::move(id);
  spec.requirements = {"CONV-045"};
  spec.section = "6.2.8";
  spec.title = spec.stimulus = spec.expectation = "t";
  spec.accepted_outcomes = {"o"};
  spec.run = std::move(run);
  return spec;
}

CaseOutcome passes(CaseContext&) { return CaseOutcome::pass("o"); }
CaseOutcome violates(CaseContext&) { return CaseOutcome::violated("bad"); }

// A run against a PUT that fails every sanity probe, and how many probes it sent.
struct SilentPutRun {
  reports::RunReport report;
  int probes = 0;
};

class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    artifacts = std::filesystem::temp_directory_path() / ("convtest-runner-" + std::to_string(::getpid()));
    std::filesystem::remove_all(artifacts);
    options.jobs = 4;
    options.seed = 99;
    options.artifacts_dir = artifacts;
    options.case_timeout = std::chrono::milliseconds(2000);
  }
  void TearDown() override { std::filesystem::remove_all(artifacts); }

  reports::RunReport run(const std::vector<CaseSpec>& specs, SanityProbe probe = {}) {
    std::vector<const CaseSpec*> pointers;
    for (const auto& spec : specs) pointers.push_back(&spec);
    Runner runner(put, options, sandboxes, std::move(probe));
    return runner.run(pointers, stop, nullptr);
  }

  // `count` negative cases, one at a time, against a PUT that never answers.
  SilentPutRun run_against_a_silent_put(int count) {
    options.jobs = 1;
    std::vector<CaseSpec> specs;
    for (int i = 0; i < count; ++i) {
      specs.push_back(make_case("negative-" + std::to_string(i), passes));
      specs.back().negative = true;
    }
    std::atomic<int> probes{0};
    SilentPutRun silent;
    silent.report = run(specs, [&](CaseContext&) {
      ++probes;
      return ProbeResult{false, "no SYN-ACK"};
    });
    silent.probes = probes.load();
    return silent;
  }

  std::filesystem::path artifacts;
  PutDescription put = default_convproxy();
  RunOptions options;
  BareSandboxes sandboxes;
  StopFlag stop;
};

TEST_F(RunnerTest, RunsInParallelAndKeepsTheOrder) {
  std::atomic<int> running{0};
  std::atomic<int> most{0};
  std::vector<CaseSpec> specs;
  for (int i = 0; i < 8; ++i)
    specs.push_back(make_case("c" + std::to_string(i), [&](CaseContext&) {
      const int now = ++running;
      int seen = most.load();
      while (now > seen && !most.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      --running;
      return CaseOutcome::pass("o");
    }));
  const auto report = run(specs);
  ASSERT_EQ(report.results.size(), 8U);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(report.results[i].id, "c" + std::to_string(i));
  EXPECT_GT(most.load(), 1);
  EXPECT_LE(most.load(), 4);
  EXPECT_EQ(sandboxes.counters.created.load(), 8);
  EXPECT_EQ(sandboxes.counters.destroyed.load(), 8);
  EXPECT_EQ(reports::exit_code_for(report), reports::ExitCode::Ok);
  EXPECT_FALSE(report.provenance.interrupted);
  EXPECT_EQ(report.provenance.seed, 99U);
}

TEST_F(RunnerTest, ViolationsFollowTheLevelAndTheProfile) {
  CaseSpec must = make_case("must", violates);
  CaseSpec should = make_case("should", violates);
  should.level = reports::Level::Should;
  CaseSpec warned = make_case("warned", [](CaseContext&) { return CaseOutcome::warn("o"); });
  auto report = run({must, should, warned});
  EXPECT_EQ(report.results[0].verdict, Verdict::Fail);
  EXPECT_EQ(report.results[1].verdict, Verdict::Warn);
  EXPECT_EQ(report.results[2].verdict, Verdict::Warn);
  options.strict = true;
  report = run({must, should, warned});
  EXPECT_EQ(report.results[1].verdict, Verdict::Fail);
  EXPECT_EQ(report.results[2].verdict, Verdict::Fail);
  EXPECT_EQ(report.provenance.profile, "strict");
}

TEST_F(RunnerTest, PreconditionsDecideBeforeAnySandbox) {
  put.features.erase(Feature::Cookie);
  CaseSpec cookie = make_case("cookie", passes);
  cookie.needs = {Feature::Cookie};
  CaseSpec strict_only = make_case("strict-only", passes);
  strict_only.profile = ProfileScope::StrictOnly;
  const auto report = run({cookie, strict_only});
  EXPECT_EQ(report.results[0].verdict, Verdict::Unsupported);
  EXPECT_NE(report.results[0].observed.find("cookie"), std::string::npos);
  EXPECT_EQ(report.results[1].verdict, Verdict::Skip);
  EXPECT_EQ(sandboxes.counters.created.load(), 0);
  EXPECT_EQ(reports::exit_code_for(report), reports::ExitCode::Environment);  // nothing judged
}

TEST_F(RunnerTest, ExceptionsBecomeHarnessErrors) {
  const auto report = run({make_case("throws", [](CaseContext&) -> CaseOutcome { throw std::runtime_error("boom"); })});
  EXPECT_EQ(report.results[0].verdict, Verdict::Error);
  EXPECT_NE(report.results[0].observed.find("boom"), std::string::npos);
  EXPECT_EQ(reports::exit_code_for(report), reports::ExitCode::HarnessError);
}

// Before: negative cases only. After: negative cases, and every case that
// passed or warned (a case may pass by absence against a dead PUT); a
// failing positive case needs no probe.
TEST_F(RunnerTest, SanityProbeRunsAroundNegativeCasesAndAfterPassingOnes) {
  std::atomic<int> probes{0};
  CaseSpec negative = make_case("negative", passes);
  negative.negative = true;
  CaseSpec warned = make_case("warned", [](CaseContext&) { return CaseOutcome::warn("o"); });
  const auto report =
      run({negative, make_case("positive", passes), warned, make_case("failing", violates)}, [&](CaseContext&) {
        ++probes;
        return ProbeResult{true, "ok"};
      });
  EXPECT_EQ(probes.load(), 4);
  EXPECT_EQ(report.results[0].verdict, Verdict::Pass);
  EXPECT_EQ(report.results[1].verdict, Verdict::Pass);
  EXPECT_EQ(report.results[2].verdict, Verdict::Warn);
  EXPECT_EQ(report.results[3].verdict, Verdict::Fail);
}

// Issue 14, defect 1: a case that accepts silence passes against a PUT that
// hangs; the probe after it turns that into a failure.
TEST_F(RunnerTest, APassAgainstAPutThatStoppedServingIsAFailure) {
  const auto report = run({make_case("passes-by-silence", passes)}, [](CaseContext&) {
    return ProbeResult{false, "no reply within 1500 ms"};
  });
  EXPECT_EQ(report.results[0].verdict, Verdict::Fail);
  EXPECT_NE(report.results[0].observed.find("no longer serves valid requests"), std::string::npos)
      << report.results[0].observed;
  EXPECT_EQ(reports::exit_code_for(report), reports::ExitCode::Failed);
}

// Issue 14, defect 1: a PUT that exited during a case leaves no PASS or
// WARN behind (a SHOULD case used to say WARN and the run exit 0); no probe
// is sent to a PUT known to be gone.
TEST_F(RunnerTest, APutThatExitedDuringTheCaseFailsIt) {
  sandboxes.put_exit = "exited with status 1";
  CaseSpec should = make_case("should", violates);
  should.level = reports::Level::Should;
  std::atomic<int> probes{0};
  const auto report = run({make_case("passes", passes), should, make_case("must", violates),
                           make_case("throws", [](CaseContext&) -> CaseOutcome { throw std::runtime_error("boom"); })},
                          [&](CaseContext&) {
                            ++probes;
                            return ProbeResult{true, "ok"};
                          });
  EXPECT_EQ(probes.load(), 0);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(report.results[i].verdict, Verdict::Fail) << report.results[i].id;
    EXPECT_NE(report.results[i].observed.find("the PUT exited with status 1 during the case"), std::string::npos)
        << report.results[i].observed;
  }
  EXPECT_EQ(report.results[3].verdict, Verdict::Error);  // the harness's own failure stays visible
  EXPECT_EQ(reports::exit_code_for(report), reports::ExitCode::Failed);
}

TEST(PutHealth, OnlyAHealthyPutKeepsAPassingVerdict) {
  using reports::CaseResult;
  for (const Verdict verdict : {Verdict::Pass, Verdict::Warn, Verdict::Unsupported, Verdict::Inconclusive}) {
    CaseResult result;
    result.verdict = verdict;
    result.observed = "what the case saw";
    apply_put_health(result, {});
    EXPECT_EQ(result.verdict, verdict);
    apply_put_health(result, {.exit = "killed by signal 11 (SIGSEGV)", .probe_failure = std::nullopt});
    EXPECT_EQ(result.verdict, Verdict::Fail) << reports::name(verdict);
    EXPECT_EQ(result.observed,
              "the PUT killed by signal 11 (SIGSEGV) during the case (case itself: what the case saw)");
    EXPECT_TRUE(failed_by_put_health(result.observed));  // the kill matrix's FAIL-PUT-UNHEALTHY
  }
  CaseResult failed;
  failed.verdict = Verdict::Fail;
  failed.observed = "wrong code";
  apply_put_health(failed, {.exit = std::nullopt, .probe_failure = "sanity probe after the case failed: RST"});
  EXPECT_EQ(failed.verdict, Verdict::Fail);
  EXPECT_EQ(failed.observed,
            "wrong code; also sanity probe after the case failed: RST: the PUT no longer serves valid requests");
  EXPECT_FALSE(failed_by_put_health(failed.observed)) << "a FAIL on the case's own requirement";
}

TEST_F(RunnerTest, DeadPutBeforeTheCaseIsInconclusiveAfterItIsAFailure) {
  CaseSpec negative = make_case("negative", passes);
  negative.negative = true;
  auto report = run({negative}, [](CaseContext&) { return ProbeResult{false, "no SYN-ACK"}; });
  EXPECT_EQ(report.results[0].verdict, Verdict::Inconclusive);
  EXPECT_NE(report.results[0].observed.find("before"), std::string::npos);

  std::atomic<int> calls{0};
  report = run({negative}, [&](CaseContext&) {
    return ++calls == 1 ? ProbeResult{true, "ok"} : ProbeResult{false, "connection refused"};
  });
  EXPECT_EQ(report.results[0].verdict, Verdict::Fail);
  EXPECT_NE(report.results[0].observed.find("no longer serves valid requests"), std::string::npos);
}

// A PUT that fails every sanity probe stops the run after a few cases: one
// environment problem instead of a verdict line per case.
TEST_F(RunnerTest, APutThatNeverAnswersStopsTheRunEarly) {
  const SilentPutRun silent = run_against_a_silent_put(40);
  const reports::RunReport& report = silent.report;
  EXPECT_EQ(silent.probes, static_cast<int>(options.silent_cases_before_stop));
  ASSERT_EQ(report.environment_problems.size(), 1U);
  EXPECT_TRUE(report.environment_problems[0].starts_with("the PUT does not answer valid Convert requests"))
      << report.environment_problems[0];
  EXPECT_EQ(report.results.back().verdict, Verdict::Inconclusive);
  EXPECT_TRUE(report.results.back().observed.starts_with(reports::kNotRunPrefix));
  EXPECT_EQ(reports::exit_code_for(report), reports::ExitCode::Environment);
}

// --keep-going: every case is judged, each on its own probe.
TEST_F(RunnerTest, KeepGoingJudgesEveryCaseOfAPutThatNeverAnswers) {
  options.silent_cases_before_stop = 0;
  const SilentPutRun silent = run_against_a_silent_put(12);
  EXPECT_EQ(silent.probes, 12);
  EXPECT_TRUE(silent.report.environment_problems.empty());
  for (const auto& result : silent.report.results) EXPECT_FALSE(result.observed.starts_with(reports::kNotRunPrefix));
}

// A PUT that does not start is the machine's problem, not a harness ERROR,
// and it too stops the run early.
TEST_F(RunnerTest, APutThatDoesNotStartIsAnEnvironmentProblemThatStopsTheRun) {
  options.jobs = 1;
  sandboxes.put_never_starts = true;
  std::vector<CaseSpec> specs;
  for (int i = 0; i < 40; ++i) specs.push_back(make_case("c" + std::to_string(i), passes));
  const auto report = run(specs);
  EXPECT_EQ(report.counts().at(Verdict::Error), 0U);
  EXPECT_EQ(report.counts().at(Verdict::Inconclusive), 40U);
  EXPECT_EQ(sandboxes.create_calls.load(), static_cast<int>(options.silent_cases_before_stop));
  EXPECT_EQ(reports::exit_code_for(report), reports::ExitCode::Environment);
}

TEST_F(RunnerTest, EnvironmentProblemsAreInconclusiveAndNamed) {
  sandboxes.environment_failure_for = "needs-lab";
  auto report = run({make_case("needs-lab", passes), make_case("fine", passes)});
  EXPECT_EQ(report.results[0].verdict, Verdict::Inconclusive);
  ASSERT_EQ(report.environment_problems.size(), 1U);
  EXPECT_EQ(report.environment_problems[0], "needs root: CAP_NET_ADMIN");
  EXPECT_EQ(reports::exit_code_for(report), reports::ExitCode::Environment);

  sandboxes.preflight_problems = {"cannot build the lab: /dev/net/tun missing"};
  report = run({make_case("fine", passes)});
  EXPECT_EQ(report.results[0].verdict, Verdict::Inconclusive);
  EXPECT_EQ(reports::exit_code_for(report), reports::ExitCode::Environment);
}

TEST_F(RunnerTest, InterruptStopsSchedulingAndMarksTheReport) {
  options.jobs = 1;
  std::vector<CaseSpec> specs;
  specs.push_back(make_case("first", [this](CaseContext& context) {
    stop.request();  // as the Ctrl-C watcher would
    EXPECT_TRUE(context.should_stop());
    return CaseOutcome::pass("o");
  }));
  specs.push_back(make_case("second", passes));
  const auto report = run(specs);
  EXPECT_TRUE(report.provenance.interrupted);
  EXPECT_EQ(report.results[0].verdict, Verdict::Pass);
  EXPECT_EQ(report.results[1].verdict, Verdict::Skip);
  EXPECT_NE(report.results[1].observed.find("interrupted"), std::string::npos);
  EXPECT_EQ(sandboxes.counters.created.load(), sandboxes.counters.destroyed.load());
  EXPECT_EQ(reports::exit_code_for(report), reports::ExitCode::Environment);
}

TEST_F(RunnerTest, ArtifactsAreKeptForFailuresOnly) {
  const auto report = run({make_case("good", passes), make_case("bad", violates)});
  EXPECT_FALSE(report.results[0].pcap.has_value());
  EXPECT_FALSE(std::filesystem::exists(artifacts / "good.pcap"));
  ASSERT_TRUE(report.results[1].pcap.has_value());
  EXPECT_TRUE(std::filesystem::exists(*report.results[1].pcap));
  ASSERT_TRUE(report.results[1].put_output.has_value());
  std::ifstream log(*report.results[1].put_output);
  std::string line;
  std::getline(log, line);
  EXPECT_EQ(line, "put says hello");
}

TEST_F(RunnerTest, ContextCarriesScaledDeadlinesAndAStableSeed) {
  options.time_scale = 3.0;
  std::uint64_t seen_seed = 0;
  Clock::duration scaled{};
  run({make_case("seeded", [&](CaseContext& context) {
    seen_seed = context.seed;
    scaled = context.scaled(std::chrono::milliseconds(100));
    return CaseOutcome::pass("o");
  })});
  EXPECT_EQ(seen_seed, case_seed(99, "seeded"));
  EXPECT_NE(case_seed(99, "seeded"), case_seed(99, "other"));
  EXPECT_NE(case_seed(99, "seeded"), case_seed(100, "seeded"));
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(scaled).count(), 300);
}

TEST_F(RunnerTest, ReproLineRerunsExactlyThisCase) {
  options.repro_words = {"convtest", "run", "--seed", "99", "--spawn", "my proxy {port}"};
  const auto spec = make_case("hdr-version-2", passes);
  EXPECT_EQ(repro_line(options, spec), "convtest run --seed 99 --spawn 'my proxy {port}' --case hdr-version-2");
}

}  // namespace
}  // namespace convtest::harness
