#include "harness/lab/put_process.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace convtest::harness {
namespace {

using packetgen::failure;
using std::chrono::milliseconds;

std::string safe_label(const std::string& label) {
  std::string out;
  for (const char c : label) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '-' || c == '_';
    out += ok ? c : '_';
  }
  if (out.empty() || out[0] == '.') out.insert(0, "put");
  return out;
}

packetgen::Result<UniqueFd, std::string> open_output(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) return failure(fmt::format("cannot create {}: {}", path.string(), std::strerror(errno)));
  return fd;
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const char* name = sigabbrev_np(WTERMSIG(status));
    return fmt::format("killed by signal {} (SIG{})", WTERMSIG(status), name != nullptr ? name : "?");
  }
  return fmt::format("ended with wait status {}", status);
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

// Runs in the child between fork and exec: async-signal-safe calls only.
[[noreturn]] void exec_child(char* const* argv, pid_t parent, int devnull, int out, int err, int report) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);
  ::setpgid(0, 0);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  // Ignored signals stay ignored across exec: give the PUT the defaults.
  for (const int signal_number : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD}) ::signal(signal_number, SIG_DFL);
  ::dup2(devnull, STDIN_FILENO);
  ::dup2(out, STDOUT_FILENO);
  ::dup2(err, STDERR_FILENO);
  // Keeps the harness's TUN and sockets out of the PUT; `report` is
  // close-on-exec already and closes by itself when exec succeeds.
  ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  ::execvp(argv[0], argv);
  const int error = errno;
  (void)!::write(report, &error, sizeof error);
  ::_exit(127);
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

PutProcess::PutProcess(pid_t pid, UniqueFd pidfd, Argv argv, std::filesystem::path out,
                       std::filesystem::path err, milliseconds grace)
    : pid_(pid),
      pidfd_(std::move(pidfd)),
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
  auto out = open_output(out_path);
  if (!out) return failure(out.error());
  auto err = open_output(err_path);
  if (!err) return failure(err.error());
  UniqueFd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  std::array<int, 2> report_pipe{};
  if (!devnull || ::pipe2(report_pipe.data(), O_CLOEXEC) != 0) {
    return failure(fmt::format("spawn: {}", std::strerror(errno)));
  }
  UniqueFd report_read(report_pipe[0]);
  UniqueFd report_write(report_pipe[1]);

  std::vector<char*> raw_argv;
  for (const auto& word : options.argv) raw_argv.push_back(const_cast<char*>(word.c_str()));
  raw_argv.push_back(nullptr);
  const pid_t parent = ::getpid();

  pid_t pid = -1;
  {
    // fork() copies the calling thread's namespace: the child starts inside.
    auto entered = netns.enter();
    if (!entered) return failure(entered.error());
    pid = ::fork();
    if (pid == 0) exec_child(raw_argv.data(), parent, devnull.get(), out->get(), err->get(), report_write.get());
  }
  if (pid < 0) return failure(fmt::format("fork: {}", std::strerror(errno)));
  ::setpgid(pid, pid);  // also here, so a stop() right after spawn finds the group
  report_write.reset();
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  std::unique_ptr<PutProcess> process(
      new PutProcess(pid, std::move(pidfd), options.argv, out_path, err_path, options.stop_grace));

  int exec_errno = 0;
  if (::read(report_read.get(), &exec_errno, sizeof exec_errno) == static_cast<ssize_t>(sizeof exec_errno)) {
    process->stop();
    return failure(fmt::format("cannot execute '{}': {}", options.argv[0], std::strerror(exec_errno)));
  }
  if (!options.ready_port) return process;

  const auto deadline = std::chrono::steady_clock::now() + options.ready_timeout;
  // Bounded by the deadline; each turn sleeps up to 10 ms unless the child exits.
  for (;;) {
    if (!process->running()) {
      return failure(fmt::format("PUT '{}' {} before listening on port {}; stderr: {}", quote_command(options.argv),
                                 process->state_text(), *options.ready_port, process->stderr_tail(1024)));
    }
    {
      auto entered = netns.enter();
      if (!entered) return failure(entered.error());
      if (tcp_port_listening(*options.ready_port)) return process;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      const std::string ended = process->stop();
      return failure(fmt::format("PUT '{}' not listening on port {} after {} ms ({}); stderr: {}",
                                 quote_command(options.argv), *options.ready_port, options.ready_timeout.count(),
                                 ended, process->stderr_tail(1024)));
    }
    process->wait_exit(milliseconds(10));
  }
}

bool PutProcess::wait_exit(milliseconds within) {
  if (wait_status_) return true;
  if (pidfd_) {
    pollfd waiting{pidfd_.get(), POLLIN, 0};
    return ::poll(&waiting, 1, static_cast<int>(within.count())) > 0;
  }
  // No pidfd (very old kernel): poll the zombie state without reaping it.
  const auto deadline = std::chrono::steady_clock::now() + within;
  for (;;) {
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid_) {
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    ::usleep(5000);
  }
}

bool PutProcess::running() {
  if (wait_status_) return false;
  return !wait_exit(milliseconds(0));
}

std::string PutProcess::state_text() {
  if (!wait_status_ && wait_exit(milliseconds(0))) {
    // The leader is a zombie, so its group id cannot be reused yet: kill
    // whatever it left behind, then reap it.
    ::kill(-pid_, SIGKILL);
    int status = 0;
    if (::waitpid(pid_, &status, 0) == pid_) wait_status_ = status;
  }
  return wait_status_ ? describe_wait_status(*wait_status_) : std::string("running");
}

std::optional<std::string> PutProcess::wait_for_exit(milliseconds within) {
  if (!wait_exit(within)) return std::nullopt;
  return state_text();
}

std::string PutProcess::stop() {
  if (wait_status_) return describe_wait_status(*wait_status_);
  if (!wait_exit(milliseconds(0))) {
    ::kill(-pid_, SIGTERM);
    if (!wait_exit(grace_)) {
      ::kill(-pid_, SIGKILL);
      if (!wait_exit(milliseconds(10'000))) return "did not die after SIGKILL";
    }
  }
  return state_text();
}

std::string PutProcess::stdout_tail(std::size_t max_bytes) const { return file_tail(stdout_path_, max_bytes); }
std::string PutProcess::stderr_tail(std::size_t max_bytes) const { return file_tail(stderr_path_, max_bytes); }

void PutProcess::discard_output() {
  std::error_code ignored;
  std::filesystem::remove(stdout_path_, ignored);
  std::filesystem::remove(stderr_path_, ignored);
}

}  // namespace convtest::harness
