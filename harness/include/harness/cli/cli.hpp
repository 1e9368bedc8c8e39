#pragma once
// The `convtest` command line: `run` (the default), `list`, `report`, `compare`,
// `matrix`, `--version`.
// Parsing is a pure function (tested on its own); `main` wires it to the
// runner, the lab and the reports.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "harness/put/client_description.hpp"
#include "harness/put/put_description.hpp"
#include "harness/runner/filter.hpp"
#include "harness/runner/registry.hpp"
#include "packetgen/result.hpp"

namespace convtest::harness::cli {

enum class Command : std::uint8_t { Run, List, Report, Version, Compare, Matrix, Fuzz, Replay };
enum class CompareFormat : std::uint8_t { Text, Markdown, Json };
enum class ListFormat : std::uint8_t { Text, Json, Markdown };
enum class ProgressStyle : std::uint8_t { Auto, Line, Plain, None };

// `fuzz` and `replay` (docs/guide.md, "Fuzzing a converter").
struct FuzzInvocation {
  std::string budget = "60s";  // "60s", "2m" or a number of inputs
  std::size_t in_flight = 128;
  std::uint64_t probe_every = 1000;
  std::optional<std::filesystem::path> corpus;
  std::filesystem::path out_dir = "out/fuzz";
  std::optional<std::filesystem::path> report;  // default: OUT_DIR/report.json
  std::size_t max_saved = 5;
  std::uint64_t stop_after = 0;               // mismatches; 0: the whole budget
  std::filesystem::path replay_input;         // `replay FILE`
  std::optional<std::filesystem::path> pcap;  // `replay --pcap FILE`
};

struct Invocation {
  Command command = Command::Run;
  Selection selection;
  ListFormat list_format = ListFormat::Text;
  bool list_requirements = false;  // `list --requirements`: the requirement table with its coverage

  PutDescription put;      // from --put FILE and the PUT flags (flags win)
  bool put_given = false;  // any PUT flag or file: otherwise the built-in convproxy
  // `run --role client`: the harness plays converter and servers, the client
  // under test comes from the --client-* flags (default: convclient).
  Role role = Role::Converter;
  ClientDescription client = default_convclient();

  bool strict = false;
  unsigned jobs = 0;  // 0: one per core
  std::uint64_t seed = 0;
  bool seed_given = false;
  std::uint64_t pairwise_seed = kDefaultPairwiseSeed;  // which instances a pairwise grid has
  double time_scale = 1.0;
  std::filesystem::path report = "out/report.json";
  std::optional<std::filesystem::path> junit;
  bool junit_warn_as_failure = false;             // WARN as <failure> in the JUnit file
  std::optional<std::filesystem::path> html;      // `run --html FILE`; `report --html`: where the page goes
  std::filesystem::path report_input;             // `report`: the JSON report (or matrix) to render
  std::optional<std::filesystem::path> pcap_dir;  // keep every pcap there
  // Where pcaps and PUT logs go (default: beside the report, named after it).
  std::optional<std::filesystem::path> artifacts;
  std::optional<std::filesystem::path> expect;  // known deviations: XFAIL / XPASS
  bool strict_expect = false;                   // an XPASS fails the run
  bool keep_going = false;                      // judge every case even after the PUT fell silent
  ProgressStyle progress = ProgressStyle::Auto;
  std::vector<std::string> arguments;  // as given, for provenance

  // `compare BASE NEW`: two reports of one implementation.
  std::filesystem::path compare_base;
  std::filesystem::path compare_new;
  CompareFormat compare_format = CompareFormat::Text;

  // `matrix EVENT --out DIR`: every implementation of an interop event.
  std::filesystem::path matrix_event;
  std::filesystem::path matrix_out;
  bool matrix_resume = false;  // keep the runs and cells a former invocation finished

  FuzzInvocation fuzz;
};

struct UsageError {
  std::string message;
  bool help = false;  // --help: print message to stdout and exit 0
};

using ParseResult = packetgen::Result<Invocation, UsageError>;

// argv without the program name. No subcommand (or one starting with '-')
// means `run`.
ParseResult parse_arguments(const std::vector<std::string>& arguments);

// The words of a repro line: `convtest run`, the flags recreating the PUT
// description, the seed and whatever else changes verdicts; the runner adds
// the case. parse_arguments reads them back to the same invocation.
std::vector<std::string> repro_words(const Invocation& invocation, std::uint64_t seed);

// The process exit codes (docs/design.md, "Verdicts and exit codes").
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitEnvironment = 2;
inline constexpr int kExitUsage = 3;

// Builds the catalog with the pairwise seed of the command line.
using CatalogFactory = std::function<Registry(std::uint64_t pairwise_seed)>;

// `convtest` entry point; returns the process exit code.
int main(int argc, char** argv, const CatalogFactory& make_catalog);

// The renderings of `list`.
std::string list_text(const std::vector<const CaseSpec*>& cases);
std::string list_json(const std::vector<const CaseSpec*>& cases);
std::string list_markdown(const std::vector<const CaseSpec*>& cases);

// The renderings of `list --requirements`: every row of the table with the
// ids of the given cases that cite it.
std::string requirements_text(const RequirementTable& table, const std::vector<const CaseSpec*>& cases);
std::string requirements_json(const RequirementTable& table, const std::vector<const CaseSpec*>& cases);
std::string requirements_markdown(const RequirementTable& table, const std::vector<const CaseSpec*>& cases);

}  // namespace convtest::harness::cli
