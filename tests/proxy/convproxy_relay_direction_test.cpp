// One relay direction between real loopback TCP connections: the bytes, the
// end of stream, and how many segments carry them (the sink's
// tcpi_segs_out), since coalescing the last bytes with the FIN must never
// hold bytes back when no FIN follows.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <string>

#include "convproxy/fd.hpp"
#include "convproxy/pipe_pool.hpp"
#include "convproxy/relay.hpp"

namespace convtest::convproxy {
namespace {

constexpr int kWaitMs = 2000;

// Both ends of one established loopback TCP connection.
struct Connection {
  Fd near;  // the relay's side
  Fd far;   // the peer's side
};

Connection connect_loopback() {
  Fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), length) != 0 || ::listen(listener.get(), 1) != 0 ||
      ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0)
    return {};
  Fd far(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (::connect(far.get(), reinterpret_cast<sockaddr*>(&address), length) != 0) return {};
  Fd near(::accept4(listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
  return {std::move(near), std::move(far)};
}

std::uint32_t segments_sent(int fd) {
  tcp_info info{};
  socklen_t size = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &size) != 0) return 0;
  return info.tcpi_segs_out;
}

bool wait_for(int fd, short events) {
  pollfd watched{fd, events, 0};
  return ::poll(&watched, 1, kWaitMs) == 1 && (watched.revents & events) != 0;
}

// Everything the peer receives until the end of stream or a 2 s silence;
// `ended` says whether the end of stream came.
std::string read_all(int fd, bool& ended) {
  std::string bytes;
  ended = false;
  std::array<char, 4096> buffer{};
  while (wait_for(fd, POLLIN)) {
    const auto n = ::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n <= 0) {
      ended = n == 0;
      break;
    }
    bytes.append(buffer.data(), static_cast<std::size_t>(n));
  }
  return bytes;
}

void send_text(int fd, const std::string& text) {
  ASSERT_EQ(::send(fd, text.data(), text.size(), MSG_NOSIGNAL), static_cast<ssize_t>(text.size()));
}

class RelayDirectionTest : public testing::Test {
 protected:
  void SetUp() override {
    source_ = connect_loopback();
    sink_ = connect_loopback();
    ASSERT_TRUE(source_.near && sink_.near) << "no loopback TCP connection";
  }
  // The source's peer writes `text`, then (if asked) its FIN; returns once
  // the relay's socket has it all.
  void source_writes(const std::string& text, bool then_end) {
    send_text(source_.far.get(), text);
    if (then_end) ::shutdown(source_.far.get(), SHUT_WR);
    ASSERT_TRUE(wait_for(source_.near.get(), then_end ? POLLRDHUP : POLLIN));
  }
  PumpStatus pump(bool source_signalled = true) {
    std::size_t moved = 0;
    return direction_.pump(source_.near.get(), sink_.near.get(), moved, pipes_, source_signalled);
  }
  std::size_t pump_counting(bool source_signalled) {
    std::size_t moved = 0;
    direction_.pump(source_.near.get(), sink_.near.get(), moved, pipes_, source_signalled);
    return moved;
  }

  Connection source_;
  Connection sink_;
  PipePool pipes_{2};
  RelayDirection direction_;
};

TEST_F(RelayDirectionTest, LastBytesAndTheEndOfStreamQueuedTogetherLeaveInOneSegment) {
  source_writes("HTTP/1.1 200 OK\r\n\r\nbody", true);
  const auto before = segments_sent(sink_.near.get());
  EXPECT_EQ(pump(), PumpStatus::Finished);
  EXPECT_EQ(segments_sent(sink_.near.get()) - before, 1U) << "expected data and FIN in one segment";
  bool ended = false;
  EXPECT_EQ(read_all(sink_.far.get(), ended), "HTTP/1.1 200 OK\r\n\r\nbody");
  EXPECT_TRUE(ended);
}

TEST_F(RelayDirectionTest, HeldBytesGoFirstAndShareTheSegmentOfQueuedBytesAndTheEnd) {
  direction_.hold({0x01, 0x00, 0x00, 0x01});  // e.g. a Convert reply
  source_writes("response", true);
  const auto before = segments_sent(sink_.near.get());
  EXPECT_EQ(pump(), PumpStatus::Finished);
  EXPECT_EQ(segments_sent(sink_.near.get()) - before, 1U) << "expected held bytes, data and FIN in one segment";
  bool ended = false;
  EXPECT_EQ(read_all(sink_.far.get(), ended), std::string("\x01\x00\x00\x01response", 12));
  EXPECT_TRUE(ended);
}

TEST_F(RelayDirectionTest, BytesWithoutAnEndAreSentAtOnceAndTheEndFollowsLater) {
  direction_.hold({'R'});
  EXPECT_EQ(pump(), PumpStatus::Blocked);  // nothing from the source yet: the held bytes leave alone
  ASSERT_TRUE(wait_for(sink_.far.get(), POLLIN)) << "held bytes were not sent";
  source_writes("first", false);
  EXPECT_EQ(pump(), PumpStatus::Blocked);
  ASSERT_TRUE(wait_for(sink_.far.get(), POLLIN));
  std::array<char, 16> buffer{};
  EXPECT_EQ(std::string(buffer.data(),
                        static_cast<std::size_t>(::recv(sink_.far.get(), buffer.data(), buffer.size(), MSG_DONTWAIT))),
            "Rfirst");
  source_writes("", true);
  EXPECT_EQ(pump(), PumpStatus::Finished);
  bool ended = false;
  EXPECT_EQ(read_all(sink_.far.get(), ended), "");
  EXPECT_TRUE(ended);
}

// Edge-triggered epoll reports bytes that arrive after a read found the
// queue empty, so without that event the source is not read again; with it,
// or when the last read was not known to empty the queue, it is.
TEST_F(RelayDirectionTest, AnEmptiedSourceIsReadAgainOnlyAfterAnEvent) {
  EXPECT_EQ(pump_counting(true), 0U);  // finds the queue empty
  source_writes("late", false);
  EXPECT_EQ(pump_counting(false), 0U);
  EXPECT_EQ(pump_counting(true), 4U);

  RelayDirection fresh;  // never read: read even without an event
  std::size_t moved = 0;
  source_writes("more", false);
  fresh.pump(source_.near.get(), sink_.near.get(), moved, pipes_, false);
  EXPECT_EQ(moved, 4U);
}

TEST_F(RelayDirectionTest, ASwallowedEndDoesNotHoldBackTheBytesBeforeIt) {
  direction_.swallow_end();
  source_writes("last words", true);
  EXPECT_EQ(pump(), PumpStatus::Blocked);
  bool ended = true;
  EXPECT_EQ(read_all(sink_.far.get(), ended), "last words");
  EXPECT_FALSE(ended);
}

}  // namespace
}  // namespace convtest::convproxy
