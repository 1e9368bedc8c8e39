#include "harness/lab/put_process.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

namespace convtest::harness {
namespace {

using packetgen::failure;
using std::chrono::milliseconds;

// The harness's own environment with `extra` NAME=value entries added; an
// entry replaces one of the same name.
std::vector<std::string> environment_with(const std::vector<std::string>& extra) {
  std::vector<std::string> entries;
  const auto name_of = [](std::string_view entry) { return entry.substr(0, entry.find('=')); };
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const bool replaced = std::any_of(extra.begin(), extra.end(),
                                      [&](const std::string& added) { return name_of(added) == name_of(text); });
    if (!replaced) entries.emplace_back(text);
  }
  entries.insert(entries.end(), extra.begin(), extra.end());
  return entries;
}

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

enum class Listened : std::uint8_t { No, Specific, Wildcard };

bool all_zero(const std::uint32_t* words, std::size_t count) {
  return std::all_of(words, words + count, [](std::uint32_t word) { return word == 0; });
}

// Whether the calling thread's namespace has a TCP socket of `family` in
// LISTEN on `port`, and whether one is bound to the wildcard address (an
// IPv6 wildcard socket also takes IPv4). Asked of sock_diag for listeners
// only: /proc/net/tcp walks every established socket of the machine.
Listened port_listed(int family, std::uint16_t port) {
  const int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return Listened::No;
  struct {
    nlmsghdr header;
    inet_diag_req_v2 request;
  } query{};
  query.header.nlmsg_len = sizeof(query);
  query.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  query.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  query.request.sdiag_family = static_cast<std::uint8_t>(family);
  query.request.sdiag_protocol = IPPROTO_TCP;
  query.request.idiag_states = 1U << TCP_LISTEN;
  Listened found = Listened::No;
  if (::send(fd, &query, sizeof(query), 0) == static_cast<ssize_t>(sizeof(query))) {
    alignas(nlmsghdr) char buffer[16384];
    bool done = false;
    // Bounded: a namespace of the lab holds a handful of listeners.
    for (int reads = 0; reads < 64 && !done; ++reads) {
      const ssize_t length = ::recv(fd, buffer, sizeof(buffer), 0);
      if (length <= 0) break;
      auto remaining = static_cast<unsigned>(length);
      for (auto* message = reinterpret_cast<nlmsghdr*>(buffer); NLMSG_OK(message, remaining);
           message = NLMSG_NEXT(message, remaining)) {
        if (message->nlmsg_type == NLMSG_DONE || message->nlmsg_type == NLMSG_ERROR) {
          done = true;
          break;
        }
        const auto* socket = static_cast<const inet_diag_msg*>(NLMSG_DATA(message));
        if (ntohs(socket->id.idiag_sport) != port) continue;
        const bool wildcard = all_zero(socket->id.idiag_src, family == AF_INET ? 1 : 4);
        found = wildcard ? Listened::Wildcard : std::max(found, Listened::Specific);
      }
    }
  }
  ::close(fd);
  return found;
}

}  // namespace

bool tcp_port_listening(std::uint16_t port, bool need_v4, bool need_v6) {
  const Listened v4 = port_listed(AF_INET, port);
  const Listened v6 = port_listed(AF_INET6, port);
  const bool v4_ready = v4 != Listened::No || v6 == Listened::Wildcard;
  const bool v6_ready = v6 != Listened::No;
  if (!need_v4 && !need_v6) return v4_ready || v6_ready;
  return (!need_v4 || v4_ready) && (!need_v6 || v6_ready);
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
  return spawn_in(&netns, options);
}

PutProcessResult PutProcess::spawn_here(const SpawnOptions& options) { return spawn_in(nullptr, options); }

PutProcessResult PutProcess::spawn_in(const Netns* netns, const SpawnOptions& options) {
  if (options.argv.empty()) return failure(std::string("empty PUT command"));
  std::error_code error;
  std::filesystem::create_directories(options.output_dir, error);
  if (error) return failure(fmt::format("cannot create {}: {}", options.output_dir.string(), error.message()));
  const std::string label = safe_label(options.label);
  const auto out_path = options.output_dir / (label + ".stdout");
  const auto err_path = options.output_dir / (label + ".stderr");

  PhaseTimer timer;
  process::SpawnOptions child;
  child.argv = options.argv;
  child.stdout_to = process::Stream::file(out_path);
  child.stderr_to = process::Stream::file(err_path);
  if (options.stdin_file) child.stdin_from = process::Stream::file(*options.stdin_file);
  if (!options.extra_environment.empty()) child.environment = environment_with(options.extra_environment);
  child.own_process_group = true;
  child.die_with_parent = true;
  auto spawned = [&]() -> process::SpawnResult {
    if (netns == nullptr) return process::Subprocess::spawn(child);
    // fork() copies the calling thread's namespace: the child starts inside.
    auto entered = netns->enter();
    if (!entered) return failure(entered.error());
    return process::Subprocess::spawn(child);
  }();
  if (!spawned) return failure(spawned.error());
  std::unique_ptr<PutProcess> put(
      new PutProcess(std::move(*spawned), options.argv, out_path, err_path, options.stop_grace));
  timer.mark("put_exec");
  auto ready = [&] {
    timer.mark("put_ready");
    put->start_phases_ = timer.phases();
    return std::move(put);
  };
  if (!options.ready_port) return ready();

  const auto deadline = std::chrono::steady_clock::now() + options.ready_timeout;
  // Bounded by the deadline; each turn sleeps unless the child exits: 1 ms
  // while a PUT typically starts (a readiness check costs microseconds, a
  // late one costs every case the rest of the interval), then 10 ms.
  auto listening = [&]() -> packetgen::Result<bool, std::string> {
    if (netns == nullptr) return tcp_port_listening(*options.ready_port, options.ready_v4, options.ready_v6);
    auto entered = netns->enter();
    if (!entered) return failure(entered.error());
    return tcp_port_listening(*options.ready_port, options.ready_v4, options.ready_v6);
  };
  for (int turn = 0;; ++turn) {
    const bool exited = !put->running();
    auto listens = listening();
    if (!listens) return failure(listens.error());
    // One that listened and exited between two checks (a daemon's parent)
    // counts as started: the caller sees that it is gone.
    if (*listens) return ready();
    if (exited) {
      return failure(fmt::format("PUT '{}' {} before listening on port {}; stderr: {}", quote_command(options.argv),
                                 put->state_text(), *options.ready_port, put->stderr_tail(1024)));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      const std::string ended = put->stop();
      return failure(fmt::format("PUT '{}' not listening on port {} after {} ms ({}); stderr: {}",
                                 quote_command(options.argv), *options.ready_port, options.ready_timeout.count(), ended,
                                 put->stderr_tail(1024)));
    }
    put->process_.wait_for(milliseconds(turn < 100 ? 1 : 10));
  }
}

bool PutProcess::running() { return process_.running(); }

std::optional<process::ExitStatus> PutProcess::exit_status() {
  return process_.running() ? std::nullopt : process_.status();
}

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
