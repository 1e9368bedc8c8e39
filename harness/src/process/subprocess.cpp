#include "harness/process/subprocess.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <utility>

extern char** environ;

namespace convtest::harness::process {
namespace {

using packetgen::failure;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr int kStdout = 0;
constexpr int kStderr = 1;
// Without a pidfd (kernels before 5.3) exits are noticed by polling this often.
constexpr milliseconds kExitPollInterval{5};
constexpr milliseconds kAfterKillLimit{10'000};

// A descriptor closed at scope exit unless released.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  [[nodiscard]] int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

struct PipeEnds {
  Fd read;
  Fd write;
};

// Nothing when out of descriptors (errno says why).
std::optional<PipeEnds> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return std::nullopt;
  return PipeEnds{Fd(fds[0]), Fd(fds[1])};
}

std::string pipe_failure() { return fmt::format("pipe: {}", std::strerror(errno)); }

// What the child does with one standard stream, prepared before fork so
// the child only calls async-signal-safe functions.
struct ChildStream {
  int target = -1;             // 0, 1 or 2
  int from_fd = -1;            // dup2 this
  const char* path = nullptr;  // or open this
  int open_flags = 0;
  bool keep = false;  // Inherit
  bool same_as_stdout = false;
};

// Runs in the child between fork and exec: async-signal-safe calls only.
// Failures are reported to the parent as (step, errno) through `report`.
[[noreturn]] void exec_child(char* const* argv, char* const* envp, const std::array<ChildStream, 3>& streams,
                             const char* netns, bool own_group, bool die_with_parent, pid_t parent, int report) {
  auto fail = [report](int step) {
    const std::array<int, 2> message{step, errno};
    (void)!::write(report, message.data(), sizeof message);
    ::_exit(127);
  };
  if (die_with_parent) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
  }
  if (own_group) ::setpgid(0, 0);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  // Ignored signals stay ignored across exec: give the program the defaults.
  for (const int signal_number : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD}) ::signal(signal_number, SIG_DFL);
  if (netns != nullptr) {
    const int fd = ::open(netns, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) fail(1);
  }
  for (const auto& stream : streams) {
    if (stream.keep) continue;
    if (stream.same_as_stdout) {
      if (::dup2(STDOUT_FILENO, stream.target) < 0) fail(2);
    } else if (stream.from_fd >= 0) {
      if (::dup2(stream.from_fd, stream.target) < 0) fail(2);
    } else {
      const int fd = ::open(stream.path, stream.open_flags | O_CLOEXEC, 0644);
      if (fd < 0 || ::dup2(fd, stream.target) < 0) fail(2);
    }
  }
  // Keeps the parent's TUN devices, sockets and pipes out of the child;
  // `report` is close-on-exec and closes by itself when exec succeeds.
  ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  if (envp != nullptr)
    ::execvpe(argv[0], argv, envp);
  else
    ::execvp(argv[0], argv);
  fail(3);
  ::_exit(127);
}

std::vector<char*> c_strings(const std::vector<std::string>& words) {
  std::vector<char*> out;
  out.reserve(words.size() + 1);
  for (const auto& word : words) out.push_back(const_cast<char*>(word.c_str()));
  out.push_back(nullptr);
  return out;
}

ChildStream output_stream(int target, const Stream& stream, int capture_write_end) {
  ChildStream child;
  child.target = target;
  switch (stream.kind) {
    case Stream::Kind::Inherit: child.keep = true; break;
    case Stream::Kind::Capture: child.from_fd = capture_write_end; break;
    case Stream::Kind::Stdout: child.same_as_stdout = true; break;
    case Stream::Kind::File: child.path = stream.path.c_str(), child.open_flags = O_WRONLY | O_CREAT | O_TRUNC; break;
    case Stream::Kind::AppendFile:
      child.path = stream.path.c_str(), child.open_flags = O_WRONLY | O_CREAT | O_APPEND;
      break;
    case Stream::Kind::Null:
    case Stream::Kind::Pipe: child.path = "/dev/null", child.open_flags = O_WRONLY; break;
  }
  return child;
}

ChildStream input_stream(const Stream& stream, int pipe_read_end) {
  ChildStream child;
  child.target = STDIN_FILENO;
  switch (stream.kind) {
    case Stream::Kind::Inherit: child.keep = true; break;
    case Stream::Kind::Pipe: child.from_fd = pipe_read_end; break;
    case Stream::Kind::File: child.path = stream.path.c_str(), child.open_flags = O_RDONLY; break;
    default: child.path = "/dev/null", child.open_flags = O_RDONLY; break;
  }
  return child;
}

std::string_view failed_step(int step) {
  switch (step) {
    case 1: return "cannot enter the network namespace for";
    case 2: return "cannot set up the standard streams of";
    default: return "cannot execute";
  }
}

}  // namespace

ExitStatus ExitStatus::from_wait_status(int status) {
  if (WIFSIGNALED(status)) return signaled(WTERMSIG(status));
  return exited(WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

std::string ExitStatus::to_string() const {
  if (kind == Kind::Exited) return fmt::format("exited with status {}", value);
  const char* name = sigabbrev_np(value);
  return fmt::format("killed by signal {} (SIG{})", value, name != nullptr ? name : "?");
}

SpawnResult Subprocess::spawn(const SpawnOptions& options) {
  if (options.argv.empty()) return failure(std::string("spawn: empty command"));
  if (options.stdout_to.kind == Stream::Kind::Stdout || options.stdin_from.kind == Stream::Kind::Stdout ||
      options.stdin_from.kind == Stream::Kind::Capture) {
    return failure(std::string("spawn: stream kind not valid for that stream"));
  }
  auto report = make_pipe();
  if (!report) return failure(pipe_failure());
  std::optional<PipeEnds> stdin_pipe;
  std::array<std::optional<PipeEnds>, 2> captures;
  if (options.stdin_from.kind == Stream::Kind::Pipe) {
    stdin_pipe = make_pipe();
    if (!stdin_pipe) return failure(pipe_failure());
  }
  const std::array<const Stream*, 2> outputs{&options.stdout_to, &options.stderr_to};
  for (int index : {kStdout, kStderr}) {
    if (outputs[index]->kind != Stream::Kind::Capture) continue;
    captures[index] = make_pipe();
    if (!captures[index]) return failure(pipe_failure());
  }
  auto write_end = [&](int index) { return captures[index] ? captures[index]->write.get() : -1; };
  const std::array<ChildStream, 3> streams{input_stream(options.stdin_from, stdin_pipe ? stdin_pipe->read.get() : -1),
                                           output_stream(STDOUT_FILENO, options.stdout_to, write_end(kStdout)),
                                           output_stream(STDERR_FILENO, options.stderr_to, write_end(kStderr))};
  std::vector<char*> argv = c_strings(options.argv);
  std::vector<char*> envp;
  if (options.environment) envp = c_strings(*options.environment);
  const char* netns = options.network_namespace.empty() ? nullptr : options.network_namespace.c_str();
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid == 0) {
    exec_child(argv.data(), options.environment ? envp.data() : nullptr, streams, netns, options.own_process_group,
               options.die_with_parent, parent, report->write.get());
  }
  if (pid < 0) return failure(fmt::format("fork: {}", std::strerror(errno)));
  // Also here, so that a signal right after spawn finds the group.
  if (options.own_process_group) ::setpgid(pid, pid);
  report->write.reset();
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  Subprocess child(pid, pidfd, stdin_pipe ? stdin_pipe->write.release() : -1,
                   captures[kStdout] ? captures[kStdout]->read.release() : -1,
                   captures[kStderr] ? captures[kStderr]->read.release() : -1, options.own_process_group,
                   options.capture_limit);
  // The child's ends close here, so captured pipes see end-of-file when it exits.
  stdin_pipe.reset();
  captures = {};

  std::array<int, 2> exec_failure{};
  if (::read(report->read.get(), exec_failure.data(), sizeof exec_failure) == sizeof exec_failure) {
    child.wait();
    return failure(
        fmt::format("{} '{}': {}", failed_step(exec_failure[0]), options.argv[0], std::strerror(exec_failure[1])));
  }
  return child;
}

Subprocess::Subprocess(pid_t pid, int pidfd, int stdin_fd, int stdout_fd, int stderr_fd, bool group, std::size_t limit)
    : pid_(pid),
      pidfd_(pidfd),
      stdin_fd_(stdin_fd),
      capture_fds_{stdout_fd, stderr_fd},
      own_group_(group),
      capture_limit_(limit) {}

Subprocess::Subprocess(Subprocess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      pidfd_(std::exchange(other.pidfd_, -1)),
      stdin_fd_(std::exchange(other.stdin_fd_, -1)),
      capture_fds_{std::exchange(other.capture_fds_[0], -1), std::exchange(other.capture_fds_[1], -1)},
      captured_{std::move(other.captured_[0]), std::move(other.captured_[1])},
      own_group_(other.own_group_),
      capture_limit_(other.capture_limit_),
      status_(other.status_) {}

Subprocess& Subprocess::operator=(Subprocess&& other) noexcept {
  if (this == &other) return *this;
  kill();
  release();
  pid_ = std::exchange(other.pid_, -1);
  pidfd_ = std::exchange(other.pidfd_, -1);
  stdin_fd_ = std::exchange(other.stdin_fd_, -1);
  for (int index : {kStdout, kStderr}) {
    capture_fds_[index] = std::exchange(other.capture_fds_[index], -1);
    captured_[index] = std::move(other.captured_[index]);
  }
  own_group_ = other.own_group_;
  capture_limit_ = other.capture_limit_;
  status_ = other.status_;
  return *this;
}

Subprocess::~Subprocess() {
  kill();
  release();
}

void Subprocess::release() {
  close_stdin();
  for (int& fd : capture_fds_) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  if (pidfd_ >= 0) ::close(pidfd_);
  pidfd_ = -1;
}

bool Subprocess::running() { return pid_ > 0 && !status_ && !await_exit(milliseconds(0)); }

bool Subprocess::reap_if_exited() {
  if (status_) return true;
  if (pid_ <= 0) return false;
  siginfo_t info{};
  // WNOWAIT first: a zombie leader still reserves its group id, so what it
  // left behind in its group can be killed before the id is freed.
  if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid != pid_)
    return false;
  if (own_group_) ::kill(-pid_, SIGKILL);
  int status = 0;
  if (::waitpid(pid_, &status, 0) != pid_) return false;
  status_ = ExitStatus::from_wait_status(status);
  for (int index : {kStdout, kStderr}) drain(index);
  return true;
}

void Subprocess::drain(int index) {
  int& fd = capture_fds_[index];
  if (fd < 0) return;
  // Everything already written; after exit the pipe holds the rest (or a
  // grandchild keeps it open: then stop at what is there now).
  for (;;) {
    pollfd readable{fd, POLLIN, 0};
    if (::poll(&readable, 1, 0) <= 0) return;
    char buffer[4096];
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) {
      ::close(fd);
      fd = -1;
      return;
    }
    auto& text = captured_[index];
    if (text.size() < capture_limit_)
      text.append(buffer, std::min(static_cast<std::size_t>(n), capture_limit_ - text.size()));
  }
}

bool Subprocess::await_exit(milliseconds within) {
  const auto deadline = Clock::now() + within;
  for (;;) {
    if (reap_if_exited()) return true;
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    std::array<pollfd, 3> watched{};
    nfds_t count = 0;
    for (int fd : capture_fds_)
      if (fd >= 0) watched[count++] = {fd, POLLIN, 0};
    if (pidfd_ >= 0) watched[count++] = {pidfd_, POLLIN, 0};
    const milliseconds slice = pidfd_ >= 0 ? left : std::min(left, kExitPollInterval);
    ::poll(watched.data(), count, static_cast<int>(slice.count()));
    for (int index : {kStdout, kStderr}) drain(index);
  }
}

std::optional<ExitStatus> Subprocess::wait_for(milliseconds timeout) {
  if (await_exit(timeout)) return status_;
  return std::nullopt;
}

ExitStatus Subprocess::wait() {
  while (!await_exit(milliseconds(60'000))) {
  }
  return *status_;
}

bool Subprocess::signal(int signal_number) {
  if (pid_ <= 0 || reap_if_exited()) return false;
  return ::kill(own_group_ ? -pid_ : pid_, signal_number) == 0;
}

ExitStatus Subprocess::stop(milliseconds grace, int first) {
  if (pid_ <= 0) return status_.value_or(ExitStatus::exited(-1));
  if (signal(first) && await_exit(grace)) return *status_;
  return kill();
}

ExitStatus Subprocess::kill() {
  close_stdin();
  if (pid_ <= 0) return status_.value_or(ExitStatus::exited(-1));
  signal(SIGKILL);
  if (!await_exit(kAfterKillLimit)) return ExitStatus::exited(-1);  // unkillable (D state): give up waiting
  return *status_;
}

bool Subprocess::write_stdin(std::string_view bytes) {
  if (stdin_fd_ < 0) return false;
  while (!bytes.empty()) {
    const ssize_t n = ::write(stdin_fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void Subprocess::close_stdin() {
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
  stdin_fd_ = -1;
}

packetgen::Result<Completed, std::string> run(SpawnOptions options, milliseconds timeout) {
  options.stdin_from = Stream::null();
  options.stdout_to = Stream::capture();
  options.stderr_to = Stream::same_as_stdout();
  auto child = Subprocess::spawn(options);
  if (!child) return failure(child.error());
  Completed completed;
  completed.status = child->wait_for(timeout);
  if (!completed.status) child->kill();
  completed.output = child->captured_stdout();
  return completed;
}

}  // namespace convtest::harness::process
