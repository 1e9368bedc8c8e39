#pragma once
// The units of a matrix, planned from the event: one catalog run per
// implementation and one pair cell per client, converter, family, transport
// and profile; their fingerprints (what --resume compares) and unit files.

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "harness/matrix/event.hpp"
#include "harness/matrix/pair_cell.hpp"
#include "reports/expectations.hpp"

namespace convtest::harness::matrix {

inline constexpr int kUnitFormatVersion = 1;

struct RunUnit {
  std::string id;
  std::string role;  // "converter" or "client"
  std::filesystem::path folder;
  nlohmann::json description;          // written as description.json, given to --put
  std::vector<std::string> arguments;  // after `convtest run`, without --jobs
  std::string fingerprint;
  std::vector<std::string> exclusive;  // units sharing one of these never run at once
};

struct CellUnit {
  PairCellSpec spec;
  std::string id;       // "pair:CLIENT:CONVERTER[v4,tcp,none]", what expectation files name
  std::string case_id;  // "pair:CLIENT:CONVERTER"
  std::string variant;  // "v4-tcp-none"
  std::string fingerprint;
  std::vector<std::string> exclusive;                      // as RunUnit::exclusive
  std::string skip_reason;                                 // non-empty: SKIP without running
  std::vector<const reports::Expectations*> expectations;  // the client's, then the converter's
};

struct Plan {
  std::vector<RunUnit> runs;
  std::vector<CellUnit> cells;
  std::vector<reports::Expectations> expectations;  // owned; cells point into it
};

// What the units of an implementation the harness does not start share:
// a converter's namespace (one lab TUN at a time), a converter's or a
// client's link (the lab's addresses on one wire); nothing when spawned.
std::vector<std::string> shared_placement(const PutDescription& put);
std::vector<std::string> shared_placement(const std::optional<ClientBox>& box);

// Every unit of the event under `out` (absolute); an expectation file that
// no longer reads is an error.
packetgen::Result<Plan, std::string> plan_units(const Event& event, const std::filesystem::path& out,
                                                const std::filesystem::path& bin_dir);

// The unit file of a finished run or cell, when it is complete and was
// written for these inputs; nothing otherwise (then the unit runs again).
std::optional<nlohmann::json> finished_unit(const std::filesystem::path& unit_file, const std::string& fingerprint);

}  // namespace convtest::harness::matrix
