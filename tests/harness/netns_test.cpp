#include "harness/lab/netns.hpp"

#include <gtest/gtest.h>
#include <net/if.h>

#include <algorithm>

#include "harness/link/netlink.hpp"
#include "harness/link/tun_link.hpp"
#include "tools/privileges.hpp"

namespace convtest::harness {
namespace {

bool interface_visible_here(const std::string& name) {
  auto netlink = NetlinkSocket::open();
  if (!netlink) return false;
  auto names = netlink->interface_names();
  return names && std::find(names->begin(), names->end(), name) != names->end();
}

TEST(Netns, CreateGivesAFreshNamespaceWithLoopbackUpAndReturnsTheThread) {
  CONVTEST_REQUIRE_NET_PRIVILEGES();
  auto before = Netns::current();
  ASSERT_TRUE(before) << before.error();
  auto fresh = Netns::create();
  ASSERT_TRUE(fresh) << fresh.error();
  EXPECT_NE(fresh->inode(), before->inode());

  auto after = Netns::current();
  ASSERT_TRUE(after) << after.error();
  EXPECT_EQ(after->inode(), before->inode()) << "create() must leave the thread where it was";

  auto entered = fresh->enter();
  ASSERT_TRUE(entered) << entered.error();
  EXPECT_EQ(Netns::current()->inode(), fresh->inode());
  const unsigned lo = if_nametoindex("lo");
  ASSERT_NE(lo, 0U);
  auto netlink = NetlinkSocket::open();
  ASSERT_TRUE(netlink) << netlink.error();
  auto names = netlink->interface_names();
  ASSERT_TRUE(names) << names.error();
  EXPECT_EQ(*names, std::vector<std::string>{"lo"});
}

TEST(Netns, GuardReturnsToThePreviousNamespaceEvenWhenNested) {
  CONVTEST_REQUIRE_NET_PRIVILEGES();
  auto outer = Netns::create();
  auto inner = Netns::create();
  ASSERT_TRUE(outer && inner);
  const auto home = Netns::current()->inode();
  {
    auto in_outer = outer->enter();
    ASSERT_TRUE(in_outer) << in_outer.error();
    {
      auto in_inner = inner->enter();
      ASSERT_TRUE(in_inner) << in_inner.error();
      EXPECT_EQ(Netns::current()->inode(), inner->inode());
    }
    EXPECT_EQ(Netns::current()->inode(), outer->inode());
  }
  EXPECT_EQ(Netns::current()->inode(), home);
}

TEST(Netns, InterfaceCreatedInsideIsInvisibleOutsideAndOutlivesTheEnterGuard) {
  CONVTEST_REQUIRE_NET_PRIVILEGES();
  auto a = Netns::create();
  auto b = Netns::create();
  ASSERT_TRUE(a && b);
  auto tun = TunLink::open(*a, TunConfig{.name = "cthl-vis0", .mtu = 1500, .addresses = {}, .routes = {}});
  ASSERT_TRUE(tun) << tun.error();
  EXPECT_FALSE(interface_visible_here("cthl-vis0"));
  {
    auto entered = b->enter();
    ASSERT_TRUE(entered);
    EXPECT_FALSE(interface_visible_here("cthl-vis0"));
  }
  {
    auto entered = a->enter();
    ASSERT_TRUE(entered);
    EXPECT_TRUE(interface_visible_here("cthl-vis0"));
  }
  (*tun)->close();
  auto entered = a->enter();
  ASSERT_TRUE(entered);
  EXPECT_FALSE(interface_visible_here("cthl-vis0")) << "closing the TUN fd removes the device";
}

TEST(Netns, NamespaceLivesAsLongAsItsFdEvenAfterTheCreatorMoves) {
  CONVTEST_REQUIRE_NET_PRIVILEGES();
  auto created = Netns::create();
  ASSERT_TRUE(created);
  const auto inode = created->inode();
  Netns moved = std::move(*created);
  ASSERT_TRUE(moved.set_sysctl("net.ipv4.tcp_syn_retries", "3"));
  EXPECT_EQ(moved.sysctl("net.ipv4.tcp_syn_retries").value(), "3");
  EXPECT_EQ(moved.inode(), inode);
}

TEST(Netns, JoinByPathSeesTheSameNamespace) {
  CONVTEST_REQUIRE_NET_PRIVILEGES();
  auto fresh = Netns::create();
  ASSERT_TRUE(fresh) << fresh.error();
  auto joined = Netns::join("/proc/self/fd/" + std::to_string(fresh->fd()));
  ASSERT_TRUE(joined) << joined.error();
  EXPECT_EQ(joined->inode(), fresh->inode());
  EXPECT_NE(joined->describe().find("/proc/self/fd/"), std::string::npos);
}

TEST(Netns, JoinOfSomethingElseFailsWithAReason) {
  CONVTEST_REQUIRE_NET_PRIVILEGES();
  auto missing = Netns::join("/nonexistent/ns/net");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("/nonexistent/ns/net"), std::string::npos);
  auto not_a_namespace = Netns::join("/proc/self/status");
  ASSERT_FALSE(not_a_namespace);
  EXPECT_NE(not_a_namespace.error().find("setns"), std::string::npos);
}

TEST(Netns, SysctlsArePerNamespace) {
  CONVTEST_REQUIRE_NET_PRIVILEGES();
  auto a = Netns::create();
  auto b = Netns::create();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->set_sysctl("net.ipv4.tcp_fastopen", "515"));
  ASSERT_TRUE(b->set_sysctl("net/ipv4/tcp_syn_retries", "2"));
  EXPECT_EQ(a->sysctl("net.ipv4.tcp_fastopen").value(), "515");
  EXPECT_EQ(b->sysctl("net.ipv4.tcp_fastopen").value(), "1") << "a fresh namespace starts with the default";
  EXPECT_EQ(b->sysctl("net.ipv4.tcp_syn_retries").value(), "2");
  EXPECT_NE(a->sysctl("net.ipv4.tcp_syn_retries").value(), "2");

  const std::string key = "00000001-00000002-00000003-00000004";
  ASSERT_TRUE(a->set_sysctl("net.ipv4.tcp_fastopen_key", key));
  EXPECT_NE(a->sysctl("net.ipv4.tcp_fastopen_key").value().find(key), std::string::npos);
}

TEST(Netns, MissingSysctlFailsOrIsToleratedOnRequest) {
  CONVTEST_REQUIRE_NET_PRIVILEGES();
  auto ns = Netns::create();
  ASSERT_TRUE(ns);
  auto strict = ns->set_sysctl("net.ipv4.cthl_no_such_knob", "1");
  ASSERT_FALSE(strict);
  EXPECT_NE(strict.error().find("cthl_no_such_knob"), std::string::npos);
  EXPECT_TRUE(ns->set_sysctl("net.ipv4.cthl_no_such_knob", "1", IfMissing::Ignore));
  auto bad_value = ns->set_sysctl("net.ipv4.tcp_syn_retries", "not-a-number");
  EXPECT_FALSE(bad_value);
}

}  // namespace
}  // namespace convtest::harness
