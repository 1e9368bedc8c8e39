#include "units.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>

#include "convtest/version.hpp"
#include "harness/put/put_identity.hpp"
#include "reports/html_report.hpp"
#include "reports/json_report.hpp"

namespace convtest::harness::matrix {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::string fingerprint_of(const json& inputs) { return sha256_hex(inputs.dump()); }

json common_inputs(const Event& event) {
  return {
      {"tool", CONVTEST_VERSION}, {"time_scale", event.time_scale}, {"seed", event.seed ? json(*event.seed) : json()}};
}

std::vector<std::string> run_arguments(const fs::path& folder, const std::string& role,
                                       const std::optional<fs::path>& expect, const std::vector<std::string>& selection,
                                       const Event& event) {
  std::vector<std::string> arguments{"--role",       role,
                                     "--put",        (folder / "description.json").string(),
                                     "--report",     (folder / "report.json").string(),
                                     "--html",       (folder / "report.html").string(),
                                     "--junit",      (folder / "junit.xml").string(),
                                     "--artifacts",  (folder / "artifacts").string(),
                                     "--progress",   "none",
                                     "--time-scale", fmt::format("{}", event.time_scale)};
  if (event.seed) arguments.insert(arguments.end(), {"--seed", std::to_string(*event.seed)});
  if (expect) arguments.insert(arguments.end(), {"--expect", fs::absolute(*expect).string()});
  arguments.insert(arguments.end(), selection.begin(), selection.end());
  return arguments;
}

RunUnit run_unit(const std::string& id, const std::string& role, json description,
                 const std::optional<fs::path>& expect, const std::vector<std::string>& selection, const Event& event,
                 const fs::path& out) {
  const fs::path folder = out / "runs" / id;
  json inputs = common_inputs(event);
  inputs["role"] = role;
  inputs["description"] = description;
  inputs["selection"] = selection;
  inputs["expect"] = expect ? json(sha256_file(*expect).value_or("unreadable")) : json();
  return RunUnit{id,
                 role,
                 folder,
                 std::move(description),
                 run_arguments(folder, role, expect, selection, event),
                 fingerprint_of(inputs),
                 {}};
}

// What the client's catalog run gets as --put: the client, and for a client
// on a box of its own the link and the box's addresses (remote mode).
json client_run_description(const EventClient& client) {
  json description{{"client", to_json(client.client)}};
  if (client.box)
    description.update({{"mode", "remote"},
                        {"iface", client.box->iface},
                        {"address", client.box->address4},
                        {"address6", client.box->address6}});
  return description;
}

const reports::Expectations* find_loaded(const Plan& plan, const std::optional<fs::path>& path) {
  if (!path) return nullptr;
  for (const auto& loaded : plan.expectations)
    if (loaded.path == path->string()) return &loaded;
  return nullptr;
}

CellUnit cell_unit(const EventClient& client, const EventConverter& converter, PairFamily family,
                   PairTransport transport, const MiddleboxProfile& profile, const Event& event, const fs::path& out,
                   const fs::path& bin_dir) {
  CellUnit cell;
  cell.variant = fmt::format("{}-{}-{}", name(family), name(transport), profile.name);
  cell.case_id = fmt::format("pair:{}:{}", client.id, converter.id);
  cell.id = fmt::format("{}[{},{},{}]", cell.case_id, name(family), name(transport), profile.name);
  json inputs = common_inputs(event);
  inputs.update({{"client", client_run_description(client)},
                 {"converter", to_json(converter.put)},
                 {"cell", cell.id},
                 {"request_bytes", event.pairs.request_bytes},
                 {"cell_seconds", event.pairs.cell_seconds}});
  cell.fingerprint = fingerprint_of(inputs);
  PairCellSpec& spec = cell.spec;
  spec.client_id = client.id;
  spec.converter_id = converter.id;
  spec.client = client.client;
  spec.converter = converter.put;
  spec.family = family;
  spec.transport = transport;
  spec.profile = profile;
  spec.request_bytes = event.pairs.request_bytes;
  spec.deadline =
      std::chrono::milliseconds(static_cast<std::int64_t>(event.pairs.cell_seconds * 1000 * event.time_scale));
  spec.time_scale = event.time_scale;
  // The request's bytes: the same for a cell on every run with the same seed.
  spec.seed = std::stoull(sha256_hex(fmt::format("{}/{}", event.seed.value_or(0), cell.id)).substr(0, 15), nullptr, 16);
  spec.folder = out / "pairs" / client.id / converter.id / cell.variant;
  spec.bin_dir = bin_dir;
  spec.client_box = client.box;
  cell.skip_reason = pair_cell_skip_reason(spec);
  cell.exclusive = shared_placement(converter.put);
  for (auto& shared : shared_placement(client.box))
    if (std::find(cell.exclusive.begin(), cell.exclusive.end(), shared) == cell.exclusive.end())
      cell.exclusive.push_back(std::move(shared));
  return cell;
}

}  // namespace

std::vector<std::string> shared_placement(const PutDescription& put) {
  switch (put.mode) {
    case PutMode::Spawn: return {};
    case PutMode::Netns: return {"netns " + put.netns_path};
    case PutMode::Remote: return {"link " + put.iface};
  }
  return {};
}

std::vector<std::string> shared_placement(const std::optional<ClientBox>& box) {
  if (!box) return {};
  return {"link " + box->iface};
}

packetgen::Result<Plan, std::string> plan_units(const Event& event, const fs::path& out, const fs::path& bin_dir) {
  Plan plan;
  auto load = [&plan](const std::optional<fs::path>& path) -> std::string {
    if (!path) return {};
    auto loaded = reports::load_expectations(*path);
    if (!loaded.expectations) return fmt::format("{}: {}", path->string(), loaded.error);
    plan.expectations.push_back(std::move(*loaded.expectations));
    return {};
  };
  for (const auto& converter : event.converters) {
    if (auto problem = load(converter.expect); !problem.empty()) return packetgen::failure(problem);
    plan.runs.push_back(run_unit(converter.id, "converter", to_json(converter.put), converter.expect,
                                 event.converter_selection, event, out));
    plan.runs.back().exclusive = shared_placement(converter.put);
  }
  for (const auto& client : event.clients) {
    if (auto problem = load(client.expect); !problem.empty()) return packetgen::failure(problem);
    plan.runs.push_back(run_unit(client.id, "client", client_run_description(client), client.expect,
                                 event.client_selection, event, out));
    plan.runs.back().exclusive = shared_placement(client.box);
  }
  for (const auto& client : event.clients)
    for (const auto& converter : event.converters)
      for (const auto& profile : event.profiles)
        for (const auto family : event.pairs.families)
          for (const auto transport : event.pairs.transports) {
            CellUnit cell = cell_unit(client, converter, family, transport, profile, event, out, bin_dir);
            for (const auto* expectations : {find_loaded(plan, client.expect), find_loaded(plan, converter.expect)})
              if (expectations) cell.expectations.push_back(expectations);
            plan.cells.push_back(std::move(cell));
          }
  return plan;
}

std::optional<json> finished_unit(const fs::path& unit_file, const std::string& fingerprint) {
  const reports::JsonFile file = reports::read_json_file(unit_file);
  if (!file.error.empty() || !file.document.is_object()) return std::nullopt;
  const json& unit = file.document;
  if (unit.value("format", "") != "convtest-matrix-unit" || unit.value("version", 0) != kUnitFormatVersion ||
      unit.value("fingerprint", "") != fingerprint)
    return std::nullopt;
  if (unit.value("kind", "") == "run") {
    // The report must still be there and whole.
    const reports::JsonFile report = reports::read_json_file(unit_file.parent_path() / "report.json");
    if (unit.contains("problem")) return std::nullopt;  // it timed out or left no report: run it again
    if (!report.error.empty() || !reports::from_json(report.document).error.empty()) return std::nullopt;
    if (!fs::exists(unit_file.parent_path() / "report.html")) return std::nullopt;
  }
  return unit;
}

}  // namespace convtest::harness::matrix
