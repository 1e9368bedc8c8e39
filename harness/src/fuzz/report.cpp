#include "harness/fuzz/report.hpp"

namespace convtest::harness::fuzz {
namespace {

using nlohmann::json;

json counts(const std::map<std::string, std::uint64_t>& map) {
  json out = json::object();
  for (const auto& [key, count] : map) out[key] = count;
  return out;
}

json saved_json(const SavedMismatch& saved) {
  return {{"file", saved.file.string()},
          {"pcap", saved.pcap.string()},
          {"expected", saved.expected},
          {"observed", saved.observed},
          {"problem", saved.problem},
          {"replay", saved.replay},
          {"reproduced_alone", saved.reproduced_alone},
          {"minimize_runs", saved.minimize_runs}};
}

}  // namespace

json campaign_report(const CampaignStats& stats, const ReportContext& context) {
  json saved = json::array();
  for (const auto& entry : stats.saved) saved.push_back(saved_json(entry));
  const double seconds = std::chrono::duration<double>(stats.elapsed).count();
  return {{"format", "convtest-fuzz-report"},
          {"version", 1},
          {"tool_version", context.tool_version},
          {"command_line", context.command_line},
          {"put", {{"name", context.put_name}, {"mode", context.put_mode}, {"target", context.put_target}}},
          {"seed", context.seed},
          {"budget", context.budget},
          {"in_flight", context.in_flight},
          {"time_scale", context.time_scale},
          {"duration_seconds", seconds},
          {"inputs", stats.inputs},
          {"inputs_per_second", stats.rate()},
          {"mismatches", stats.mismatches},
          {"crashes", stats.crashes},
          {"hangs", stats.hangs},
          {"sanity_probes", stats.probes},
          {"restarts", stats.restarts},
          {"corpus", {{"folder", context.corpus}, {"loaded", stats.corpus_loaded}, {"added", stats.corpus_added}}},
          {"decoder_rules", counts(stats.rules)},
          {"expected_outcomes", counts(stats.expected)},
          {"observed_outcomes", counts(stats.observed)},
          {"transports", counts(stats.transports)},
          {"anomalies", stats.anomalies},
          {"saved_mismatches", saved}};
}

}  // namespace convtest::harness::fuzz
