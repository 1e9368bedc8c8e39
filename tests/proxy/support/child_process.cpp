#include "child_process.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

namespace convtest::proxytest {

namespace {

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

void redirect(const std::string& path, int target, int flags) {
  const int fd = ::open(path.empty() ? "/dev/null" : path.c_str(), flags, 0644);
  if (fd < 0) ::_exit(126);
  ::dup2(fd, target);
  ::close(fd);
}

// Runs in the forked child: only async-signal-safe calls, then exec.
[[noreturn]] void exec_child(const LaunchSpec& spec, int stdin_read_end, char* const* argv) {
  if (!spec.netns.empty()) {
    const std::string path = "/run/netns/" + spec.netns;
    const int ns = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0 || ::setns(ns, CLONE_NEWNET) != 0) ::_exit(125);
  }
  if (stdin_read_end >= 0) {
    ::dup2(stdin_read_end, 0);
    ::close(stdin_read_end);
  } else {
    redirect(spec.stdin_path.value_or(""), 0, O_RDONLY);
  }
  redirect(spec.stdout_path, 1, O_WRONLY | O_CREAT | O_TRUNC);
  if (!spec.stderr_path.empty() && spec.stderr_path == spec.stdout_path)
    ::dup2(1, 2);
  else
    redirect(spec.stderr_path, 2, O_WRONLY | O_CREAT | O_TRUNC);
  ::execv(argv[0], argv);
  ::_exit(127);
}

}  // namespace

ChildProcess::ChildProcess(const LaunchSpec& spec) {
  std::vector<char*> argv;
  for (const auto& arg : spec.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  int pipe_fds[2] = {-1, -1};
  if (spec.stdin_pipe && ::pipe2(pipe_fds, O_CLOEXEC) != 0) return;
  pid_ = ::fork();
  if (pid_ == 0) exec_child(spec, pipe_fds[0] >= 0 ? ::dup(pipe_fds[0]) : -1, argv.data());
  if (pipe_fds[0] >= 0) ::close(pipe_fds[0]);
  stdin_fd_ = pipe_fds[1];
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      stdin_fd_(std::exchange(other.stdin_fd_, -1)),
      status_(other.status_) {}

ChildProcess::~ChildProcess() { kill_and_reap(); }

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
  if (status_) return status_;
  if (pid_ <= 0) return -1;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      status_ = exit_code_of(status);
      return status_;
    }
    if (done < 0 && errno != EINTR) return -1;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

bool ChildProcess::running() { return pid_ > 0 && !wait(std::chrono::milliseconds(0)); }

void ChildProcess::close_stdin() {
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
  stdin_fd_ = -1;
}

bool ChildProcess::write_stdin(const std::string& bytes) {
  if (stdin_fd_ < 0) return false;
  return ::write(stdin_fd_, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
}

void ChildProcess::kill_and_reap() {
  close_stdin();
  if (pid_ <= 0 || status_) return;
  ::kill(pid_, SIGKILL);
  wait(std::chrono::milliseconds(5000));
}

int run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                std::string* output) {
  char output_template[] = "/tmp/ctpe-out-XXXXXX";
  const int output_fd = ::mkstemp(output_template);
  if (output_fd >= 0) ::close(output_fd);
  const std::string output_path = output_fd >= 0 ? output_template : "";
  LaunchSpec spec{argv, "", std::nullopt, false, output_path, output_path};
  ChildProcess child(spec);
  const auto code = child.wait(timeout);
  if (output && !output_path.empty()) *output = read_file(output_path);
  if (!output_path.empty()) std::filesystem::remove(output_path);
  return code.value_or(-1);
}

std::string read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << content;
}

}  // namespace convtest::proxytest
