#include <algorithm>
#include <charconv>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "harness/cli/cli.hpp"

namespace convtest::harness::cli {
namespace {

// Raw PUT flags; applied over the description after parsing.
struct PutFlags {
  std::string file;
  std::string name;
  std::string spawn;
  std::string netns;
  bool remote = false;
  std::string iface;
  std::string address4;
  std::string address6;
  int port = 0;
  std::vector<std::string> features;
  std::vector<std::string> acl_denied;
  std::vector<std::string> cookie_clients;
  int session_limit = -1;
  int cookie_max_age = -1;
  double startup_seconds = -1;
  std::string image_digest;
};

void add_filters(CLI::App& command, Selection& selection) {
  command.add_option("-c,--case", selection.cases, "case id glob (repeatable, comma-separated)")
      ->delimiter(',')->group("Selection");
  command.add_option("-r,--requirement", selection.requirements,
                     "requirement id glob: CONV-045, CONV-0[0-9]*, AMB-06")
      ->delimiter(',')->group("Selection");
  command.add_option("-s,--section", selection.sections,
                     "RFC 8803 section; 6.2 also selects 6.2.x")
      ->delimiter(',')->group("Selection");
  command.add_option("-l,--level", selection.levels, "MUST, SHOULD, MAY or behaviour")
      ->delimiter(',')->group("Selection");
  command.add_option("-t,--tag", selection.tags, "tag glob: ipv6, middlebox, mptcp, error ...")
      ->delimiter(',')->group("Selection");
  command.add_option("-x,--exclude", selection.excludes,
                     "drop cases whose id, requirement, section or tag matches")
      ->delimiter(',')->group("Selection");
}

void add_put_flags(CLI::App& command, PutFlags& flags) {
  const char* group = "Proxy under test";
  command.add_option("--put", flags.file, "PUT description file (JSON); flags below override it")
      ->group(group);
  command.add_option("--put-name", flags.name, "name of the PUT in reports")->group(group);
  command.add_option("--spawn", flags.spawn,
                     "launch the PUT in each case's namespace: command template with "
                     "{addr} {addr6} {port} {bin}")
      ->group(group);
  command.add_option("--netns", flags.netns, "join the namespace of a running PUT (/proc/PID/ns/net)")
      ->group(group);
  command.add_flag("--remote", flags.remote, "the PUT is on another box, reached at L2 (--iface)")
      ->group(group);
  command.add_option("--iface", flags.iface, "interface towards a remote PUT")->group(group);
  command.add_option("--put-addr", flags.address4, "PUT IPv4 address (default 192.0.2.1)")->group(group);
  command.add_option("--put-addr6", flags.address6,
                     "PUT IPv6 address (default 2001:db8:1::1; 'none': no IPv6)")
      ->group(group);
  command.add_option("--put-port", flags.port, "Convert port of the PUT (default 5124)")
      ->check(CLI::Range(1, 65535))->group(group);
  command.add_option("--features", flags.features,
                     "optional features the PUT offers: mptcp,cookie,info,ipv6,tfo,acl,limit or none")
      ->delimiter(',')->group(group);
  command.add_option("--acl-denied", flags.acl_denied, "a client address the PUT's ACL refuses")
      ->delimiter(',')->group(group);
  command.add_option("--cookie-clients", flags.cookie_clients,
                     "a client address from which the PUT requires a cookie (default with feature cookie: every "
                     "client)")
      ->delimiter(',')->group(group);
  command.add_option("--session-limit", flags.session_limit, "the PUT's session limit")
      ->check(CLI::Range(1, 1000000))->group(group);
  command.add_option("--cookie-max-age", flags.cookie_max_age,
                     "the longest time, in seconds, a cookie issued by the PUT stays valid")
      ->check(CLI::Range(1, 3600))->group(group);
  command.add_option("--startup-seconds", flags.startup_seconds,
                     "how long the PUT may take to start listening (default 2)")
      ->check(CLI::Range(0.0, 60.0))->group(group);
  command.add_option("--image-digest", flags.image_digest, "container image digest, for provenance")
      ->group(group);
}

// Applies the PUT flags; switching to another target drops convproxy's features.
packetgen::Result<PutDescription, std::string> build_put(const PutFlags& flags, bool& given) {
  PutDescription put = default_convproxy();
  given = false;
  if (!flags.file.empty()) {
    auto loaded = load_put_file(flags.file);
    if (!loaded) return packetgen::failure(loaded.error());
    put = std::move(loaded.value());
    given = true;
  }
  const int targets = (!flags.spawn.empty() ? 1 : 0) + (!flags.netns.empty() ? 1 : 0) + (flags.remote ? 1 : 0);
  if (targets > 1)
    return packetgen::failure(std::string("--spawn, --netns and --remote exclude each other"));
  if (targets == 1 && flags.file.empty()) {
    put.name = "put";
    put.features.clear();
    put.acl_denied.clear();
    put.cookie_clients.clear();
    put.session_limit.reset();
    put.cookie_max_age.reset();
  }
  if (!flags.spawn.empty()) put.mode = PutMode::Spawn, put.spawn_template = flags.spawn;
  if (!flags.netns.empty()) put.mode = PutMode::Netns, put.netns_path = flags.netns;
  if (flags.remote) put.mode = PutMode::Remote;
  if (!flags.iface.empty()) put.iface = flags.iface;
  if (!flags.name.empty()) put.name = flags.name;
  if (!flags.address4.empty()) put.address4 = flags.address4;
  if (!flags.address6.empty()) put.address6 = flags.address6 == "none" ? "" : flags.address6;
  if (flags.port != 0) put.port = static_cast<std::uint16_t>(flags.port);
  if (!flags.features.empty()) {
    put.features.clear();
    for (const auto& feature : flags.features) {
      if (feature == "none") continue;
      auto parsed = parse_feature(feature);
      if (!parsed) return packetgen::failure(fmt::format("unknown feature \"{}\"", feature));
      put.features.insert(*parsed);
    }
  }
  if (!flags.acl_denied.empty()) put.acl_denied = flags.acl_denied;
  if (!flags.cookie_clients.empty()) put.cookie_clients = flags.cookie_clients;
  if (flags.session_limit > 0) put.session_limit = static_cast<unsigned>(flags.session_limit);
  if (flags.cookie_max_age > 0) put.cookie_max_age = static_cast<unsigned>(flags.cookie_max_age);
  if (flags.startup_seconds >= 0) put.startup_seconds = flags.startup_seconds;
  if (!flags.image_digest.empty()) put.image_digest = flags.image_digest;
  given = given || targets > 0 || !flags.name.empty() || !flags.address4.empty() ||
          !flags.address6.empty() || flags.port != 0 || !flags.features.empty() ||
          !flags.acl_denied.empty() || !flags.cookie_clients.empty() || flags.session_limit > 0 || flags.cookie_max_age > 0 ||
          !flags.iface.empty();
  if (auto problems = validate(put); !problems.empty())
    return packetgen::failure("PUT description: " + problems.front());
  return put;
}

std::optional<std::uint64_t> parse_seed(const std::string& text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool starts_like_option(const std::string& word) { return !word.empty() && word[0] == '-'; }

}  // namespace

ParseResult parse_arguments(const std::vector<std::string>& arguments) {
  Invocation invocation;
  invocation.arguments = arguments;
  std::vector<std::string> words = arguments;
  const bool bare_version = words.size() == 1 && (words[0] == "--version" || words[0] == "-V");
  const bool bare_help = words.size() == 1 && (words[0] == "--help" || words[0] == "-h");
  if (!bare_version && !bare_help && (words.empty() || starts_like_option(words[0])))
    words.insert(words.begin(), "run");

  CLI::App app{"convtest: conformance and interoperability suite for RFC 8803 Transport Converters",
               "convtest"};
  app.require_subcommand(0, 1);
  bool version = false;
  app.add_flag("-V,--version", version, "print the version and exit");

  CLI::App* run = app.add_subcommand("run", "run the catalog against a PUT (the default command)");
  add_filters(*run, invocation.selection);
  PutFlags put_flags;
  add_put_flags(*run, put_flags);
  run->add_flag("--strict", invocation.strict,
                "SHOULD-level and keyword-free behaviour violations FAIL; strict AMB positions");
  run->add_option("-j,--jobs", invocation.jobs, "parallel cases (default: two per core)")
      ->check(CLI::Range(1, 1024));
  std::string seed_text;
  run->add_option("--seed", seed_text, "seed for everything random (default: a fresh one, reported)");
  run->add_option("--time-scale", invocation.time_scale,
                  "multiply every deadline (slow or remote PUTs), default 1")
      ->check(CLI::Range(0.05, 100.0));
  std::string report;
  run->add_option("--report", report, "JSON report path (default out/report.json)");
  std::string junit;
  run->add_option("--junit", junit, "also write JUnit XML here");
  std::string pcap_dir;
  run->add_option("--pcap-dir", pcap_dir,
                  "keep every case's pcap here (default: only failing cases', in out/artifacts)");
  std::string progress = "auto";
  run->add_option("--progress", progress, "auto, line (live line), plain (one line per case) or none")
      ->check(CLI::IsMember({"auto", "line", "plain", "none"}));

  CLI::App* list = app.add_subcommand("list", "list the catalog (or a selection of it)");
  add_filters(*list, invocation.selection);
  std::string format = "text";
  list->add_option("-f,--format", format, "text, json or markdown")
      ->check(CLI::IsMember({"text", "json", "markdown"}));
  list->add_flag("--requirements", invocation.list_requirements,
                 "list the requirement table instead: every CONV, CLI, AMB and REF id with the cases citing it");

  try {
    std::vector<std::string> reversed(words.rbegin(), words.rend());
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    return packetgen::failure(UsageError{app.help(), true});
  } catch (const CLI::ParseError& error) {
    std::string message = error.what();
    if (*run) message += "\nsee: convtest run --help";
    return packetgen::failure(UsageError{message, false});
  }
  if (version) {
    invocation.command = Command::Version;
    return invocation;
  }
  if (*list) {
    invocation.command = Command::List;
    invocation.list_format = format == "json"       ? ListFormat::Json
                             : format == "markdown" ? ListFormat::Markdown
                                                    : ListFormat::Text;
  } else {
    invocation.command = Command::Run;
    auto put = build_put(put_flags, invocation.put_given);
    if (!put) return packetgen::failure(UsageError{put.error(), false});
    invocation.put = std::move(put.value());
    if (!seed_text.empty()) {
      auto seed = parse_seed(seed_text);
      if (!seed) return packetgen::failure(UsageError{"--seed needs a non-negative integer", false});
      invocation.seed = *seed;
      invocation.seed_given = true;
    }
    if (!report.empty()) invocation.report = report;
    if (!junit.empty()) invocation.junit = junit;
    if (!pcap_dir.empty()) invocation.pcap_dir = pcap_dir;
    invocation.progress = progress == "line"    ? ProgressStyle::Line
                          : progress == "plain" ? ProgressStyle::Plain
                          : progress == "none"  ? ProgressStyle::None
                                                : ProgressStyle::Auto;
  }
  if (auto problems = selection_problems(invocation.selection); !problems.empty())
    return packetgen::failure(UsageError{problems.front(), false});
  return invocation;
}

}  // namespace convtest::harness::cli
