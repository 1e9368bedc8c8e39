#include "harness/lab/put_process.hpp"

#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "harness/lab/lab.hpp"
#include "packetgen/tcp.hpp"
#include "tools/privileges.hpp"
#include "tools/temp_dir.hpp"

namespace convtest::harness {
namespace {

using namespace std::chrono_literals;
namespace ip = packetgen::ip;
namespace tcp = packetgen::tcp;

const std::string kListener = CONVTEST_TEST_LISTENER;

using testing_support::TempDir;

bool process_exists(pid_t pid) { return ::kill(pid, 0) == 0 || errno != ESRCH; }

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// True if any fd or namespace link of any process points at `inode`.
bool namespace_referenced(unsigned long inode) {
  const std::string wanted = "net:[" + std::to_string(inode) + "]";
  std::error_code ignored;
  for (const auto& process : std::filesystem::directory_iterator("/proc", ignored)) {
    const std::string name = process.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code error;
    if (std::filesystem::read_symlink(process.path() / "ns" / "net", error).string() == wanted) return true;
    for (const auto& fd : std::filesystem::directory_iterator(process.path() / "fd", error)) {
      std::error_code link_error;
      if (std::filesystem::read_symlink(fd.path(), link_error).string() == wanted) return true;
    }
  }
  return false;
}

bool syn_ack_from(Lab& lab, std::uint16_t client_port) {
  tcp::Segment syn;
  syn.source_port = client_port;
  syn.destination_port = lab.put().port;
  syn.seq = 42;
  syn.flags = tcp::flag::SYN;
  const ip::Endpoints endpoints{addressing::client_v4(0), lab.put().v4};
  if (!lab.link().send(tcp::packet(syn, endpoints))) return false;
  const auto deadline = Clock::now() + 2s;
  for (int i = 0; i < 50; ++i) {
    auto packet = lab.link().receive(deadline);
    if (!packet) return false;
    auto parsed = tcp::parse(packet->bytes);
    if (parsed && parsed->segment.destination_port == client_port) {
      return parsed->segment.flags == (tcp::flag::SYN | tcp::flag::ACK);
    }
  }
  return false;
}

TEST(PutProcess, SpawnedInsideTheLabNamespaceCapturesOutputAndIsReadyWhenListening) {
  CONVTEST_REQUIRE_NET_PRIVILEGES();
  const TempDir dir;
  auto lab = Lab::local();
  ASSERT_TRUE(lab) << lab.error();
  auto put = (*lab)->spawn_put("'" + kListener + "' {addr} {port}", dir.path(), "case/1 base");
  ASSERT_TRUE(put) << put.error();
  EXPECT_TRUE((*put)->running());
  EXPECT_EQ((*put)->stdout_path().filename(), "case_1_base.stdout");
  EXPECT_NE(read_file((*put)->stdout_path()).find("listening on 192.0.2.1 port 5124"), std::string::npos);
  EXPECT_EQ((*put)->argv().at(1), "192.0.2.1");

  // It listens in the lab's namespace, reachable through the lab's link only.
  {
    auto entered = (*lab)->netns()->enter();
    ASSERT_TRUE(entered);
    EXPECT_TRUE(tcp_port_listening(5124));
  }
  EXPECT_TRUE(syn_ack_from(**lab, 40100));

  EXPECT_EQ((*put)->stop(), "exited with status 0");
  EXPECT_FALSE((*put)->running());
  EXPECT_NE((*put)->stderr_tail().find("stderr works"), std::string::npos);
  EXPECT_NE((*put)->stdout_tail().find("stopping"), std::string::npos);
  (*put)->discard_output();
  EXPECT_FALSE(std::filesystem::exists((*put)->stdout_path()));
}

TEST(PutProcess, IgnoringSigtermEndsWithSigkillAfterTheGracePeriod) {
  CONVTEST_REQUIRE_NET_PRIVILEGES();
  const TempDir dir;
  auto netns = Netns::create();
  ASSERT_TRUE(netns);
  SpawnOptions options;
  options.argv = {kListener, "--ignore-term", "127.0.0.1", "5125"};
  options.output_dir = dir.path();
  options.ready_port = 5125;
  options.stop_grace = 100ms;
  auto put = PutProcess::spawn(*netns, options);
  ASSERT_TRUE(put) << put.error();
  const pid_t pid = (*put)->pid();
  EXPECT_EQ((*put)->stop(), "killed by signal 9 (SIGKILL)");
  EXPECT_FALSE(process_exists(pid)) << "not reaped";
}

TEST(PutProcess, EarlyExitFailsWithStatusAndStderr) {
  CONVTEST_REQUIRE_NET_PRIVILEGES();
  const TempDir dir;
  auto netns = Netns::create();
  ASSERT_TRUE(netns);
  SpawnOptions options;
  options.argv = {kListener, "--exit-early", "3"};
  options.output_dir = dir.path();
  options.ready_port = 5124;
  auto put = PutProcess::spawn(*netns, options);
  ASSERT_FALSE(put);
  EXPECT_NE(put.error().find("exited with status 3"), std::string::npos) << put.error();
  EXPECT_NE(put.error().find("exiting early as asked"), std::string::npos) << put.error();
}

TEST(PutProcess, MissingBinaryFailsNamingIt) {
  CONVTEST_REQUIRE_NET_PRIVILEGES();
  const TempDir dir;
  auto netns = Netns::create();
  ASSERT_TRUE(netns);
  SpawnOptions options;
  options.argv = {"cthl-no-such-binary", "x"};
  options.output_dir = dir.path();
  auto put = PutProcess::spawn(*netns, options);
  ASSERT_FALSE(put);
  EXPECT_NE(put.error().find("cannot execute 'cthl-no-such-binary'"), std::string::npos) << put.error();
}

TEST(PutProcess, NeverListeningOnThePortTimesOutAndIsReaped) {
  CONVTEST_REQUIRE_NET_PRIVILEGES();
  const TempDir dir;
  auto netns = Netns::create();
  ASSERT_TRUE(netns);
  SpawnOptions options;
  options.argv = {kListener, "127.0.0.1", "6000"};
  options.output_dir = dir.path();
  options.ready_port = 5124;
  options.ready_timeout = 300ms;
  options.stop_grace = 500ms;
  auto put = PutProcess::spawn(*netns, options);
  ASSERT_FALSE(put);
  EXPECT_NE(put.error().find("not listening on port 5124 after 300 ms"), std::string::npos) << put.error();
  EXPECT_NE(put.error().find("exited with status 0"), std::string::npos) << "stopped with SIGTERM: " << put.error();
}

TEST(PutProcess, ProcessAndNamespaceAreGoneWhenACaseBailsOutHalfWay) {
  CONVTEST_REQUIRE_NET_PRIVILEGES();
  const TempDir dir;
  pid_t pid = 0;
  unsigned long inode = 0;
  // What a failing ASSERT does: leave the scope early, with everything alive.
  [&] {
    auto lab = Lab::local();
    ASSERT_TRUE(lab) << lab.error();
    inode = (*lab)->netns()->inode();
    auto put = (*lab)->spawn_put("'" + kListener + "' {addr6} {port}", dir.path(), "bail");
    ASSERT_TRUE(put) << put.error();
    pid = (*put)->pid();
    ASSERT_TRUE(namespace_referenced(inode));
    return;  // an assertion failing here
  }();
  ASSERT_NE(pid, 0);
  EXPECT_FALSE(process_exists(pid)) << "PUT still running or unreaped";
  EXPECT_FALSE(namespace_referenced(inode)) << "something still holds the lab's namespace";
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "bail.stderr")) << "output is kept until discarded";
}

TEST(PutProcess, WaitForExitReportsAShortLivedCommand) {
  CONVTEST_REQUIRE_NET_PRIVILEGES();
  const TempDir dir;
  auto netns = Netns::create();
  ASSERT_TRUE(netns);
  SpawnOptions options;
  options.argv = {kListener, "--exit-early", "0"};
  options.output_dir = dir.path();
  auto run = PutProcess::spawn(*netns, options);
  ASSERT_TRUE(run) << run.error();
  EXPECT_EQ((*run)->wait_for_exit(5s).value_or("still running"), "exited with status 0");
}

}  // namespace
}  // namespace convtest::harness
