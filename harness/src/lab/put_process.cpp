#include "harness/lab/put_process.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace convtest::harness {
namespace {

using packetgen::failure;
using std::chrono::milliseconds;

std::string safe_label(const std::string& label) {
  std::string out;
  for (const char c : label) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
    out += ok ? c : '_';
  }
  if (out.empty() || out[0] == '.') out.insert(0, "put");
  return out;
}

std::string file_tail(const std::filesystem::path& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::size_t>(std::max<std::streamoff>(in.tellg(), 0));
  const std::size_t start = size > max_bytes ? size - max_bytes : 0;
  in.seekg(static_cast<std::streamoff>(start));
  std::string text(size - start, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  return text;
}

bool port_listed(const char* table, std::uint16_t port) {
  std::ifstream in(table);
  std::string line;
  std::getline(in, line);  // header
  constexpr const char* kListen = "0A";
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    if (!(fields >> slot >> local >> remote >> state)) continue;
    const auto colon = local.rfind(':');
    if (colon == std::string::npos || state != kListen) continue;
    if (std::strtoul(local.c_str() + colon + 1, nullptr, 16) == port) return true;
  }
  return false;
}

}  // namespace

bool tcp_port_listening(std::uint16_t port) {
  // thread-self: /proc/net is the main thread's namespace, not ours.
  return port_listed("/proc/thread-self/net/tcp", port) || port_listed("/proc/thread-self/net/tcp6", port);
}

PutProcess::PutProcess(process::Subprocess process, Argv argv, std::filesystem::path out, std::filesystem::path err,
                       milliseconds grace)
    : process_(std::move(process)),
      argv_(std::move(argv)),
      stdout_path_(std::move(out)),
      stderr_path_(std::move(err)),
      grace_(grace) {}

PutProcess::~PutProcess() { stop(); }

PutProcessResult PutProcess::spawn(const Netns& netns, const SpawnOptions& options) {
  if (options.argv.empty()) return failure(std::string("empty PUT command"));
  std::error_code error;
  std::filesystem::create_directories(options.output_dir, error);
  if (error) return failure(fmt::format("cannot create {}: {}", options.output_dir.string(), error.message()));
  const std::string label = safe_label(options.label);
  const auto out_path = options.output_dir / (label + ".stdout");
  const auto err_path = options.output_dir / (label + ".stderr");

  process::SpawnOptions child;
  child.argv = options.argv;
  child.stdout_to = process::Stream::file(out_path);
  child.stderr_to = process::Stream::file(err_path);
  child.own_process_group = true;
  child.die_with_parent = true;
  auto spawned = [&]() -> process::SpawnResult {
    // fork() copies the calling thread's namespace: the child starts inside.
    auto entered = netns.enter();
    if (!entered) return failure(entered.error());
    return process::Subprocess::spawn(child);
  }();
  if (!spawned) return failure(spawned.error());
  std::unique_ptr<PutProcess> put(
      new PutProcess(std::move(*spawned), options.argv, out_path, err_path, options.stop_grace));
  if (!options.ready_port) return put;

  const auto deadline = std::chrono::steady_clock::now() + options.ready_timeout;
  // Bounded by the deadline; each turn sleeps up to 10 ms unless the child exits.
  for (;;) {
    if (!put->running()) {
      return failure(fmt::format("PUT '{}' {} before listening on port {}; stderr: {}", quote_command(options.argv),
                                 put->state_text(), *options.ready_port, put->stderr_tail(1024)));
    }
    {
      auto entered = netns.enter();
      if (!entered) return failure(entered.error());
      if (tcp_port_listening(*options.ready_port)) return put;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      const std::string ended = put->stop();
      return failure(fmt::format("PUT '{}' not listening on port {} after {} ms ({}); stderr: {}",
                                 quote_command(options.argv), *options.ready_port, options.ready_timeout.count(), ended,
                                 put->stderr_tail(1024)));
    }
    put->process_.wait_for(milliseconds(10));
  }
}

bool PutProcess::running() { return process_.running(); }

std::string PutProcess::state_text() {
  const auto status = process_.running() ? std::nullopt : process_.status();
  return status ? status->to_string() : std::string("running");
}

std::optional<std::string> PutProcess::wait_for_exit(milliseconds within) {
  const auto status = process_.wait_for(within);
  if (!status) return std::nullopt;
  return status->to_string();
}

std::string PutProcess::stop() { return process_.stop(grace_).to_string(); }

std::string PutProcess::stdout_tail(std::size_t max_bytes) const { return file_tail(stdout_path_, max_bytes); }
std::string PutProcess::stderr_tail(std::size_t max_bytes) const { return file_tail(stderr_path_, max_bytes); }

void PutProcess::discard_output() {
  std::error_code ignored;
  std::filesystem::remove(stdout_path_, ignored);
  std::filesystem::remove(stderr_path_, ignored);
}

}  // namespace convtest::harness
