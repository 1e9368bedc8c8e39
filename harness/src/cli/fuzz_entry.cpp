#include "fuzz_entry.hpp"

#include <fmt/format.h>

#include <fstream>
#include <random>

#include "convtest/version.hpp"
#include "harness/fuzz/campaign.hpp"
#include "harness/fuzz/report.hpp"
#include "harness/runner/lab_sandbox.hpp"
#include "signal_watcher.hpp"

namespace convtest::harness::cli {
namespace {

using nlohmann::json;

std::unique_ptr<SandboxFactory> sandboxes_for(const Invocation& invocation, const std::filesystem::path& bin_dir) {
  LabSandboxOptions options{bin_dir, invocation.time_scale, std::nullopt, invocation.fuzz.out_dir};
  return make_lab_sandboxes(invocation.put, options);
}

// Nothing in the way of starting the PUT; otherwise the problems are printed.
bool preflight(SandboxFactory& sandboxes, std::string_view command) {
  const auto problems = sandboxes.preflight();
  for (const auto& problem : problems) fmt::print(stderr, "convtest {}: {}\n", command, problem);
  return problems.empty();
}

fuzz::EngineSettings engine_settings(const Invocation& invocation, std::uint64_t seed) {
  fuzz::EngineSettings settings;
  settings.in_flight = invocation.fuzz.in_flight;
  // A declared session limit caps the inputs that may open a connection at once.
  settings.connecting_in_flight =
      std::min<std::size_t>(settings.in_flight, invocation.put.session_limit.value_or(settings.in_flight));
  settings.time_scale = invocation.time_scale;
  settings.seed = seed;
  settings.work_dir = invocation.fuzz.out_dir;
  return settings;
}

std::string put_target(const PutDescription& put) {
  switch (put.mode) {
    case PutMode::Spawn: return put.spawn_template;
    case PutMode::Netns: return put.netns_path;
    case PutMode::Remote: return put.iface;
  }
  return "";
}

void print_summary(const fuzz::CampaignStats& stats) {
  fmt::print("fuzz: {} inputs in {:.1f} s ({:.0f} inputs/s), {} mismatches, {} crashes, {} hangs, {} sanity probes\n",
             stats.inputs, std::chrono::duration<double>(stats.elapsed).count(), stats.rate(), stats.mismatches,
             stats.crashes, stats.hangs, stats.probes);
  for (const auto& anomaly : stats.anomalies) fmt::print("  {}\n", anomaly);
  for (const auto& saved : stats.saved) {
    fmt::print("mismatch: {}\n  expected: {}\n  observed: {}\n  problem:  {}\n  pcap:     {}\n  replay:   {}\n",
               saved.file.string(), saved.expected, saved.observed, saved.problem, saved.pcap.string(), saved.replay);
    if (!saved.reproduced_alone) fmt::print("  (did not show alone: kept as found, not minimized)\n");
  }
}

bool write_report(const std::filesystem::path& path, const json& report) {
  std::error_code ignored;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ignored);
  std::ofstream out(path);
  out << report.dump(2) << "\n";
  return static_cast<bool>(out);
}

}  // namespace

int run_fuzz(const Invocation& invocation, const std::filesystem::path& bin_dir, const std::string& command_line) {
  const auto budget = fuzz::parse_budget(invocation.fuzz.budget);
  if (!budget) return kExitUsage;
  const std::uint64_t seed = invocation.seed_given ? invocation.seed : std::random_device{}();
  auto sandboxes = sandboxes_for(invocation, bin_dir);
  if (!preflight(*sandboxes, "fuzz")) return kExitEnvironment;

  fuzz::Engine engine(invocation.put, *sandboxes, engine_settings(invocation, seed));
  fuzz::CampaignSettings settings;
  settings.seed = seed;
  settings.budget = *budget;
  settings.probe_every = invocation.fuzz.probe_every;
  settings.corpus = invocation.fuzz.corpus;
  settings.out_dir = invocation.fuzz.out_dir;
  settings.put_words = to_flags(invocation.put);
  if (invocation.time_scale != 1.0)
    settings.put_words.insert(settings.put_words.end(), {"--time-scale", fmt::format("{}", invocation.time_scale)});
  settings.max_saved = invocation.fuzz.max_saved;
  settings.stop_after_mismatches = invocation.fuzz.stop_after;
  settings.progress = stderr;
  StopFlag stop;
  packetgen::Result<fuzz::CampaignStats, std::string> result = packetgen::failure(std::string("not run"));
  {
    SignalWatcher signals(stop);
    result = fuzz::run_campaign(engine, settings, stop);
  }
  if (!result) {
    fmt::print(stderr, "convtest fuzz: {}\n", result.error());
    return kExitEnvironment;
  }
  const auto& stats = result.value();
  print_summary(stats);
  const fuzz::ReportContext context{
      CONVTEST_VERSION,           command_line,
      invocation.put.name,        std::string(name(invocation.put.mode)),
      put_target(invocation.put), seed,
      invocation.fuzz.budget,     invocation.fuzz.in_flight,
      invocation.time_scale,      invocation.fuzz.corpus ? invocation.fuzz.corpus->string() : ""};
  const auto report_path = invocation.fuzz.report.value_or(invocation.fuzz.out_dir / "report.json");
  if (!write_report(report_path, fuzz::campaign_report(stats, context))) {
    fmt::print(stderr, "convtest fuzz: cannot write {}\n", report_path.string());
    return kExitUsage;
  }
  fmt::print("report: {}\n", report_path.string());
  const bool clean = stats.mismatches == 0 && stats.crashes == 0 && stats.hangs == 0;
  return clean ? kExitOk : kExitFailed;
}

int run_replay(const Invocation& invocation, const std::filesystem::path& bin_dir) {
  const auto& path = invocation.fuzz.replay_input;
  std::ifstream in(path);
  if (!in) {
    fmt::print(stderr, "convtest replay: cannot read {}\n", path.string());
    return kExitUsage;
  }
  const json document = json::parse(in, nullptr, false);
  auto input = fuzz::input_from_json(document);
  if (!input) {
    fmt::print(stderr, "convtest replay: {}: {}\n", path.string(),
               document.is_discarded() ? "not JSON" : input.error());
    return kExitUsage;
  }
  auto sandboxes = sandboxes_for(invocation, bin_dir);
  if (!preflight(*sandboxes, "replay")) return kExitEnvironment;
  fuzz::Engine engine(invocation.put, *sandboxes, engine_settings(invocation, invocation.seed));
  if (auto started = engine.start(); !started) {
    fmt::print(stderr, "convtest replay: the PUT does not start: {}\n", started.error().text);
    return kExitEnvironment;
  }
  const fuzz::Trial trial = engine.run_alone(input.value(), invocation.fuzz.pcap);
  fmt::print("input:    {} ({} bytes: {})\n", path.string(), trial.input.stream().size(),
             packetgen::to_hex(trial.input.stream()));
  if (document.contains("mismatch") && document["mismatch"].is_object())
    fmt::print("recorded: {}\n", document["mismatch"].value("observed", ""));
  fmt::print("expected: {}\nobserved: {}\n", trial.expected.text(), trial.judgement.detail);
  if (invocation.fuzz.pcap) fmt::print("pcap:     {}\n", invocation.fuzz.pcap->string());
  if (trial.mismatch()) {
    fmt::print("result:   MISMATCH: {}\n", *trial.judgement.problem);
    return kExitFailed;
  }
  fmt::print("result:   as expected\n");
  return kExitOk;
}

}  // namespace convtest::harness::cli
