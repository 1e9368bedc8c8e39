#include <fmt/format.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <cmath>

#include "harness/cli/cli.hpp"
#include "harness/fuzz/campaign.hpp"
#include "harness/put/put_fields.hpp"

namespace convtest::harness::cli {
namespace {

// What CLI11 fills for one field of the PUT description.
struct PutFlagSlot {
  std::string value;              // a field with one value
  std::vector<std::string> list;  // a list field: every value of every occurrence
  bool on = false;                // a switch
  CLI::Option* option = nullptr;
};

struct PutFlags {
  std::string file;
  std::vector<PutFlagSlot> slots = std::vector<PutFlagSlot>(put_fields().size());  // by field; never resized
};

struct FilterWords {
  std::vector<std::string> cases;  // split after parsing: an instance id has commas
  std::vector<std::string> excludes;
  std::vector<std::string> dimensions;
};

void add_filters(CLI::App& command, Selection& selection, FilterWords& words) {
  command.add_option("-c,--case", words.cases, "case id glob or instance id (repeatable, comma-separated)")
      ->group("Selection");
  command
      .add_option("--dim", words.dimensions,
                  "only instances with these values: family=v4|v6|v6-to-v4|v4-to-v6, transport=tcp|mptcp|mptcp-csum, "
                  "delivery=syn|split|late, tfo=no-tfo|tfo-request|tfo-bogus (repeatable; values comma-separated)")
      ->type_name("DIM=VALUE")
      ->group("Selection");
  command.add_option("-r,--requirement", selection.requirements, "requirement id glob: CONV-045, CONV-0[0-9]*, AMB-06")
      ->delimiter(',')
      ->group("Selection");
  command.add_option("-s,--section", selection.sections, "RFC 8803 section; 6.2 also selects 6.2.x")
      ->delimiter(',')
      ->group("Selection");
  command.add_option("-l,--level", selection.levels, "MUST, SHOULD, MAY or behaviour")
      ->delimiter(',')
      ->group("Selection");
  command.add_option("-t,--tag", selection.tags, "tag glob: ipv6, middlebox, mptcp, error ...")
      ->delimiter(',')
      ->group("Selection");
  command.add_option("-x,--exclude", words.excludes, "drop cases whose id, requirement, section or tag matches")
      ->group("Selection");
}

// The words of --case, --exclude and --dim into the selection; a usage error's text.
std::optional<std::string> take_filter_words(const FilterWords& words, Selection& selection) {
  selection.cases = split_case_patterns(words.cases);
  selection.excludes = split_case_patterns(words.excludes);
  for (const auto& text : words.dimensions) {
    DimensionFilter filter;
    if (auto problem = parse_dimension_filter(text, filter)) return problem;
    selection.dimensions.push_back(std::move(filter));
  }
  return std::nullopt;
}

void add_put_flags(CLI::App& command, PutFlags& flags) {
  const char* group = "Proxy under test";
  command.add_option("--put", flags.file, "PUT description file (JSON); flags below override it")
      ->type_name("FILE")
      ->group(group);
  const auto fields = put_fields();
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const PutField& field = fields[i];
    if (field.flag.empty()) continue;
    PutFlagSlot& slot = flags.slots[i];
    const std::string flag(field.flag);
    const std::string help = help_text(field);
    if (field.value_name.empty())
      slot.option = command.add_flag(flag, slot.on, help);
    else if (is_list(field))
      slot.option = command.add_option(flag, slot.list, help)->delimiter(',');
    else
      slot.option = command.add_option(flag, slot.value, help);
    slot.option->type_name(std::string(field.value_name))->group(group);
  }
}

// The description from the file and the flags (flags win); `given`: any of them was used.
// `judged`: the PUT is the one judged (the converter role); in the client
// role the file may hold only the client.
packetgen::Result<PutDescription, std::string> build_put(const PutFlags& flags, bool& given, bool judged) {
  std::optional<PutDescription> from_file;
  if (!flags.file.empty()) {
    auto loaded = load_put_file(flags.file);
    if (!loaded) return packetgen::failure(loaded.error());
    from_file = std::move(loaded.value());
  }
  std::vector<GivenFlag> given_flags;
  const auto fields = put_fields();
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const PutFlagSlot& slot = flags.slots[i];
    if (slot.option == nullptr || slot.option->count() == 0) continue;
    if (fields[i].value_name.empty())
      given_flags.push_back({&fields[i], {}});
    else
      given_flags.push_back({&fields[i], is_list(fields[i]) ? slot.list : std::vector<std::string>{slot.value}});
  }
  given = from_file.has_value() || !given_flags.empty();
  auto put = with_flags(std::move(from_file), given_flags);
  if (!put) return put;
  if (auto problems = validate(put.value()); judged && !problems.empty())
    return packetgen::failure("PUT description: " + problems.front());
  return put;
}

std::optional<std::uint64_t> parse_seed(const std::string& text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Single-valued options keep their last value while parsing, so that
// repeated_option() can name a repetition in words instead of CLI11's
// "At Most 1 required but received 2".
void take_last_value(CLI::App& command) {
  for (CLI::Option* option : command.get_options())
    if (option->get_items_expected_max() <= 1) option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

std::optional<std::string> repeated_option(const CLI::App& command) {
  for (const CLI::Option* option : command.get_options())
    if (option->get_items_expected_max() == 1 && option->count() > 1)
      return fmt::format("{} is given {} times; give it once", option->get_name(), option->count());
  return std::nullopt;
}

// What CLI11 left over, in the order it was given (its own error message
// lists the words from the end).
std::optional<std::string> unexpected_words(const CLI::App& app) {
  const std::vector<std::string> left = app.remaining(true);
  if (left.empty()) return std::nullopt;
  return fmt::format(
      "unexpected arguments: {} (commands: run, list, report, compare, matrix, fuzz, replay; see convtest --help)",
      fmt::join(left, " "));
}

constexpr double kTimeScaleMin = 0.05;
constexpr double kTimeScaleMax = 100.0;

// A finite number in range: NaN would pass any range check and then fail
// the report's schema.
packetgen::Result<double, std::string> parse_time_scale(const std::string& text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  const bool huge = error == std::errc::result_out_of_range;
  const bool read = error == std::errc() && end == text.data() + text.size() && std::isfinite(value);
  if (!read && !huge) return packetgen::failure(fmt::format("\"{}\" is not a number", text));
  if (huge || value < kTimeScaleMin || value > kTimeScaleMax)
    return packetgen::failure(
        fmt::format("must be a number from {} to {}, not {}", kTimeScaleMin, kTimeScaleMax, text));
  return value;
}

bool starts_like_option(const std::string& word) { return !word.empty() && word[0] == '-'; }

struct ClientFlags {
  std::string role;
  std::string name;
  std::string spawn;
  std::vector<std::string> environment;
  std::string features;
};

void add_role_flag(CLI::App& command, std::string& role) {
  command.add_option("--role", role, "whom to judge: converter (default) or client")
      ->check(CLI::IsMember({"converter", "client"}))
      ->group("Selection");
}

void add_client_flags(CLI::App& command, ClientFlags& flags) {
  const char* group = "Client under test (--role client)";
  command.add_option("--client-name", flags.name, "name of the client in reports (default convclient)")->group(group);
  command
      .add_option("--client-spawn", flags.spawn,
                  "launch the client in each case's namespace: command template with {conv} {conv6} {conv_port} "
                  "{dest} {dest_port} {dest_url_host} {bin} (default: convclient)")
      ->type_name("TEMPLATE")
      ->group(group);
  command.add_option("--client-env", flags.environment, "NAME=VALUE for the client's environment (repeatable)")
      ->type_name("NAME=VALUE")
      ->group(group);
  command
      .add_option("--client-features", flags.features,
                  "optional behaviours the client offers: mptcp,info,cookie,extended-connect,ipv6,backoff or none")
      ->type_name("LIST")
      ->group(group);
}

// The client description from the flags; a usage error's text.
std::optional<std::string> take_client_flags(const ClientFlags& flags, Invocation& invocation) {
  const bool given =
      !flags.name.empty() || !flags.spawn.empty() || !flags.environment.empty() || !flags.features.empty();
  if (given && invocation.role != Role::Client) return std::string("the --client-* flags need --role client");
  ClientDescription& client = invocation.client;
  if (!flags.spawn.empty()) {
    // Another client: nothing of convclient's description carries over.
    client = ClientDescription{.name = "client", .spawn_template = flags.spawn, .environment = {}, .features = {}};
  }
  if (!flags.name.empty()) client.name = flags.name;
  for (const auto& entry : flags.environment) {
    if (auto problem = client_env_problem(entry)) return "--client-env: " + *problem;
    client.environment.push_back(entry);
  }
  if (!flags.features.empty()) {
    auto features = parse_client_features(flags.features);
    if (!features) return "--client-features: " + features.error();
    client.features = std::move(features.value());
  }
  return std::nullopt;
}

// The options `fuzz` and `replay` share with `run`: the PUT, the seed, the time scale.
struct FuzzWords {
  PutFlags put;
  std::string seed;
  std::string time_scale;
};

void add_fuzz_common(CLI::App& command, FuzzWords& words) {
  add_put_flags(command, words.put);
  command.add_option("--seed", words.seed, "seed for everything random (default: a fresh one, reported)");
  command.add_option("--time-scale", words.time_scale,
                     fmt::format("multiply every deadline, default 1 [{} to {}]", kTimeScaleMin, kTimeScaleMax));
}

void add_fuzz_flags(CLI::App& fuzz, FuzzInvocation& options, std::string& corpus, std::string& report) {
  fuzz.add_option("--budget", options.budget, "how long: a time (60s, 2m, 500ms) or a number of inputs (5000)")
      ->capture_default_str();
  fuzz.add_option("--in-flight", options.in_flight, "inputs in flight at once")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  fuzz.add_option("--probe-every", options.probe_every,
                  "a sanity probe among the inputs after this many (and after every mismatch)")
      ->check(CLI::Range(1, 100000000))
      ->capture_default_str();
  fuzz.add_option("--corpus", corpus, "folder of inputs kept between runs: read at start, grown with new coverage")
      ->type_name("DIR");
  fuzz.add_option("--out", options.out_dir, "minimized mismatches (JSON input, pcap) go here")
      ->type_name("DIR")
      ->capture_default_str();
  fuzz.add_option("--report", report, "JSON statistics (default OUT/report.json)")->type_name("FILE");
  fuzz.add_option("--max-saved", options.max_saved, "mismatches minimized and saved")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  fuzz.add_option("--stop-after", options.stop_after,
                  "end the campaign once this many mismatches are found (0: spend the whole budget)")
      ->type_name("N")
      ->check(CLI::Range(0, 1000000))
      ->capture_default_str();
}

// The fuzz and replay words into the invocation; a usage error's text.
std::optional<std::string> take_fuzz_words(const FuzzWords& words, Invocation& invocation) {
  auto put = build_put(words.put, invocation.put_given, true);
  if (!put) return put.error();
  invocation.put = std::move(put.value());
  if (!words.seed.empty()) {
    auto seed = parse_seed(words.seed);
    if (!seed) return std::string("--seed needs a non-negative integer");
    invocation.seed = *seed;
    invocation.seed_given = true;
  }
  if (!words.time_scale.empty()) {
    auto scale = parse_time_scale(words.time_scale);
    if (!scale) return "--time-scale: " + scale.error();
    invocation.time_scale = scale.value();
  }
  return std::nullopt;
}

}  // namespace

ParseResult parse_arguments(const std::vector<std::string>& arguments) {
  Invocation invocation;
  invocation.arguments = arguments;
  std::vector<std::string> words = arguments;
  const bool bare_version = words.size() == 1 && (words[0] == "--version" || words[0] == "-V");
  const bool bare_help = words.size() == 1 && (words[0] == "--help" || words[0] == "-h");
  if (!bare_version && !bare_help && (words.empty() || starts_like_option(words[0])))
    words.insert(words.begin(), "run");

  CLI::App app{"convtest: conformance and interoperability suite for RFC 8803 Transport Converters", "convtest"};
  app.require_subcommand(0, 1);
  bool version = false;
  app.add_flag("-V,--version", version, "print the version and exit");

  CLI::App* run = app.add_subcommand("run", "run the catalog against a PUT (the default command)");
  FilterWords filter_words;
  add_filters(*run, invocation.selection, filter_words);
  PutFlags put_flags;
  add_put_flags(*run, put_flags);
  ClientFlags client_flags;
  add_role_flag(*run, client_flags.role);
  add_client_flags(*run, client_flags);
  run->add_flag("--strict", invocation.strict,
                "SHOULD-level and keyword-free behaviour violations FAIL; strict AMB positions");
  run->add_option("-j,--jobs", invocation.jobs, "parallel instances (default: six per core)")
      ->check(CLI::Range(1, 1024));
  std::string seed_text;
  run->add_option("--seed", seed_text, "seed for everything random (default: a fresh one, reported)");
  std::string time_scale_text;
  run->add_option(
      "--time-scale", time_scale_text,
      fmt::format("multiply every deadline (slow or remote PUTs), default 1 [{} to {}]", kTimeScaleMin, kTimeScaleMax));
  std::string report;
  run->add_option("--report", report, "JSON report path (default out/report.json)");
  std::string junit;
  run->add_option("--junit", junit, "also write JUnit XML here");
  run->add_flag("--junit-warn-as-failure", invocation.junit_warn_as_failure,
                "in the JUnit file, a WARN is a <failure> (default: a passing case with a verdict property)");
  std::string html;
  run->add_option("--html", html, "also write a self-contained HTML page of the report here")->type_name("FILE");
  std::string pcap_dir;
  run->add_option("--pcap-dir", pcap_dir,
                  "keep every case's pcap here (default: only failing cases', in the artifacts folder)");
  std::string artifacts;
  run->add_option("--artifacts", artifacts,
                  "pcaps and PUT logs of failing cases go here (default: REPORT-NAME-artifacts beside the report)");
  std::string expect;
  run->add_option("--expect", expect,
                  "known deviations (JSON or lines 'CASE-OR-GLOB VERDICT WHY'): a matching deviation is XFAIL, a pass "
                  "XPASS");
  run->add_flag("--strict-expect", invocation.strict_expect, "an XPASS (expected deviation that passed) fails the run");
  run->add_flag("--keep-going", invocation.keep_going,
                "judge every case even when the PUT stops answering valid requests (default: the run stops after "
                "5 such cases in a row)");
  std::string progress = "auto";
  run->add_option("--progress", progress, "auto, line (live line), plain (one line per case) or none")
      ->check(CLI::IsMember({"auto", "line", "plain", "none"}));

  std::string pairwise_seed_text;
  auto add_pairwise_seed = [&pairwise_seed_text](CLI::App& command) {
    command.add_option("--pairwise-seed", pairwise_seed_text,
                       fmt::format("which instances a pairwise-expanded case has (default {})", kDefaultPairwiseSeed));
  };
  add_pairwise_seed(*run);

  CLI::App* list = app.add_subcommand("list", "list the catalog (or a selection of it)");
  add_pairwise_seed(*list);
  add_filters(*list, invocation.selection, filter_words);
  add_role_flag(*list, client_flags.role);
  std::string format = "text";
  list->add_option("-f,--format", format, "text, json or markdown")->check(CLI::IsMember({"text", "json", "markdown"}));
  list->add_flag("--requirements", invocation.list_requirements,
                 "list the requirement table instead: every CONV, CLI, AMB and REF id with the cases citing it");

  CLI::App* compare =
      app.add_subcommand("compare",
                         "compare two reports: regressions, fixes, new and removed cases (exit 1 on any "
                         "regression)");
  std::string base_report;
  std::string new_report;
  compare->add_option("base", base_report, "the earlier report (JSON)")->required();
  compare->add_option("new", new_report, "the later report (JSON)")->required();
  std::string compare_format = "text";
  compare->add_option("-f,--format", compare_format, "text, markdown or json")
      ->check(CLI::IsMember({"text", "markdown", "json"}));

  CLI::App* matrix = app.add_subcommand(
      "matrix",
      "an interop event: the catalogs against every converter and client of EVENT, every client through every "
      "converter end to end, DIR/matrix.json and DIR/index.html (docs/interop-event.md)");
  std::string matrix_event;
  std::string matrix_out;
  unsigned matrix_jobs = 0;
  matrix->add_option("event", matrix_event, "the event file (JSON, reports/schema/event-v1.schema.json)")
      ->required()
      ->type_name("EVENT.json");
  matrix->add_option("-o,--out", matrix_out, "the output folder (created when its parent exists)")
      ->required()
      ->type_name("DIR");
  matrix
      ->add_option("-j,--jobs", matrix_jobs,
                   "catalog runs and pair cells at a time (default: one per core); each catalog run gets six "
                   "instances per core divided by this")
      ->check(CLI::Range(1, 64));
  matrix->add_flag("--resume", invocation.matrix_resume,
                   "keep every run and pair cell whose result file in DIR is complete and whose inputs are "
                   "unchanged; run the others again");
  matrix->footer(
      "Under DIR: runs/ID/ (report.json, report.html, junit.xml, artifacts/, convtest.log, run.json) per "
      "converter and client,\npairs/CLIENT/CONVERTER/FAMILY-TRANSPORT-PROFILE/ (pair.pcap, client.* and "
      "converter.* output, server.log, cell.json) per pair cell,\nmatrix.json (reports/schema/matrix-v1.schema.json) "
      "and index.html. Progress lines go to stderr.\n"
      "Ctrl-C stops it gracefully: matrix.json marks what did not finish, and --resume runs exactly that.\n"
      "Exit: 0 every run and cell passed or matched its expectation file, 1 something did not, 2 an environment "
      "problem (no privilege for namespaces) or an interruption,\n3 a usage error (a bad event file or option, an "
      "unwritable DIR).");

  CLI::App* report_command =
      app.add_subcommand("report", "render a JSON report (or a matrix document) written earlier");
  bool html_format = false;
  report_command->add_flag("--html", html_format, "as a self-contained HTML page (the only format so far)");
  std::string report_input;
  report_command->add_option("report", report_input, "the JSON report or matrix document")->required();
  std::string html_out;
  report_command->add_option("-o,--out", html_out, "where the page goes (default: the report's path, .html)")
      ->type_name("FILE");

  CLI::App* fuzz = app.add_subcommand("fuzz", "generate and mutate Convert messages against a PUT, judge every answer");
  FuzzWords fuzz_words;
  add_fuzz_common(*fuzz, fuzz_words);
  std::string corpus;
  std::string fuzz_report;
  add_fuzz_flags(*fuzz, invocation.fuzz, corpus, fuzz_report);

  CLI::App* replay = app.add_subcommand("replay",
                                        "send a saved fuzz input to a PUT again: expected vs observed (exit 1 "
                                        "on a mismatch)");
  FuzzWords replay_words;
  add_fuzz_common(*replay, replay_words);
  std::string replay_input;
  replay->add_option("input", replay_input, "the input file (mismatch-N.json, or a corpus file)")->required();
  std::string replay_pcap;
  replay->add_option("--pcap", replay_pcap, "capture the replay here")->type_name("FILE");

  for (CLI::App* command : {&app, run, list, matrix, fuzz, replay}) {
    take_last_value(*command);
    command->allow_extras();
  }
  try {
    std::vector<std::string> reversed(words.rbegin(), words.rend());  // CLI11 reads a vector from its end
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    return packetgen::failure(UsageError{app.help(), true});
  } catch (const CLI::ParseError& error) {
    std::string message = error.what();
    if (*run) message += "\nsee: convtest run --help";
    return packetgen::failure(UsageError{message, false});
  }
  if (auto problem = unexpected_words(app)) return packetgen::failure(UsageError{*problem, false});
  for (CLI::App* command : {&app, run, list, matrix, fuzz, replay})
    if (auto problem = repeated_option(*command)) return packetgen::failure(UsageError{*problem, false});
  if (auto problem = take_filter_words(filter_words, invocation.selection))
    return packetgen::failure(UsageError{*problem, false});
  if (!pairwise_seed_text.empty()) {
    auto pairwise_seed = parse_seed(pairwise_seed_text);
    if (!pairwise_seed) return packetgen::failure(UsageError{"--pairwise-seed needs a non-negative integer", false});
    invocation.pairwise_seed = *pairwise_seed;
  }
  if (version) {
    invocation.command = Command::Version;
    return invocation;
  }
  if (*matrix) {
    invocation.command = Command::Matrix;
    invocation.matrix_event = matrix_event;
    invocation.matrix_out = matrix_out;
    invocation.jobs = matrix_jobs;
    return invocation;
  }
  if (*compare) {
    invocation.command = Command::Compare;
    invocation.compare_base = base_report;
    invocation.compare_new = new_report;
    invocation.compare_format = compare_format == "json"       ? CompareFormat::Json
                                : compare_format == "markdown" ? CompareFormat::Markdown
                                                               : CompareFormat::Text;
    return invocation;
  }
  if (*fuzz || *replay) {
    invocation.command = *fuzz ? Command::Fuzz : Command::Replay;
    if (auto problem = take_fuzz_words(*fuzz ? fuzz_words : replay_words, invocation))
      return packetgen::failure(UsageError{*problem, false});
    if (*fuzz && !fuzz::parse_budget(invocation.fuzz.budget))
      return packetgen::failure(
          UsageError{fmt::format("--budget: \"{}\" is neither a time (60s, 2m, 500ms) nor a number of inputs",
                                 invocation.fuzz.budget),
                     false});
    if (!corpus.empty()) invocation.fuzz.corpus = corpus;
    if (!fuzz_report.empty()) invocation.fuzz.report = fuzz_report;
    invocation.fuzz.replay_input = replay_input;
    if (!replay_pcap.empty()) invocation.fuzz.pcap = replay_pcap;
    return invocation;
  }
  if (!client_flags.role.empty()) invocation.role = *parse_role(client_flags.role);
  if (*report_command) {
    if (!html_format) return packetgen::failure(UsageError{"report: choose a format: --html", false});
    invocation.command = Command::Report;
    invocation.report_input = report_input;
    invocation.html = html_out.empty() ? std::filesystem::path(report_input).replace_extension(".html")
                                       : std::filesystem::path(html_out);
    return invocation;
  }
  if (*list) {
    invocation.command = Command::List;
    // A bare `list` shows both catalogs; --role one of them.
    if (!client_flags.role.empty()) invocation.selection.role = invocation.role;
    invocation.list_format = format == "json"       ? ListFormat::Json
                             : format == "markdown" ? ListFormat::Markdown
                                                    : ListFormat::Text;
  } else {
    invocation.command = Command::Run;
    invocation.selection.role = invocation.role;
    auto put = build_put(put_flags, invocation.put_given, invocation.role == Role::Converter);
    if (!put) return packetgen::failure(UsageError{put.error(), false});
    invocation.put = std::move(put.value());
    if (invocation.put.client) invocation.client = *invocation.put.client;
    if (auto problem = take_client_flags(client_flags, invocation))
      return packetgen::failure(UsageError{*problem, false});
    if (!seed_text.empty()) {
      auto seed = parse_seed(seed_text);
      if (!seed) return packetgen::failure(UsageError{"--seed needs a non-negative integer", false});
      invocation.seed = *seed;
      invocation.seed_given = true;
    }
    if (!time_scale_text.empty()) {
      auto scale = parse_time_scale(time_scale_text);
      if (!scale) return packetgen::failure(UsageError{"--time-scale: " + scale.error(), false});
      invocation.time_scale = scale.value();
    }
    if (!report.empty()) invocation.report = report;
    if (!junit.empty()) invocation.junit = junit;
    if (!html.empty()) invocation.html = html;
    if (!pcap_dir.empty()) invocation.pcap_dir = pcap_dir;
    if (!artifacts.empty()) invocation.artifacts = artifacts;
    if (!expect.empty()) invocation.expect = expect;
    if (invocation.strict_expect && !invocation.expect)
      return packetgen::failure(UsageError{"--strict-expect needs --expect FILE", false});
    invocation.progress = progress == "line"    ? ProgressStyle::Line
                          : progress == "plain" ? ProgressStyle::Plain
                          : progress == "none"  ? ProgressStyle::None
                                                : ProgressStyle::Auto;
  }
  if (auto problems = selection_problems(invocation.selection); !problems.empty())
    return packetgen::failure(UsageError{problems.front(), false});
  return invocation;
}

std::vector<std::string> repro_words(const Invocation& invocation, std::uint64_t seed) {
  std::vector<std::string> words{"convtest", "run"};
  if (invocation.role == Role::Client) {
    const ClientDescription& client = invocation.client;
    words.insert(
        words.end(),
        {"--role", "client", "--client-spawn", client.spawn_template, "--client-name", client.name, "--client-features",
         client.features.empty() ? "none" : fmt::format("{}", fmt::join(client.feature_names(), ","))});
    for (const auto& entry : client.environment) words.insert(words.end(), {"--client-env", entry});
    const PutDescription& box = invocation.put;
    if (box.mode == PutMode::Remote)
      words.insert(words.end(), {"--remote", "--iface", box.iface, "--put-addr", box.address4, "--put-addr6",
                                 box.address6.empty() ? std::string("none") : box.address6});
  } else {
    for (auto& flag : to_flags(invocation.put)) words.push_back(std::move(flag));
  }
  words.insert(words.end(), {"--seed", std::to_string(seed)});
  if (invocation.pairwise_seed != kDefaultPairwiseSeed)
    words.insert(words.end(), {"--pairwise-seed", std::to_string(invocation.pairwise_seed)});
  if (invocation.strict) words.emplace_back("--strict");
  if (invocation.time_scale != 1.0)
    words.insert(words.end(), {"--time-scale", fmt::format("{}", invocation.time_scale)});
  return words;
}

}  // namespace convtest::harness::cli
