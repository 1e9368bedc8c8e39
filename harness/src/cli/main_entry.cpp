#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <thread>

#include "catalog_markdown.hpp"
#include "convtest/version.hpp"
#include "dissector_hint.hpp"
#include "fuzz_entry.hpp"
#include "harness/cli/cli.hpp"
#include "harness/cli/output_paths.hpp"
#include "harness/matrix/matrix_run.hpp"
#include "harness/put/put_identity.hpp"
#include "harness/runner/lab_sandbox.hpp"
#include "harness/runner/runner.hpp"
#include "html_output.hpp"
#include "progress.hpp"
#include "reports/compare.hpp"
#include "reports/json_report.hpp"
#include "reports/junit_report.hpp"
#include "reports/text_summary.hpp"
#include "signal_watcher.hpp"

namespace convtest::harness::cli {
namespace {

std::filesystem::path own_program() {
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::filesystem::current_path() / "convtest" : self;
}

std::filesystem::path own_directory() { return own_program().parent_path(); }

// Two runs with different reports never share artifacts: out/report.json
// keeps its pcaps in out/report-artifacts/.
std::filesystem::path default_artifacts(const std::filesystem::path& report) {
  return report.parent_path() / (report.stem().string() + "-artifacts");
}

std::string kernel_identity() {
  utsname names{};
  if (::uname(&names) != 0) return "unknown";
  return fmt::format("{} {} {} {}", names.sysname, names.release, names.version, names.machine);
}

std::string command_line(const Invocation& invocation) {
  std::string line = "convtest";
  for (const auto& argument : invocation.arguments) line += " " + shell_quote(argument);
  return line;
}

int list_catalog(const Invocation& invocation, const Registry& registry) {
  const auto cases = select(registry, invocation.selection);
  if (cases.empty()) {
    fmt::print(stderr, "convtest: no case matches the selection\n");
    return kExitUsage;
  }
  const auto& table = registry.requirements();
  if (invocation.list_requirements) {
    switch (invocation.list_format) {
      case ListFormat::Text: fmt::print("{}", requirements_text(table, cases)); break;
      case ListFormat::Json: fmt::print("{}", requirements_json(table, cases)); break;
      case ListFormat::Markdown: fmt::print("{}", requirements_markdown(table, cases)); break;
    }
    return kExitOk;
  }
  switch (invocation.list_format) {
    case ListFormat::Text: fmt::print("{}", list_text(cases)); break;
    case ListFormat::Json: fmt::print("{}", list_json(cases)); break;
    case ListFormat::Markdown: fmt::print("{}", catalog_markdown(cases, table)); break;
  }
  return kExitOk;
}

// A report file read back; the problem as text when it cannot be.
std::optional<reports::RunReport> read_report(const std::filesystem::path& path, std::string& problem) {
  std::ifstream in(path);
  if (!in) {
    problem = fmt::format("cannot read {}", path.string());
    return std::nullopt;
  }
  const auto document = nlohmann::json::parse(in, nullptr, false);
  if (document.is_discarded()) {
    problem = fmt::format("{} is not JSON", path.string());
    return std::nullopt;
  }
  auto parsed = reports::from_json(document);
  if (!parsed.error.empty()) {
    problem = fmt::format("{}: {}", path.string(), parsed.error);
    return std::nullopt;
  }
  return std::move(parsed.report);
}

int run_compare(const Invocation& invocation) {
  std::string problem;
  const auto base = read_report(invocation.compare_base, problem);
  const auto next = base ? read_report(invocation.compare_new, problem) : std::nullopt;
  if (!base || !next) {
    fmt::print(stderr, "convtest compare: {}\n", problem);
    return kExitUsage;
  }
  const reports::Comparison comparison = reports::compare_reports(*base, *next);
  switch (invocation.compare_format) {
    case CompareFormat::Text: fmt::print("{}", reports::comparison_text(comparison)); break;
    case CompareFormat::Markdown: fmt::print("{}", reports::comparison_markdown(comparison)); break;
    case CompareFormat::Json: fmt::print("{}\n", reports::comparison_json(comparison).dump(2)); break;
  }
  return comparison.regressions.empty() ? kExitOk : 1;
}

// The report's other files; a usage error (3) when one cannot be written.
int write_extra_reports(const Invocation& invocation, const reports::RunReport& report, const Registry& registry,
                        int exit_code) {
  if (invocation.junit) {
    const reports::JunitOptions options{.warn_as_failure = invocation.junit_warn_as_failure, .hostname = ""};
    if (auto error = reports::write_junit_report(*invocation.junit, report, options); !error.empty()) {
      fmt::print(stderr, "convtest: {}\n", error);
      exit_code = kExitUsage;
    }
  }
  if (invocation.html) {
    if (auto error = write_html_page(reports::to_json(report), *invocation.html, registry.requirements());
        !error.empty()) {
      fmt::print(stderr, "convtest: {}\n", error);
      exit_code = kExitUsage;
    } else {
      fmt::print("html: {}\n", invocation.html->string());
    }
  }
  return exit_code;
}

int run_catalog(const Invocation& invocation, const Registry& registry) {
  const auto cases = select(registry, invocation.selection);
  if (cases.empty()) {
    fmt::print(stderr, "convtest: no case matches the selection (an empty run never passes)\n");
    return kExitUsage;
  }
  const std::filesystem::path artifacts =
      invocation.pcap_dir.value_or(invocation.artifacts.value_or(default_artifacts(invocation.report)));
  const auto path_problems = prepare_output_paths({.report = invocation.report,
                                                   .report_is_default = invocation.report == Invocation{}.report,
                                                   .junit = invocation.junit,
                                                   .html = invocation.html,
                                                   .artifacts = artifacts,
                                                   .artifacts_given = invocation.pcap_dir || invocation.artifacts});
  if (!path_problems.empty()) {
    for (const auto& problem : path_problems) fmt::print(stderr, "convtest: {}\n", problem);
    return kExitUsage;
  }
  const std::uint64_t seed = invocation.seed_given ? invocation.seed : std::random_device{}();
  const auto bin_dir = own_directory();

  RunOptions options;
  // Cases spend most of their time waiting on deadlines, not on a core.
  options.jobs = invocation.jobs != 0 ? invocation.jobs : 6 * std::max(1U, std::thread::hardware_concurrency());
  // Labs joining one namespace or one NIC cannot run side by side (the
  // client role always makes its own namespaces unless it is --remote).
  const bool shared_lab = invocation.role == Role::Converter ? invocation.put.mode != PutMode::Spawn
                                                             : invocation.put.mode == PutMode::Remote;
  if (shared_lab && options.jobs > 1) {
    if (invocation.jobs > 1)
      fmt::print(stderr, "convtest: --{} runs cases one at a time (--jobs ignored)\n",
                 invocation.put.mode == PutMode::Netns ? "netns" : "remote");
    options.jobs = 1;
  }
  options.seed = seed;
  options.time_scale = invocation.time_scale;
  options.strict = invocation.strict;
  options.artifacts_dir = artifacts;
  options.keep_all_pcaps = invocation.pcap_dir.has_value();
  if (invocation.keep_going) options.silent_cases_before_stop = 0;
  options.repro_words = repro_words(invocation, seed);
  options.client = invocation.client;
  options.bin_dir = bin_dir;
  if (invocation.expect) {
    auto loaded = reports::load_expectations(*invocation.expect);
    if (!loaded.expectations) {
      fmt::print(stderr, "convtest: --expect: {}\n", loaded.error);
      return kExitUsage;
    }
    loaded.expectations->strict = invocation.strict_expect;
    options.expectations = std::move(loaded.expectations);
  }

  LabSandboxOptions lab_options{bin_dir, invocation.time_scale, std::nullopt, artifacts};
  if (invocation.role == Role::Client) lab_options.client = invocation.client;
  auto sandboxes = make_lab_sandboxes(invocation.put, lab_options);
  Runner runner(invocation.put, options, *sandboxes, registry.sanity_probe());
  StopFlag stop;
  reports::RunReport report;
  {
    SignalWatcher signals(stop);
    auto progress = make_progress(invocation.progress, stderr);
    report = runner.run(cases, stop, progress.get());
  }
  auto& provenance = report.provenance;
  provenance.tool_version = CONVTEST_VERSION;
  provenance.catalog_hash = registry.catalog_hash();
  provenance.catalog_version = registry.version();
  provenance.catalog_size = registry.cases().size();
  provenance.pairwise_seed = invocation.pairwise_seed;
  provenance.role = std::string(name(invocation.role));
  provenance.put = identify(invocation.put, bin_dir);
  if (invocation.role == Role::Client) {
    // The harness was the converter: its own addresses, no PUT process.
    provenance.put = reports::PutIdentity{.name = "convtest (emulated converter)",
                                          .mode = "spawn",
                                          .target = "",
                                          .addresses = {invocation.put.address4, invocation.put.address6},
                                          .port = invocation.put.port,
                                          .features = {},
                                          .version = CONVTEST_VERSION,
                                          .binary_sha256 = std::nullopt,
                                          .image_digest = std::nullopt};
    provenance.client = identify(invocation.client, bin_dir);
  }
  provenance.kernel = kernel_identity();
  provenance.command_line = command_line(invocation);
  if (const auto& expectations = options.expectations)
    provenance.expectations = reports::ExpectationsIdentity{expectations->path, expectations->sha256,
                                                            expectations->rows.size(), expectations->strict};

  const std::string dissector = dissector_script(bin_dir);
  fmt::print("{}", reports::text_summary(report, dissector));
  if (invocation.pcap_dir)
    fmt::print("pcaps: {} (decode with: {})\n", invocation.pcap_dir->string(),
               reports::decode_command(dissector, "FILE"));
  if (!invocation.pcap_dir) {
    std::error_code ignored;
    std::filesystem::remove(artifacts, ignored);  // only when empty: nothing failed, nothing to keep
  }
  int exit_code = static_cast<int>(reports::exit_code_for(report));
  if (auto error = reports::write_json_report(invocation.report, report); !error.empty()) {
    fmt::print(stderr, "convtest: {}\n", error);
    exit_code = kExitUsage;
  } else {
    fmt::print("report: {}\n", invocation.report.string());
  }
  return write_extra_reports(invocation, report, registry, exit_code);
}

int run_event_matrix(const Invocation& invocation) {
  StopFlag stop;
  const SignalWatcher signals(stop);
  return matrix::run_matrix({.event = invocation.matrix_event,
                             .out = invocation.matrix_out,
                             .jobs = invocation.jobs,
                             .resume = invocation.matrix_resume,
                             .convtest_binary = own_program(),
                             .bin_dir = own_directory()},
                            stop);
}

}  // namespace

int main(int argc, char** argv, const CatalogFactory& make_catalog) {
  std::vector<std::string> arguments(argv + 1, argv + argc);
  auto parsed = parse_arguments(arguments);
  if (!parsed) {
    const UsageError& error = parsed.error();
    fmt::print(error.help ? stdout : stderr, "{}{}", error.help ? "" : "convtest: ", error.message);
    if (!error.message.empty() && error.message.back() != '\n') fmt::print(error.help ? stdout : stderr, "\n");
    return error.help ? kExitOk : kExitUsage;
  }
  const Invocation& invocation = parsed.value();
  const Registry registry = make_catalog(invocation.pairwise_seed);
  if (!registry.problems().empty()) {
    fmt::print(stderr, "convtest: the catalog is broken (harness error):\n");
    for (const auto& problem : registry.problems()) fmt::print(stderr, "  {}\n", problem);
    return kExitUsage;
  }
  switch (invocation.command) {
    case Command::Version:
      fmt::print("convtest {}\ncatalog version {}, sha256 {} ({} cases, {} instances)\n", CONVTEST_VERSION,
                 registry.version(), registry.catalog_hash(), registry.case_count(), registry.cases().size());
      return kExitOk;
    case Command::List: return list_catalog(invocation, registry);
    case Command::Report: return render_report(invocation.report_input, *invocation.html, registry.requirements());
    case Command::Run: return run_catalog(invocation, registry);
    case Command::Compare: return run_compare(invocation);
    case Command::Matrix: return run_event_matrix(invocation);
    case Command::Fuzz: return run_fuzz(invocation, own_directory(), command_line(invocation));
    case Command::Replay: return run_replay(invocation, own_directory());
  }
  return kExitUsage;
}

}  // namespace convtest::harness::cli
