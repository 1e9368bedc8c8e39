// The sweep of a case's namespace (issue 14, defect 2): a process that
// double-forks and calls setsid has left the PUT's process group, so
// stopping the PUT leaves it running and holding the namespace; found by its
// namespace, it is ended.

#include "harness/lab/netns_members.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "harness/lab/netns.hpp"
#include "harness/lab/put_process.hpp"
#include "tools/privileges.hpp"
#include "tools/temp_dir.hpp"

namespace convtest::harness {
namespace {

using namespace std::chrono_literals;
using testing_support::TempDir;

// The members of the namespace once one of them runs `command` (the forked
// child execs a moment after the fork); bounded wait.
std::vector<NetnsMember> members_once_running(unsigned long inode, const std::string& command) {
  for (int attempt = 0; attempt < 200; ++attempt) {
    auto members = netns_members(inode);
    if (std::any_of(members.begin(), members.end(), [&](const NetnsMember& m) { return m.command == command; }))
      return members;
    std::this_thread::sleep_for(10ms);
  }
  return {};
}

TEST(NetnsMembers, ADaemonThatLeftTheProcessGroupIsFoundAndKilledByItsNamespace) {
  CONVTEST_REQUIRE_NET_PRIVILEGES();
  const TempDir dir;
  auto netns = Netns::create();
  ASSERT_TRUE(netns) << netns.error();
  SpawnOptions options;
  options.argv = {"setsid", "-f", "sleep", "300"};  // forks, the child in a new session; the parent exits
  options.output_dir = dir.path();
  auto put = PutProcess::spawn(*netns, options);
  ASSERT_TRUE(put) << put.error();
  // Once it runs sleep, the child has called setsid. Reaping the parent
  // kills what is left in its group, so before that the child could still
  // be reached (and was, on a loaded machine).
  ASSERT_FALSE(members_once_running(netns->inode(), "sleep 300").empty()) << "the daemon never started";
  EXPECT_TRUE((*put)->wait_for_exit(5s));
  (*put)->stop();  // what the sandbox did before: the process group only

  const auto daemons = netns_members(netns->inode());
  ASSERT_EQ(daemons.size(), 1U) << "the daemon should have outlived its process group";
  EXPECT_EQ(daemons.front().command, "sleep 300");
  EXPECT_TRUE(kill_netns_members(netns->inode(), 2s).empty());
  EXPECT_TRUE(netns_members(netns->inode()).empty());
}

TEST(NetnsMembers, TheCallerItselfIsNeverAMember) {
  CONVTEST_REQUIRE_NET_PRIVILEGES();
  auto netns = Netns::create();
  ASSERT_TRUE(netns) << netns.error();
  auto entered = netns->enter();  // this thread only: the process stays where it was
  ASSERT_TRUE(entered) << entered.error();
  EXPECT_TRUE(netns_members(netns->inode()).empty());
  const auto here = Netns::current();
  ASSERT_TRUE(here);
  EXPECT_EQ(here->inode(), netns->inode());
}

}  // namespace
}  // namespace convtest::harness
