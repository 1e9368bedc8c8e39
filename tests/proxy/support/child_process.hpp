#pragma once
// Processes the end-to-end tests start (convproxy, convclient, servers),
// optionally inside a named network namespace. The destructor kills and
// reaps, so a failing test never leaves a process behind.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace convtest::proxytest {

struct LaunchSpec {
  std::vector<std::string> argv;
  std::string netns;                  // empty: the test's own namespace
  std::optional<std::string> stdin_path;  // nullopt with stdin_pipe=false: /dev/null
  bool stdin_pipe = false;            // keep stdin open through a pipe the test controls
  std::string stdout_path;            // empty: /dev/null
  std::string stderr_path;            // empty: /dev/null
};

class ChildProcess {
 public:
  explicit ChildProcess(const LaunchSpec& spec);
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  // The exit code (128+signal when killed by one), or nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  bool running();
  void close_stdin();
  bool write_stdin(const std::string& bytes);
  void kill_and_reap();

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::optional<int> status_;
};

// Runs a command to completion (bounded by timeout) and returns its exit
// code; output goes to `output` when given.
int run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                std::string* output = nullptr);

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);

}  // namespace convtest::proxytest
