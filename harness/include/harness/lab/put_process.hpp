#pragma once
// The proxy under test as a child process inside a lab namespace: exec'd
// directly (no shell) in its own process group, stdout and stderr to files,
// ready once a TCP socket LISTENs on its port in that namespace, stopped
// with SIGTERM then SIGKILL and reaped on destruction (RAII), also when a
// test or case fails half-way. The child also gets SIGKILL if the thread
// that spawned it dies (PR_SET_PDEATHSIG), so it never outlives the harness.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "harness/lab/command_template.hpp"
#include "harness/lab/netns.hpp"
#include "harness/lab/phase_timer.hpp"
#include "harness/process/subprocess.hpp"

namespace convtest::harness {

struct SpawnOptions {
  Argv argv;                         // argv[0] is looked up in PATH
  std::filesystem::path output_dir;  // gets <label>.stdout and <label>.stderr
  std::string label = "put";         // e.g. the case id; unsafe characters become '_'
  // Ready = a LISTEN socket on this port in the namespace (read from
  // /proc/net/tcp{,6} there: a connect() probe would be a converter
  // connection itself). Nothing: ready as soon as exec succeeded.
  std::optional<std::uint16_t> ready_port;
  // Which families must have a listener (the PUT was given an address of
  // that family): a PUT that binds its IPv4 socket first is not ready for
  // IPv6 clients yet. Neither: a listener of any family will do.
  bool ready_v4 = false;
  bool ready_v6 = false;
  std::chrono::milliseconds ready_timeout{5000};  // callers multiply by the time scale
  std::chrono::milliseconds stop_grace{1000};     // SIGTERM -> SIGKILL
  // NAME=value added to the harness's environment (a client under test that
  // reads its converter from there, an LD_PRELOAD library).
  std::vector<std::string> extra_environment{};
  // What the process reads on stdin; nothing: /dev/null.
  std::optional<std::filesystem::path> stdin_file{};
};

class PutProcess;
using PutProcessResult = packetgen::Result<std::unique_ptr<PutProcess>, std::string>;

class PutProcess {
 public:
  // Returns once the PUT is ready. On failure (exec error, early exit,
  // readiness timeout) the child is already stopped and the error carries
  // the exit status and the tail of its stderr.
  static PutProcessResult spawn(const Netns& netns, const SpawnOptions& options);
  // The same in the caller's own namespace: a process that reaches a box
  // of its own (a client under test behind --remote, started over ssh).
  static PutProcessResult spawn_here(const SpawnOptions& options);
  ~PutProcess();  // stop()
  PutProcess(const PutProcess&) = delete;
  PutProcess& operator=(const PutProcess&) = delete;

  [[nodiscard]] pid_t pid() const { return process_.pid(); }
  // False once the process has exited (it is then reaped).
  [[nodiscard]] bool running();
  // How it ended; nothing while it runs.
  [[nodiscard]] std::optional<process::ExitStatus> exit_status();
  // "exited with status 3", "killed by signal 9 (SIGKILL)", "running".
  [[nodiscard]] std::string state_text();
  // Waits up to `within` for the process to exit by itself; its state text
  // ("exited with status 0") or nothing if it still runs.
  std::optional<std::string> wait_for_exit(std::chrono::milliseconds within);
  // SIGTERM to the process group, then SIGKILL after the grace period;
  // reaps. Returns how it ended. Idempotent.
  std::string stop();

  [[nodiscard]] const std::filesystem::path& stdout_path() const { return stdout_path_; }
  [[nodiscard]] const std::filesystem::path& stderr_path() const { return stderr_path_; }
  // The last `max_bytes` of a captured stream, for failing results.
  [[nodiscard]] std::string stdout_tail(std::size_t max_bytes = 4096) const;
  [[nodiscard]] std::string stderr_tail(std::size_t max_bytes = 4096) const;
  // Removes both output files (a passing case keeps nothing).
  void discard_output();
  [[nodiscard]] const Argv& argv() const { return argv_; }
  // How long the start took: "put_exec" (fork and exec), "put_ready" (until
  // it listened).
  [[nodiscard]] const PhaseTimes& start_phases() const { return start_phases_; }

 private:
  static PutProcessResult spawn_in(const Netns* netns, const SpawnOptions& options);
  PutProcess(process::Subprocess process, Argv argv, std::filesystem::path out, std::filesystem::path err,
             std::chrono::milliseconds grace);
  process::Subprocess process_;
  Argv argv_;
  std::filesystem::path stdout_path_;
  std::filesystem::path stderr_path_;
  std::chrono::milliseconds grace_;
  PhaseTimes start_phases_;
};

// True when a TCP socket in LISTEN state has local port `port` in the
// calling thread's namespace (IPv4 or IPv6 table).
// With need_v4 / need_v6, a listener of that family must be among them (an
// IPv6 wildcard socket counts for IPv4 too).
bool tcp_port_listening(std::uint16_t port, bool need_v4 = false, bool need_v6 = false);

}  // namespace convtest::harness
