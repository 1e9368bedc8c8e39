#pragma once
// One run of the suite: provenance (what was tested, with what, where) and
// the results. Everything needed to pin and replay a verdict.

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "reports/case_result.hpp"
#include "reports/verdict.hpp"

namespace convtest::reports {

inline constexpr int kReportFormatVersion = 1;

struct PutIdentity {
  std::string name;                    // "convproxy", or what the PUT description says
  std::string mode;                    // "spawn", "netns" or "remote"
  std::string target;                  // spawn template, netns path or interface
  std::vector<std::string> addresses;  // where the suite reaches it
  std::uint16_t port = 0;
  std::vector<std::string> features;         // declared optional features
  std::optional<std::string> version;        // first line of `PUT --version`
  std::optional<std::string> binary_sha256;  // of the spawned executable
  std::optional<std::string> image_digest;   // container image, when declared
};

// The client under test of a client-role run.
struct ClientIdentity {
  std::string name;                          // "convclient", or what --client-name says
  std::string command;                       // the spawn template
  std::vector<std::string> environment;      // NAME=VALUE added to its environment
  std::vector<std::string> features;         // declared optional behaviours
  std::optional<std::string> version;        // first line of `CUT --version`
  std::optional<std::string> binary_sha256;  // of the executable
};

// The expectation file of a run (--expect): which one, exactly, and how
// strictly an XPASS is taken.
struct ExpectationsIdentity {
  std::string path;
  std::string sha256;
  std::size_t count = 0;  // expectations in the file
  bool strict = false;    // --strict-expect: an XPASS fails the run
};

struct Provenance {
  std::string tool_version;
  std::string catalog_hash;         // SHA-256 over the metadata of every registered case
  std::string catalog_version;      // docs/catalog-changelog.md
  std::size_t catalog_size = 0;     // instances
  std::uint64_t pairwise_seed = 1;  // chose the instances of pairwise-expanded cases
  std::string role = "converter";   // or "client": who was judged
  PutIdentity put;
  std::optional<ClientIdentity> client;  // the client role
  std::string kernel;                    // uname: sysname release version machine
  std::uint64_t seed = 0;
  std::string profile;  // "default" or "strict"
  double time_scale = 1.0;
  unsigned jobs = 1;
  std::string command_line;
  std::chrono::system_clock::time_point started;
  std::chrono::system_clock::time_point finished;
  bool interrupted = false;
  std::optional<ExpectationsIdentity> expectations;
};

using VerdictCounts = std::map<Verdict, std::size_t>;

struct RunReport {
  Provenance provenance;
  std::vector<CaseResult> results;
  // Environment problems found before or during the run (e.g. "needs root:
  // CAP_NET_ADMIN"); they make the run exit 2.
  std::vector<std::string> environment_problems;

  VerdictCounts counts() const;  // every verdict present, zero counts included
  std::chrono::milliseconds wall_time() const;
  // Each phase's time summed over the cases (cases run in parallel, so the
  // sum exceeds the wall time), the largest first.
  std::vector<std::pair<std::string, std::chrono::microseconds>> phase_totals() const;
};

// docs/design.md, "Verdicts and exit codes": 0 nothing failed and at least one case reached a
// verdict; 1 a FAIL; 2 environment problem, interrupted, or nothing but
// INCONCLUSIVE / UNSUPPORTED / SKIP; 3 harness ERROR (usage errors are
// decided by the CLI before a report exists).
enum class ExitCode : int { Ok = 0, Failed = 1, Environment = 2, HarnessError = 3 };
ExitCode exit_code_for(const RunReport& report);

}  // namespace convtest::reports
