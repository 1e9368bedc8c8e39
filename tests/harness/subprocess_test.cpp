// The one child-process utility: exit statuses as values, timeouts, stop
// with a grace period then SIGKILL, capture and redirection, exec failures.
#include "harness/process/subprocess.hpp"

#include <gtest/gtest.h>
#include <sys/types.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tools/temp_dir.hpp"

namespace convtest::harness::process {
namespace {

using namespace std::chrono_literals;

bool process_exists(pid_t pid) { return std::filesystem::exists("/proc/" + std::to_string(pid)); }

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Subprocess, ExitCodesAreValues) {
  const auto ran = run({.argv = {"sh", "-c", "echo out; echo err >&2; exit 3"}}, 5s);
  ASSERT_TRUE(ran) << ran.error();
  ASSERT_TRUE(ran->status);
  EXPECT_EQ(*ran->status, ExitStatus::exited(3));
  EXPECT_EQ(ran->status->exit_code().value_or(-1), 3);
  EXPECT_EQ(ran->status->to_string(), "exited with status 3");
  EXPECT_FALSE(ran->success());
  EXPECT_EQ(ran->output, "out\nerr\n");
  EXPECT_TRUE(run({.argv = {"true"}}, 5s)->success());
}

TEST(Subprocess, ATimeoutLeavesItRunningUntilStopped) {
  auto child = Subprocess::spawn({.argv = {"sleep", "30"}});
  ASSERT_TRUE(child) << child.error();
  EXPECT_FALSE(child->wait_for(50ms));
  EXPECT_TRUE(child->running());
  const pid_t pid = child->pid();
  const ExitStatus ended = child->stop(1s);
  EXPECT_TRUE(ended.killed_by(SIGTERM)) << ended.to_string();
  EXPECT_EQ(ended.shell_code(), 128 + SIGTERM);
  EXPECT_FALSE(child->running());
  EXPECT_EQ(child->stop(1s), ended) << "idempotent";
  EXPECT_FALSE(process_exists(pid)) << "not reaped";
}

TEST(Subprocess, IgnoringTheFirstSignalEndsWithSigkillAfterTheGrace) {
  auto child = Subprocess::spawn({.argv = {"sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done"},
                                  .stdout_to = Stream::capture(),
                                  .own_process_group = true});
  ASSERT_TRUE(child) << child.error();
  for (int i = 0; i < 100 && child->captured_stdout().empty(); ++i) child->wait_for(10ms);
  const ExitStatus ended = child->stop(100ms);
  EXPECT_EQ(ended.to_string(), "killed by signal 9 (SIGKILL)");
}

TEST(Subprocess, RunKillsWhatOverrunsItsTimeout) {
  // Its own group: the shell's sleep dies with it instead of lingering.
  const auto ran = run({.argv = {"sh", "-c", "echo started; sleep 29.8765"}, .own_process_group = true}, 200ms);
  ASSERT_TRUE(ran) << ran.error();
  EXPECT_FALSE(ran->status) << "overran";
  EXPECT_EQ(ran->output, "started\n");
  const auto leftover = run({.argv = {"pgrep", "-f", "sleep 29.8765"}}, 2000ms);
  ASSERT_TRUE(leftover) << leftover.error();
  EXPECT_FALSE(leftover->success()) << "left running: " << leftover->output;
}

TEST(Subprocess, MissingProgramIsAnErrorNamingIt) {
  const auto child = Subprocess::spawn({.argv = {"cthl-no-such-binary"}});
  ASSERT_FALSE(child);
  EXPECT_NE(child.error().find("cannot execute 'cthl-no-such-binary'"), std::string::npos) << child.error();
  EXPECT_FALSE(Subprocess::spawn({}));
}

TEST(Subprocess, StreamsGoToFilesPipesAndTheGivenEnvironment) {
  const harness::testing_support::TempDir dir;
  const auto out = dir.path() / "out.txt";
  auto child = Subprocess::spawn({.argv = {"sh", "-c", "cat; echo \"$GREETING\"; echo oops >&2"},
                                  .environment = std::vector<std::string>{"GREETING=hello", "PATH=/usr/bin:/bin"},
                                  .stdin_from = Stream::pipe(),
                                  .stdout_to = Stream::file(out),
                                  .stderr_to = Stream::same_as_stdout()});
  ASSERT_TRUE(child) << child.error();
  EXPECT_TRUE(child->write_stdin("from stdin\n"));
  child->close_stdin();
  const auto status = child->wait_for(5s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->success());
  EXPECT_EQ(read_text(out), "from stdin\nhello\noops\n");
}

TEST(Subprocess, TheDestructorKillsAndReaps) {
  pid_t pid = 0;
  {
    auto child = Subprocess::spawn({.argv = {"sleep", "30"}});
    ASSERT_TRUE(child);
    pid = child->pid();
    Subprocess moved = std::move(*child);
    EXPECT_EQ(moved.pid(), pid);
  }
  EXPECT_FALSE(process_exists(pid));
}

TEST(Subprocess, CapturedOutputIsBounded) {
  SpawnOptions options{.argv = {"sh", "-c", "head -c 100000 /dev/zero"}};
  options.capture_limit = 1000;
  const auto ran = run(options, 5s);
  ASSERT_TRUE(ran && ran->success());
  EXPECT_EQ(ran->output.size(), 1000U);
}

}  // namespace
}  // namespace convtest::harness::process
