#include "reports/json_report.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace convtest::reports {
namespace {

using nlohmann::json;

json optional_string(const std::optional<std::string>& value) { return value ? json(*value) : json(nullptr); }

json to_json(const PutIdentity& put) {
  return {
      {"name", put.name},
      {"mode", put.mode},
      {"target", put.target},
      {"addresses", put.addresses},
      {"port", put.port},
      {"features", put.features},
      {"version", optional_string(put.version)},
      {"binary_sha256", optional_string(put.binary_sha256)},
      {"image_digest", optional_string(put.image_digest)},
  };
}

json to_json(const ClientIdentity& client) {
  return {
      {"name", client.name},
      {"command", client.command},
      {"environment", client.environment},
      {"features", client.features},
      {"version", optional_string(client.version)},
      {"binary_sha256", optional_string(client.binary_sha256)},
  };
}

json to_json(const Provenance& provenance) {
  json out = {
      {"tool", {{"name", "convtest"}, {"version", provenance.tool_version}}},
      {"catalog",
       {{"sha256", provenance.catalog_hash},
        {"cases", provenance.catalog_size},
        {"pairwise_seed", provenance.pairwise_seed}}},
      {"put", to_json(provenance.put)},
      {"kernel", provenance.kernel},
      {"seed", provenance.seed},
      {"profile", provenance.profile},
      {"time_scale", provenance.time_scale},
      {"jobs", provenance.jobs},
      {"command_line", provenance.command_line},
      {"started", iso8601_utc(provenance.started)},
      {"finished", iso8601_utc(provenance.finished)},
      {"interrupted", provenance.interrupted},
      {"role", provenance.role},
  };
  if (provenance.client) out["client"] = to_json(*provenance.client);
  if (const auto& expectations = provenance.expectations)
    out["expectations"] = {{"path", expectations->path},
                           {"sha256", expectations->sha256},
                           {"count", expectations->count},
                           {"strict", expectations->strict}};
  if (!provenance.catalog_version.empty()) out["catalog"]["version"] = provenance.catalog_version;
  return out;
}

// Reading back: every accessor records the first problem and yields a
// default, so parsing untrusted files never throws.
class Reader {
 public:
  std::string error;

  const json* field(const json& object, const char* key) {
    if (!object.is_object() || !object.contains(key)) {
      fail(fmt::format("missing field \"{}\"", key));
      return nullptr;
    }
    return &object.at(key);
  }
  std::string text(const json& object, const char* key) {
    const json* value = field(object, key);
    if (value == nullptr) return {};
    if (!value->is_string()) return fail(fmt::format("\"{}\" is not a string", key)), "";
    return value->get<std::string>();
  }
  std::optional<std::string> optional_text(const json& object, const char* key) {
    if (object.is_object() && object.contains(key) && object.at(key).is_null()) return {};
    return text(object, key);
  }
  std::vector<std::string> texts(const json& object, const char* key) {
    const json* value = field(object, key);
    std::vector<std::string> out;
    if (value == nullptr) return out;
    if (!value->is_array()) return fail(fmt::format("\"{}\" is not an array", key)), out;
    for (const auto& item : *value) {
      if (!item.is_string()) return fail(fmt::format("\"{}\" holds a non-string", key)), out;
      out.push_back(item.get<std::string>());
    }
    return out;
  }
  template <class Number>
  Number number(const json& object, const char* key) {
    const json* value = field(object, key);
    if (value == nullptr) return Number{};
    if (!value->is_number()) return fail(fmt::format("\"{}\" is not a number", key)), Number{};
    return value->get<Number>();
  }
  bool boolean(const json& object, const char* key) {
    const json* value = field(object, key);
    if (value == nullptr) return false;
    if (!value->is_boolean()) return fail(fmt::format("\"{}\" is not a boolean", key)), false;
    return value->get<bool>();
  }
  template <class Enum>
  Enum enumerated(const json& object, const char* key, std::optional<Enum> (*parse)(std::string_view)) {
    const std::string label = text(object, key);
    if (auto parsed = parse(label)) return *parsed;
    fail(fmt::format("\"{}\" has an unknown value \"{}\"", key, label));
    return Enum{};
  }
  void fail(std::string message) {
    if (error.empty()) error = std::move(message);
  }
};

std::optional<std::chrono::system_clock::time_point> parse_iso8601(const std::string& text) {
  std::tm parts{};
  int milliseconds = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &parts.tm_year, &parts.tm_mon, &parts.tm_mday,
                  &parts.tm_hour, &parts.tm_min, &parts.tm_sec, &milliseconds) != 7)
    return std::nullopt;
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  const std::time_t seconds = timegm(&parts);
  return std::chrono::system_clock::from_time_t(seconds) + std::chrono::milliseconds(milliseconds);
}

CaseResult read_case(Reader& reader, const json& item) {
  CaseResult result;
  result.id = reader.text(item, "id");
  // Reports from before instances: the id is the case's, one configuration.
  result.case_id = item.contains("case") ? reader.text(item, "case") : result.id;
  if (item.contains("instance")) {
    const json& instance = item.at("instance");
    if (!instance.is_object()) reader.fail("\"instance\" must be an object");
    for (const auto& [dimension, value] : instance.items()) {
      if (!value.is_string())
        reader.fail(fmt::format("instance value \"{}\" must be a string", dimension));
      else
        result.instance.emplace_back(dimension, value.get<std::string>());
    }
  }
  if (item.contains("expansion")) result.expansion = reader.text(item, "expansion");
  if (item.contains("phases_s") && item.at("phases_s").is_object())
    for (const auto& [phase, seconds] : item.at("phases_s").items())
      if (seconds.is_number())
        result.phases.emplace_back(
            phase, std::chrono::microseconds(static_cast<long long>(seconds.get<double>() * 1e6 + 0.5)));
  result.requirements = reader.texts(item, "requirements");
  result.section = reader.text(item, "section");
  result.level = reader.enumerated<Level>(item, "level", parse_level);
  result.case_class = reader.enumerated<CaseClass>(item, "class", parse_case_class);
  result.tags = reader.texts(item, "tags");
  result.verdict = reader.enumerated<Verdict>(item, "verdict", parse_verdict);
  result.expected = reader.text(item, "expected");
  result.observed = reader.text(item, "observed");
  result.duration =
      std::chrono::milliseconds(static_cast<long long>(reader.number<double>(item, "duration_s") * 1000.0 + 0.5));
  result.pcap = reader.optional_text(item, "pcap");
  result.put_output = reader.optional_text(item, "put_output");
  result.repro = reader.text(item, "repro");
  result.log = reader.texts(item, "log");
  if (item.contains("expectation")) {
    if (const json* applied = reader.field(item, "expectation")) {
      CaseResult::ExpectationApplied expectation;
      expectation.expected = reader.enumerated<Verdict>(*applied, "expected", parse_verdict);
      expectation.original = reader.enumerated<Verdict>(*applied, "original", parse_verdict);
      expectation.why = reader.text(*applied, "why");
      expectation.pattern = reader.text(*applied, "pattern");
      result.expectation = std::move(expectation);
    }
  }
  return result;
}

Provenance read_provenance(Reader& reader, const json& item) {
  Provenance provenance;
  if (const json* tool = reader.field(item, "tool")) provenance.tool_version = reader.text(*tool, "version");
  if (const json* catalog = reader.field(item, "catalog")) {
    provenance.catalog_hash = reader.text(*catalog, "sha256");
    if (catalog->contains("version")) provenance.catalog_version = reader.text(*catalog, "version");
    provenance.catalog_size = reader.number<std::size_t>(*catalog, "cases");
    if (catalog->contains("pairwise_seed"))
      provenance.pairwise_seed = reader.number<std::uint64_t>(*catalog, "pairwise_seed");
  }
  if (const json* put = reader.field(item, "put")) {
    provenance.put.name = reader.text(*put, "name");
    provenance.put.mode = reader.text(*put, "mode");
    provenance.put.target = reader.text(*put, "target");
    provenance.put.addresses = reader.texts(*put, "addresses");
    provenance.put.port = reader.number<std::uint16_t>(*put, "port");
    provenance.put.features = reader.texts(*put, "features");
    provenance.put.version = reader.optional_text(*put, "version");
    provenance.put.binary_sha256 = reader.optional_text(*put, "binary_sha256");
    provenance.put.image_digest = reader.optional_text(*put, "image_digest");
  }
  // Reports written before the client role have neither.
  if (item.contains("role")) provenance.role = reader.text(item, "role");
  if (item.contains("client")) {
    if (const json* client = reader.field(item, "client")) {
      ClientIdentity identity;
      identity.name = reader.text(*client, "name");
      identity.command = reader.text(*client, "command");
      identity.environment = reader.texts(*client, "environment");
      identity.features = reader.texts(*client, "features");
      identity.version = reader.optional_text(*client, "version");
      identity.binary_sha256 = reader.optional_text(*client, "binary_sha256");
      provenance.client = std::move(identity);
    }
  }
  provenance.kernel = reader.text(item, "kernel");
  provenance.seed = reader.number<std::uint64_t>(item, "seed");
  provenance.profile = reader.text(item, "profile");
  provenance.time_scale = reader.number<double>(item, "time_scale");
  provenance.jobs = reader.number<unsigned>(item, "jobs");
  provenance.command_line = reader.text(item, "command_line");
  provenance.interrupted = reader.boolean(item, "interrupted");
  if (item.contains("expectations")) {
    if (const json* expectations = reader.field(item, "expectations")) {
      ExpectationsIdentity identity;
      identity.path = reader.text(*expectations, "path");
      identity.sha256 = reader.text(*expectations, "sha256");
      identity.count = reader.number<std::size_t>(*expectations, "count");
      identity.strict = reader.boolean(*expectations, "strict");
      provenance.expectations = std::move(identity);
    }
  }
  for (auto [key, target] : {std::pair{"started", &provenance.started}, std::pair{"finished", &provenance.finished}}) {
    const std::string stamp = reader.text(item, key);
    if (auto parsed = parse_iso8601(stamp))
      *target = *parsed;
    else if (!stamp.empty())
      reader.fail(fmt::format("\"{}\" is not an ISO 8601 UTC time", key));
  }
  return provenance;
}

}  // namespace

std::string iso8601_utc(std::chrono::system_clock::time_point time) {
  const auto since_epoch = time.time_since_epoch();
  const auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds);
  const std::time_t as_time_t = static_cast<std::time_t>(seconds.count());
  std::tm parts{};
  gmtime_r(&as_time_t, &parts);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", parts.tm_year + 1900, parts.tm_mon + 1,
                     parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, millis.count());
}

json to_json(const CaseResult& result) {
  json instance = json::object();
  for (const auto& [dimension, value] : result.instance) instance[dimension] = value;
  json phases = json::object();
  for (const auto& [phase, spent] : result.phases) phases[phase] = static_cast<double>(spent.count()) / 1e6;
  json out = {
      {"id", result.id},
      {"case", result.case_id},
      {"instance", instance},
      {"expansion", result.expansion},
      {"requirements", result.requirements},
      {"section", result.section},
      {"level", name(result.level)},
      {"class", name(result.case_class)},
      {"tags", result.tags},
      {"verdict", name(result.verdict)},
      {"expected", result.expected},
      {"observed", result.observed},
      {"duration_s", static_cast<double>(result.duration.count()) / 1000.0},
      {"phases_s", phases},
      {"pcap", optional_string(result.pcap)},
      {"put_output", optional_string(result.put_output)},
      {"repro", result.repro},
      {"log", result.log},
  };
  if (result.expectation)
    out["expectation"] = {{"expected", name(result.expectation->expected)},
                          {"original", name(result.expectation->original)},
                          {"why", result.expectation->why},
                          {"pattern", result.expectation->pattern}};
  return out;
}

json to_json(const RunReport& report) {
  json counts = json::object();
  for (const auto& [verdict, count] : report.counts()) counts[std::string(name(verdict))] = count;
  json results = json::array();
  for (const auto& result : report.results) results.push_back(to_json(result));
  json phases = json::object();
  for (const auto& [phase, spent] : report.phase_totals()) phases[phase] = static_cast<double>(spent.count()) / 1e6;
  return {
      {"format", "convtest-report"},
      {"version", kReportFormatVersion},
      {"provenance", to_json(report.provenance)},
      {"summary",
       {{"counts", counts},
        {"wall_time_s", static_cast<double>(report.wall_time().count()) / 1000.0},
        {"exit_code", static_cast<int>(exit_code_for(report))},
        {"phases_s", phases},
        {"environment_problems", report.environment_problems}}},
      {"results", results},
  };
}

ParsedReport from_json(const json& document) {
  ParsedReport parsed;
  Reader reader;
  if (reader.text(document, "format") != "convtest-report")
    reader.fail("not a convtest report (\"format\" is not \"convtest-report\")");
  else if (reader.number<int>(document, "version") != kReportFormatVersion)
    reader.fail(fmt::format("unsupported report version (this build reads version {})", kReportFormatVersion));
  if (reader.error.empty()) {
    if (const json* provenance = reader.field(document, "provenance"))
      parsed.report.provenance = read_provenance(reader, *provenance);
    if (const json* summary = reader.field(document, "summary"))
      parsed.report.environment_problems = reader.texts(*summary, "environment_problems");
    if (const json* results = reader.field(document, "results"); results && results->is_array())
      for (const auto& item : *results) parsed.report.results.push_back(read_case(reader, item));
    else if (results)
      reader.fail("\"results\" is not an array");
  }
  parsed.error = reader.error;
  return parsed;
}

std::string write_file_atomically(const std::filesystem::path& path, const std::string& text) {
  std::error_code ec;
  const auto parent = path.parent_path();
  if (!parent.empty()) {
    std::filesystem::create_directories(parent, ec);
    if (ec) return fmt::format("cannot create directory {}: {}", parent.string(), ec.message());
  }
  const std::filesystem::path temporary = path.string() + fmt::format(".tmp.{}", static_cast<long>(::getpid()));
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fmt::format("cannot write {}: {}", temporary.string(), std::strerror(errno));
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string reason = std::strerror(errno);
      ::close(fd);
      ::unlink(temporary.c_str());
      return fmt::format("cannot write {}: {}", temporary.string(), reason);
    }
    written += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced || ::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(temporary.c_str());
    return fmt::format("cannot replace {}: {}", path.string(), reason);
  }
  return {};
}

std::string write_json_report(const std::filesystem::path& path, const RunReport& report) {
  // Texts quote what PUTs and clients printed: bytes that are no UTF-8
  // become U+FFFD rather than costing the report.
  return write_file_atomically(path, to_json(report).dump(2, ' ', false, json::error_handler_t::replace) + "\n");
}

}  // namespace convtest::reports
