#include "harness/matrix/matrix_run.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include "harness/cli/cli.hpp"
#include "harness/lab/netns.hpp"
#include "harness/process/subprocess.hpp"
#include "reports/html_report.hpp"
#include "reports/json_report.hpp"
#include "reports/matrix.hpp"
#include "units.hpp"

namespace convtest::harness::matrix {
namespace {

using nlohmann::json;
using reports::Verdict;
namespace fs = std::filesystem;
using std::chrono::steady_clock;

using cli::kExitEnvironment;
using cli::kExitFailed;
using cli::kExitOk;
using cli::kExitUsage;

// One progress line per finished unit on stderr; lines never interleave.
class Progress {
 public:
  explicit Progress(std::size_t total) : total_(total) {}
  void line(const std::string& text) {
    const std::lock_guard lock(mutex_);
    fmt::print(stderr, "matrix: [{}/{}] {}\n", ++done_, total_, text);
  }

 private:
  std::mutex mutex_;
  std::size_t done_ = 0;
  std::size_t total_;
};

struct Finished {
  json unit;                 // the unit file's content
  bool kept = false;         // --resume found it complete
  bool interrupted = false;  // stopped or never started because of Ctrl-C
};

constexpr const char* kNotRunText = "not run: the matrix was interrupted (Ctrl-C); --resume runs it";
constexpr const char* kInterruptedCellText =
    "interrupted (Ctrl-C) while running: its verdict is not kept; --resume runs it again";

double seconds_since(steady_clock::time_point start) {
  return std::chrono::duration<double>(steady_clock::now() - start).count();
}

// How often a waiting catalog run looks at the stop flag, and how long an
// interrupted one may take to write its report.
constexpr std::chrono::milliseconds kStopCheck{200};
constexpr std::chrono::milliseconds kInterruptedRunGrace{10000};

std::string reset_folder(const fs::path& folder) {
  std::error_code error;
  fs::remove_all(folder, error);
  if (!error) fs::create_directories(folder, error);
  return error ? fmt::format("cannot prepare {}: {}", folder.string(), error.message()) : std::string();
}

json unit_header(const char* kind, const std::string& fingerprint, double seconds) {
  return {{"format", "convtest-matrix-unit"},
          {"version", kUnitFormatVersion},
          {"kind", kind},
          {"fingerprint", fingerprint},
          {"duration_s", seconds},
          {"finished", reports::iso8601_utc(std::chrono::system_clock::now())}};
}

// "3 cases: PASS 2, FAIL 1" from a run's report; "" when it does not read.
std::string report_counts(const fs::path& report_path) {
  const auto file = reports::read_json_file(report_path);
  if (!file.error.empty()) return {};
  const auto parsed = reports::from_json(file.document);
  if (!parsed.error.empty()) return {};
  std::string text = fmt::format("{} cases:", parsed.report.results.size());
  for (const auto& [verdict, count] : parsed.report.counts())
    if (count > 0) text += fmt::format(" {} {}", reports::name(verdict), count);
  return text;
}

// Waits for a catalog run within `limit`; on `stop` the child gets SIGINT
// (it ends its cases and writes its report) and a little time for it.
std::optional<process::ExitStatus> wait_for_run(process::Subprocess& child, std::chrono::milliseconds limit,
                                                const StopFlag& stop) {
  const auto until = steady_clock::now() + limit;
  while (!stop.requested()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - steady_clock::now());
    if (left <= std::chrono::milliseconds(0)) return std::nullopt;
    if (auto status = child.wait_for(std::min(left, kStopCheck))) return status;
  }
  child.signal(SIGINT);
  return child.wait_for(kInterruptedRunGrace);
}

json execute_run(const RunUnit& unit, const Event& event, const MatrixOptions& options, unsigned child_jobs,
                 const StopFlag& stop) {
  const auto started = steady_clock::now();
  json file = unit_header("run", unit.fingerprint, 0);
  file.update({{"id", unit.id},
               {"role", unit.role},
               {"report", "report.json"},
               {"page", "report.html"},
               {"junit", "junit.xml"},
               {"log", "convtest.log"}});
  auto fail = [&](const std::string& problem) {
    file["problem"] = problem;
    file["exit_code"] = kExitEnvironment;
    file["duration_s"] = seconds_since(started);
    return file;
  };
  if (auto problem = reset_folder(unit.folder); !problem.empty()) return fail(problem);
  if (auto problem = reports::write_file_atomically(unit.folder / "description.json", unit.description.dump(2) + "\n");
      !problem.empty())
    return fail(problem);
  process::SpawnOptions spawn;
  spawn.argv = {options.convtest_binary.string(), "run", "--jobs", std::to_string(child_jobs)};
  spawn.argv.insert(spawn.argv.end(), unit.arguments.begin(), unit.arguments.end());
  spawn.stdout_to = process::Stream::file(unit.folder / "convtest.log");
  spawn.stderr_to = process::Stream::same_as_stdout();
  spawn.own_process_group = true;
  auto child = process::Subprocess::spawn(spawn);
  if (!child) return fail(child.error());
  const auto limit = std::chrono::milliseconds(static_cast<std::int64_t>(event.run_seconds * 1000 * event.time_scale));
  auto status = wait_for_run(*child, limit, stop);
  if (stop.requested()) {
    if (!status) child->stop(std::chrono::seconds(1));
    return fail("interrupted (Ctrl-C) while running; --resume runs it again");
  }
  if (!status) {
    child->stop(std::chrono::seconds(5));
    return fail(fmt::format("the run was stopped after {:.0f} s (the event's run_seconds)", event.run_seconds));
  }
  file["exit_code"] = status->shell_code();
  file["duration_s"] = seconds_since(started);
  if (!fs::exists(unit.folder / "report.json"))
    file["problem"] = fmt::format("convtest run {} without a report; see convtest.log", status->to_string());
  return file;
}

json execute_cell(const CellUnit& unit) {
  json file = unit_header("pair", unit.fingerprint, 0);
  const PairCellSpec& spec = unit.spec;
  file.update({{"id", unit.id},
               {"client", spec.client_id},
               {"converter", spec.converter_id},
               {"family", name(spec.family)},
               {"transport", name(spec.transport)},
               {"profile", spec.profile.name},
               {"request_bytes", spec.request_bytes}});
  PairCellOutcome outcome{Verdict::Skip, unit.skip_reason, {}};
  if (auto problem = reset_folder(spec.folder); !problem.empty())
    outcome = {Verdict::Error, problem, {}};
  else if (unit.skip_reason.empty())
    outcome = run_pair_cell(spec);
  reports::CaseResult result;
  result.id = unit.id;
  result.case_id = unit.case_id;
  result.verdict = outcome.verdict;
  for (const auto* expectations : unit.expectations) {
    if (reports::find_expectation(*expectations, result) == nullptr) continue;
    reports::apply_expectation(*expectations, result);
    break;
  }
  file["verdict"] = reports::name(result.verdict);
  file["observed"] = outcome.observed;
  file["duration_s"] = std::chrono::duration<double>(outcome.duration).count();
  if (result.expectation)
    file["expectation"] = {{"pattern", result.expectation->pattern},
                           {"verdict", reports::name(result.expectation->expected)},
                           {"why", result.expectation->why},
                           {"own_verdict", reports::name(result.expectation->original)}};
  return file;
}

std::string cell_line(const CellUnit& unit, const json& file, bool kept) {
  return fmt::format("pair {} -> {} {}: {}{}", unit.spec.client_id, unit.spec.converter_id, unit.variant,
                     file.value("verdict", "?"),
                     kept ? " (kept)" : fmt::format(" ({:.1f} s)", file.value("duration_s", 0.0)));
}

std::string run_line(const RunUnit& unit, const json& file, bool kept) {
  std::string text = fmt::format("run {} ({}): exit {}", unit.id, unit.role, file.value("exit_code", -1));
  if (const auto counts = report_counts(unit.folder / "report.json"); !counts.empty()) text += ", " + counts;
  if (file.contains("problem")) text += ", " + file.value("problem", "");
  return text + (kept ? " (kept)" : fmt::format(" ({:.1f} s)", file.value("duration_s", 0.0)));
}

// Runs every unit on `jobs` workers: catalog runs first (the long ones),
// then the pair cells. A unit's file is its last write.
class Scheduler {
 public:
  Scheduler(const Plan& plan, const Event& event, const MatrixOptions& options, unsigned jobs, const StopFlag& stop)
      : plan_(plan),
        event_(event),
        options_(options),
        stop_(stop),
        jobs_(jobs),
        progress_(plan.runs.size() + plan.cells.size()),
        runs_(plan.runs.size()),
        cells_(plan.cells.size()) {
    for (const auto& unit : plan.runs)
      for (const auto& shared : unit.exclusive) exclusive_[shared];
    for (const auto& unit : plan.cells)
      for (const auto& shared : unit.exclusive) exclusive_[shared];
  }

  void run() {
    std::vector<std::thread> workers;
    for (unsigned i = 0; i < jobs_; ++i) workers.emplace_back([this] { work(); });
    for (auto& worker : workers) worker.join();
  }
  const std::vector<Finished>& runs() const { return runs_; }
  const std::vector<Finished>& cells() const { return cells_; }

 private:
  void work() {
    for (std::size_t index = next_.fetch_add(1); index < runs_.size() + cells_.size(); index = next_.fetch_add(1)) {
      if (stop_.requested())
        not_run(index);
      else if (index < runs_.size())
        do_run(index);
      else
        do_cell(index - runs_.size());
    }
  }
  // Left out by Ctrl-C: no unit file, so --resume runs it.
  void not_run(std::size_t index) {
    if (index < runs_.size()) {
      runs_[index] = {{{"problem", kNotRunText}, {"exit_code", kExitEnvironment}}, false, true};
      return;
    }
    cells_[index - runs_.size()] = {{{"verdict", "INCONCLUSIVE"}, {"observed", kNotRunText}}, false, true};
  }
  void do_run(std::size_t index) {
    const RunUnit& unit = plan_.runs[index];
    const fs::path unit_file = unit.folder / "run.json";
    Finished& finished = runs_[index];
    if (auto kept = options_.resume ? finished_unit(unit_file, unit.fingerprint) : std::nullopt) {
      finished = {*kept, true};
    } else {
      const auto hold = exclusively(unit.exclusive);
      if (stop_.requested()) return not_run(index);  // Ctrl-C came while it waited for the lock
      // Catalog runs are parallel themselves: together they keep to what
      // one run alone would use (six instances per core).
      const unsigned cores = std::max(1U, std::thread::hardware_concurrency());
      finished = {execute_run(unit, event_, options_, std::max(1U, 6 * cores / jobs_), stop_), false,
                  stop_.requested()};
      write_unit(unit_file, finished.unit);
    }
    progress_.line(run_line(unit, finished.unit, finished.kept));
  }
  void do_cell(std::size_t index) {
    const CellUnit& unit = plan_.cells[index];
    const fs::path unit_file = unit.spec.folder / "cell.json";
    Finished& finished = cells_[index];
    if (auto kept = options_.resume ? finished_unit(unit_file, unit.fingerprint) : std::nullopt) {
      finished = {*kept, true};
    } else {
      const auto hold = exclusively(unit.exclusive);
      if (stop_.requested()) return not_run(runs_.size() + index);
      finished = {execute_cell(unit), false};
      // Ctrl-C reached the cell's processes too: its verdict is not kept.
      if (stop_.requested())
        finished = {{{"verdict", "INCONCLUSIVE"}, {"observed", kInterruptedCellText}}, false, true};
      else
        write_unit(unit_file, finished.unit);
    }
    progress_.line(cell_line(unit, finished.unit, finished.kept));
  }
  // Held while a unit runs on what other units share (units.hpp); taken in
  // the map's order, so two units that share two things cannot deadlock.
  std::vector<std::unique_lock<std::mutex>> exclusively(const std::vector<std::string>& shared) {
    std::vector<std::unique_lock<std::mutex>> held;
    for (auto& [placement, mutex] : exclusive_)
      if (std::find(shared.begin(), shared.end(), placement) != shared.end()) held.emplace_back(mutex);
    return held;
  }
  static void write_unit(const fs::path& path, const json& unit) {
    if (auto problem = reports::write_file_atomically(path, unit.dump(2) + "\n"); !problem.empty())
      fmt::print(stderr, "convtest matrix: {}\n", problem);
  }

  const Plan& plan_;
  const Event& event_;
  const MatrixOptions& options_;
  const StopFlag& stop_;
  unsigned jobs_;
  Progress progress_;
  std::atomic<std::size_t> next_{0};
  std::vector<Finished> runs_;
  std::vector<Finished> cells_;
  std::map<std::string, std::mutex> exclusive_;  // filled before the workers start
};

bool passed(const Finished& run) { return run.unit.value("exit_code", -1) == 0 && !run.unit.contains("problem"); }

bool passed_cell(const Finished& cell) {
  const auto verdict = reports::parse_verdict(cell.unit.value("verdict", ""));
  return verdict && *verdict != Verdict::Fail && *verdict != Verdict::Error && *verdict != Verdict::Inconclusive;
}

std::string link_from(const fs::path& path, const fs::path& out) { return fs::relative(path, out).generic_string(); }

reports::MatrixRun matrix_run(const RunUnit& unit, const Finished& finished, const fs::path& out) {
  reports::MatrixRun run{.id = unit.id,
                         .report = json(),
                         .report_path = link_from(unit.folder / "report.json", out),
                         .page = link_from(unit.folder / "report.html", out)};
  const auto report = reports::read_json_file(unit.folder / "report.json");
  if (report.error.empty() && !finished.unit.contains("problem")) {
    run.report = report.document;
  } else {
    run.problem = finished.unit.value("problem", report.error);
    run.name = unit.id;
    run.role = unit.role;
    run.page = std::nullopt;
  }
  return run;
}

reports::MatrixPair matrix_pair(const CellUnit& unit, const Finished& finished, const fs::path& out) {
  const std::string folder = link_from(unit.spec.folder, out) + "/";
  return {.client = unit.spec.client_id,
          .converter = unit.spec.converter_id,
          .verdict = reports::parse_verdict(finished.unit.value("verdict", "")).value_or(Verdict::Error),
          .page = folder,
          .report = folder + "cell.json",
          .counts = std::nullopt,
          .family = std::string(name(unit.spec.family)),
          .transport = std::string(name(unit.spec.transport)),
          .profile = unit.spec.profile.name,
          .observed = finished.unit.value("observed", ""),
          .folder = folder};
}

std::size_t kept_count(const std::vector<Finished>& units) {
  return static_cast<std::size_t>(std::count_if(units.begin(), units.end(), [](const Finished& f) { return f.kept; }));
}

// DIR/matrix.json and DIR/index.html; the exit code.
int write_matrix(const Plan& plan, const Scheduler& done, const Event& event, const MatrixOptions& options) {
  std::vector<reports::MatrixRun> runs;
  for (std::size_t i = 0; i < plan.runs.size(); ++i)
    runs.push_back(matrix_run(plan.runs[i], done.runs()[i], options.out));
  std::vector<reports::MatrixPair> pairs;
  for (std::size_t i = 0; i < plan.cells.size(); ++i)
    pairs.push_back(matrix_pair(plan.cells[i], done.cells()[i], options.out));
  const bool all_passed = std::all_of(done.runs().begin(), done.runs().end(), passed) &&
                          std::all_of(done.cells().begin(), done.cells().end(), passed_cell);
  const auto was_interrupted = [](const Finished& f) { return f.interrupted; };
  const bool interrupted = std::any_of(done.runs().begin(), done.runs().end(), was_interrupted) ||
                           std::any_of(done.cells().begin(), done.cells().end(), was_interrupted);
  const int exit_code = interrupted ? kExitEnvironment : all_passed ? kExitOk : kExitFailed;
  auto matrix = reports::matrix_from_reports(event.title, runs, pairs);
  if (!matrix.error.empty()) {
    fmt::print(stderr, "convtest matrix: {}\n", matrix.error);
    return kExitUsage;
  }
  matrix.document["event"] = {{"source", options.event.string()},
                              {"exit_code", exit_code},
                              {"interrupted", interrupted},
                              {"runs_kept", kept_count(done.runs())},
                              {"cells_kept", kept_count(done.cells())}};
  std::string problem = reports::write_file_atomically(options.out / "matrix.json", matrix.document.dump(2) + "\n");
  const auto page = reports::render_matrix_html(matrix.document);
  if (problem.empty()) problem = page.error;
  if (problem.empty()) problem = reports::write_file_atomically(options.out / "index.html", page.html);
  if (!problem.empty()) {
    fmt::print(stderr, "convtest matrix: {}\n", problem);
    return kExitUsage;
  }
  fmt::print(
      "matrix: {} runs ({} did not pass), {} pair cells ({} did not pass); {} runs and {} cells kept\n", runs.size(),
      std::count_if(done.runs().begin(), done.runs().end(), [](const Finished& f) { return !passed(f); }), pairs.size(),
      std::count_if(done.cells().begin(), done.cells().end(), [](const Finished& f) { return !passed_cell(f); }),
      kept_count(done.runs()), kept_count(done.cells()));
  if (interrupted)
    fmt::print("matrix: interrupted: {} units did not finish (marked in matrix.json); --resume runs them\n",
               std::count_if(done.runs().begin(), done.runs().end(), was_interrupted) +
                   std::count_if(done.cells().begin(), done.cells().end(), was_interrupted));
  fmt::print("matrix.json: {}\nindex.html: {}\n", (options.out / "matrix.json").string(),
             (options.out / "index.html").string());
  return exit_code;
}

// The output folder exists (its parent must) and takes files.
std::string output_problem(const fs::path& out) {
  std::error_code error;
  if (!fs::exists(out, error)) {
    if (!fs::is_directory(out.parent_path(), error))
      return fmt::format("--out: the folder {} does not exist (create it first)", out.parent_path().string());
    fs::create_directory(out, error);
    if (error) return fmt::format("--out: cannot create {}: {}", out.string(), error.message());
  }
  if (!fs::is_directory(out, error)) return fmt::format("--out: {} is not a folder", out.string());
  const fs::path probe = out / fmt::format(".convtest-write-test-{}", ::getpid());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return fmt::format("--out: cannot write in {}: {}", out.string(), std::strerror(errno));
  ::close(fd);
  ::unlink(probe.c_str());
  return {};
}

}  // namespace

int run_matrix(const MatrixOptions& given, const StopFlag& stop) {
  MatrixOptions options = given;
  auto event = load_event(options.event);
  if (!event) {
    fmt::print(stderr, "convtest matrix: {}\n", event.error());
    return kExitUsage;
  }
  options.out = fs::absolute(options.out).lexically_normal();
  if (!options.out.has_filename()) options.out = options.out.parent_path();
  if (auto problem = output_problem(options.out); !problem.empty()) {
    fmt::print(stderr, "convtest matrix: {}\n", problem);
    return kExitUsage;
  }
  // Every unit needs namespaces: find out now, once, in one line.
  if (auto probe = Netns::create(); !probe) {
    fmt::print(stderr, "convtest matrix: environment: {}\n", probe.error());
    return kExitEnvironment;
  }
  auto plan = plan_units(event.value(), options.out, options.bin_dir);
  if (!plan) {
    fmt::print(stderr, "convtest matrix: {}\n", plan.error());
    return kExitUsage;
  }
  const unsigned jobs = options.jobs != 0 ? options.jobs : std::max(1U, std::thread::hardware_concurrency());
  fmt::print(stderr, "matrix: {} catalog runs and {} pair cells, {} at a time{}\n", plan.value().runs.size(),
             plan.value().cells.size(), jobs, options.resume ? ", keeping finished ones" : "");
  Scheduler scheduler(plan.value(), event.value(), options, jobs, stop);
  scheduler.run();
  return write_matrix(plan.value(), scheduler, event.value(), options);
}

}  // namespace convtest::harness::matrix
