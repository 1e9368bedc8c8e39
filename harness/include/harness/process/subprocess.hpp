#pragma once
// A child process as a value that owns it: spawned directly (no shell) with
// its argv, environment and standard streams as the caller describes them,
// waited for with a timeout, stopped with a signal and then SIGKILL, and
// always reaped (the destructor kills what is still running), so no test,
// case or tool leaves a process behind when it fails half-way.

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "packetgen/result.hpp"

namespace convtest::harness::process {

// How a process ended, from its wait status.
struct ExitStatus {
  enum class Kind : std::uint8_t { Exited, Signaled };
  Kind kind = Kind::Exited;
  int value = 0;  // the exit code or the signal number

  static ExitStatus exited(int code) { return {Kind::Exited, code}; }
  static ExitStatus signaled(int signal_number) { return {Kind::Signaled, signal_number}; }
  static ExitStatus from_wait_status(int status);

  [[nodiscard]] bool success() const { return kind == Kind::Exited && value == 0; }
  [[nodiscard]] bool exited_with(int code) const { return kind == Kind::Exited && value == code; }
  [[nodiscard]] bool killed_by(int signal_number) const { return kind == Kind::Signaled && value == signal_number; }
  // The exit code; nothing when a signal ended it.
  [[nodiscard]] std::optional<int> exit_code() const {
    return kind == Kind::Exited ? std::optional<int>(value) : std::nullopt;
  }
  // As a shell reports it: the exit code, or 128 + the signal number.
  [[nodiscard]] int shell_code() const { return kind == Kind::Exited ? value : 128 + value; }
  // "exited with status 3", "killed by signal 9 (SIGKILL)".
  [[nodiscard]] std::string to_string() const;
  friend bool operator==(const ExitStatus&, const ExitStatus&) = default;
};

// Where one standard stream of the child is connected.
struct Stream {
  enum class Kind : std::uint8_t { Null, Inherit, File, AppendFile, Capture, Pipe, Stdout };
  Kind kind = Kind::Null;
  std::filesystem::path path;  // File, AppendFile (output) or File (input)

  static Stream null() { return {Kind::Null, {}}; }
  static Stream inherit() { return {Kind::Inherit, {}}; }
  static Stream file(std::filesystem::path path) { return {Kind::File, std::move(path)}; }
  static Stream append_to(std::filesystem::path path) { return {Kind::AppendFile, std::move(path)}; }
  // stdout/stderr: read by the parent into captured_stdout()/captured_stderr().
  static Stream capture() { return {Kind::Capture, {}}; }
  // stdin: a pipe the parent writes with write_stdin() and ends with close_stdin().
  static Stream pipe() { return {Kind::Pipe, {}}; }
  // stderr: wherever stdout goes (one interleaved stream, like 2>&1).
  static Stream same_as_stdout() { return {Kind::Stdout, {}}; }
};

struct SpawnOptions {
  std::vector<std::string> argv{};  // argv[0] without a '/' is looked up in PATH
  // Nothing: the parent's environment. Otherwise exactly these NAME=value.
  std::optional<std::vector<std::string>> environment{};
  Stream stdin_from = Stream::null();
  Stream stdout_to = Stream::null();
  Stream stderr_to = Stream::null();
  // A network namespace file (/run/netns/NAME, /proc/PID/ns/net) the child
  // enters before exec; empty: the namespace of the spawning thread.
  std::filesystem::path network_namespace{};
  // Its own process group: signals reach everything it started, and the
  // group is killed when its leader is reaped.
  bool own_process_group = false;
  // SIGKILL when the spawning thread dies, so it never outlives the harness.
  bool die_with_parent = true;
  // Captured output beyond this many bytes per stream is read and dropped.
  std::size_t capture_limit = std::size_t{1} << 20;
};

class Subprocess;
using SpawnResult = packetgen::Result<Subprocess, std::string>;

class Subprocess {
 public:
  // Returns once exec succeeded; an exec failure (no such program) is an
  // error naming the program, and that child is already reaped.
  static SpawnResult spawn(const SpawnOptions& options);

  Subprocess(Subprocess&& other) noexcept;
  Subprocess& operator=(Subprocess&& other) noexcept;
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;
  ~Subprocess();  // kill()

  [[nodiscard]] pid_t pid() const { return pid_; }
  // False once it has exited (it is then reaped).
  [[nodiscard]] bool running();
  // How it ended, once it has; nothing while it runs.
  [[nodiscard]] std::optional<ExitStatus> status() const { return status_; }

  // Waits at most `timeout` for it to exit (reading captured output
  // meanwhile); nothing when it still runs.
  std::optional<ExitStatus> wait_for(std::chrono::milliseconds timeout);
  ExitStatus wait();  // without a bound
  // Sends a signal (to its group when it has one); false when it has ended.
  bool signal(int signal_number);
  // `first` (SIGTERM unless told), up to `grace` to exit, then SIGKILL;
  // reaps and returns how it ended. Idempotent.
  ExitStatus stop(std::chrono::milliseconds grace, int first = 15 /* SIGTERM */);
  ExitStatus kill();  // SIGKILL and reap

  bool write_stdin(std::string_view bytes);
  void close_stdin();
  [[nodiscard]] const std::string& captured_stdout() const { return captured_[0]; }
  [[nodiscard]] const std::string& captured_stderr() const { return captured_[1]; }

 private:
  Subprocess(pid_t pid, int pidfd, int stdin_fd, int stdout_fd, int stderr_fd, bool group, std::size_t limit);
  bool await_exit(std::chrono::milliseconds within);  // true once reaped
  bool reap_if_exited();
  void drain(int index);
  void release();

  pid_t pid_ = -1;
  int pidfd_ = -1;
  int stdin_fd_ = -1;
  int capture_fds_[2] = {-1, -1};
  std::string captured_[2];
  bool own_group_ = false;
  std::size_t capture_limit_ = 0;
  std::optional<ExitStatus> status_;
};

// A program run to completion: its exit status, or nothing when it overran
// `timeout` and was killed; its captured output.
struct Completed {
  std::optional<ExitStatus> status;
  std::string output;  // stdout and stderr interleaved
  [[nodiscard]] bool success() const { return status && status->success(); }
};

// Spawns with stdout and stderr captured into one text (stdin from
// /dev/null, options.stdout_to/stderr_to are overridden), waits at most
// `timeout`, then kills.
packetgen::Result<Completed, std::string> run(SpawnOptions options, std::chrono::milliseconds timeout);

}  // namespace convtest::harness::process
