#pragma once
// The JSON report of a fuzzing campaign (reports/schema/fuzz-report-v1.schema.json).

#include <nlohmann/json.hpp>
#include <string>

#include "harness/fuzz/campaign.hpp"

namespace convtest::harness::fuzz {

struct ReportContext {
  std::string tool_version;
  std::string command_line;
  std::string put_name;
  std::string put_mode;
  std::string put_target;  // spawn template, namespace or interface
  std::uint64_t seed = 0;
  std::string budget;  // as given: "60s", "5000"
  std::size_t in_flight = 0;
  double time_scale = 1.0;
  std::string corpus;  // "" without --corpus
};

nlohmann::json campaign_report(const CampaignStats& stats, const ReportContext& context);

}  // namespace convtest::harness::fuzz
