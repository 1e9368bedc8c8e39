#pragma once
// A conformance case: metadata that ties it to RFC 8803 (used by `list`, the
// report and docs/catalog.md), and a run function that judges the PUT.
//
// A case reads like the sentence it tests: its run function sends the
// stimulus described in `stimulus`, waits for what `expectation` says, and
// returns an outcome saying what it observed; the report pairs that with the
// expectation. Violations are reported with CaseOutcome::violated(); the
// runner turns them into FAIL or WARN according to the requirement level and
// --strict.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "harness/link/link.hpp"
#include "harness/put/client_description.hpp"
#include "harness/put/put_description.hpp"
#include "harness/runner/dimensions.hpp"
#include "reports/verdict.hpp"

namespace convtest::harness {

class Lab;  // harness/lab/lab.hpp: the namespace, link and PUT of one case

// Which profiles a case belongs to (docs/design.md, "Ambiguities and profiles"). A case whose
// judgement depends on an AMB position lists that AMB id in `requirements`.
enum class ProfileScope : std::uint8_t {
  Any,          // the same judgement in both profiles
  DefaultOnly,  // the lenient position; SKIP under --strict
  StrictOnly,   // the strict position (e.g. deferred SYN-ACK, AMB-01); SKIP otherwise
};
std::string_view name(ProfileScope scope);  // "any", "default", "strict"

// Whom a case judges: a converter (the harness plays clients and servers) or
// a client (the harness plays the converter and the servers).
enum class Role : std::uint8_t { Converter, Client };
std::string_view name(Role role);  // "converter", "client"
std::optional<Role> parse_role(std::string_view text);

// What a run function found. The expected text of every verdict is the
// case's `expectation` (one source of truth); `observed` says what the PUT did.
struct CaseOutcome {
  reports::Verdict verdict = reports::Verdict::Error;
  std::string observed;
  bool by_level = false;  // a violation: FAIL or WARN decided by level and profile

  static CaseOutcome pass(std::string observed);
  // The requirement is violated: FAIL or WARN by its level (and --strict).
  static CaseOutcome violated(std::string observed);
  // Always FAIL, whatever the level: e.g. the PUT crashed.
  static CaseOutcome fail(std::string observed);
  // A lesser problem beside a met requirement (an interoperability risk).
  static CaseOutcome warn(std::string observed);
  // No verdict can be reached: the path or the PUT's set-up did not allow it.
  static CaseOutcome inconclusive(std::string why);
  static CaseOutcome unsupported(std::string why);
  static CaseOutcome skip(std::string why);
  static CaseOutcome error(std::string what_broke);
};

// Set by the runner on Ctrl-C or when a case overruns its time budget.
class StopFlag {
 public:
  void request() { requested_.store(true, std::memory_order_relaxed); }
  bool requested() const { return requested_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> requested_{false};
};

// Lines a case writes about what it did; they end up in the report.
class CaseLog {
 public:
  void operator()(std::string line) {
    if (lines_.size() < kMaxLines) lines_.push_back(std::move(line));
  }
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  static constexpr std::size_t kMaxLines = 400;
  std::vector<std::string> lines_;
};

struct CaseSpec;

// Everything a run function may use. Owned by the runner for one case.
struct CaseContext {
  const CaseSpec& spec;
  const PutDescription& put;
  Lab* lab = nullptr;  // null only when the runner was given no lab factory
  bool strict = false;
  std::uint64_t seed = 0;      // derived from --seed and the case id: stable across runs and --jobs
  double time_scale = 1.0;     // every wait a case makes is multiplied by this
  Clock::time_point deadline;  // the case must return by then
  const StopFlag& stop;
  CaseLog& log;
  // The client role: the client under test, where {bin} points, and where
  // its output files go.
  const ClientDescription* client = nullptr;
  std::filesystem::path bin_dir{};
  std::filesystem::path work_dir{};

  Clock::duration scaled(Clock::duration base) const;
  // Now + scaled(base), never later than the case deadline.
  Clock::time_point deadline_in(Clock::duration base) const;
  bool should_stop() const { return stop.requested() || Clock::now() >= deadline; }
  Lab& the_lab() const;  // aborts when there is none: a case needing a lab needs one
};

using CaseFunction = std::function<CaseOutcome(CaseContext&)>;

struct CaseSpec {
  std::string id{};  // stable, lower case: "hdr-version-2"; an instance's: "hdr-version-2[v6,mptcp]"
  std::vector<std::string> requirements{};  // CONV-xxx first, then AMB-xx / REF-xx
  std::string section{};                    // RFC 8803 section: "6.1", "6.2.8", "App. A.2"
  reports::Level level = reports::Level::Must;
  reports::CaseClass case_class = reports::CaseClass::Valid;
  ProfileScope profile = ProfileScope::Any;
  std::vector<std::string> tags{};  // "ipv6", "middlebox", "error", ...
  Role role = Role::Converter;
  std::vector<Feature> needs{};               // undeclared by the PUT -> UNSUPPORTED
  std::vector<ClientFeature> client_needs{};  // the client role: undeclared by the CUT -> UNSUPPORTED

  std::string title{};                           // the requirement as a sentence ("A converter MUST ...")
  std::string stimulus{};                        // what the case sends and how the emulated peers behave
  std::string expectation{};                     // what must happen for a PASS
  std::vector<std::string> accepted_outcomes{};  // every outcome judged conformant
  // Sends something a converter must reject: the runner checks with a valid
  // request before and after that the PUT answers at all.
  bool negative = false;
  // Kill matrix: why no --fault of convproxy can make this case fail, when so.
  std::string unkillable_reason{};
  // Time budget before scaling; 0: the runner's default.
  std::chrono::milliseconds timeout{0};
  // The values the case is valid for; the registry expands it into instances.
  Dimensions dimensions{};

  // Set by the registry for each instance: the case id without the values,
  // the values this instance runs with, and how the grid was expanded.
  std::string base_id{};
  Instance instance{};
  Expansion expansion = Expansion::Single;
  // The case id without the instance's values (also before registration).
  const std::string& case_id() const { return base_id.empty() ? id : base_id; }

  CaseFunction run{};
};

// A valid request through the PUT that must succeed: run around negative
// cases. ok=false with the reason when the PUT does not answer properly.
struct ProbeResult {
  bool ok = false;
  std::string detail;
};
using SanityProbe = std::function<ProbeResult(CaseContext&)>;

}  // namespace convtest::harness
