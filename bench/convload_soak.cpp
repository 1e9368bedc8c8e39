// convload soak: connections with data at a steady rate for a long time,
// each checked byte for byte. A connection sends 1..MAX_BYTES pseudo-random
// bytes to an echo server, reads them back, stays open HOLD_S, half-closes
// and waits for the server's FIN; SHA-256 of what it sent and of what came
// back must match (a byte lost, added or altered either way shows). Prints a
// progress line a minute and one summary line.

#include <openssl/evp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "convload.hpp"

namespace convload {

namespace soak {  // named: in a unity build it meets convload.cpp's helpers

constexpr std::size_t kChunk = 16 * 1024;
constexpr double kFlowDeadlineSeconds = 60;
constexpr double kDrainSeconds = 30;

struct DigestDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using Digest = std::unique_ptr<EVP_MD_CTX, DigestDeleter>;

Digest new_digest() {
  Digest digest(EVP_MD_CTX_new());
  EVP_DigestInit_ex(digest.get(), EVP_sha256(), nullptr);
  return digest;
}

std::array<unsigned char, EVP_MAX_MD_SIZE> finish(const Digest& digest) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned size = 0;
  EVP_DigestFinal_ex(digest.get(), out.data(), &size);
  return out;
}

// xorshift64*: the bytes a connection sends, from its own seed.
class Bytes {
 public:
  explicit Bytes(std::uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ULL + 1) {}
  std::uint64_t next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1DULL;
  }
  void fill(std::vector<std::uint8_t>& out, std::size_t size) {
    out.resize(size);
    for (auto& byte : out) byte = static_cast<std::uint8_t>(next() >> 56);
  }

 private:
  std::uint64_t state_;
};

enum class Outcome { Ok, ConnectFailed, Reset, Mismatch, BadReply, Timeout };
constexpr std::array<const char*, 6> kOutcomeNames{"ok", "connect_failed", "reset", "mismatch", "bad_reply", "timeout"};

struct Flow {
  explicit Flow(std::uint64_t seed, std::size_t size, bool convert)
      : bytes(seed), total(size), sent_digest(new_digest()), received_digest(new_digest()) {
    response.convert = convert;
  }
  Bytes bytes;
  std::size_t total;
  std::size_t sent = 0;
  std::vector<std::uint8_t> chunk;
  std::size_t chunk_from = 0;
  Digest sent_digest;
  Digest received_digest;
  ResponseReader response;
  std::size_t hashed = 0;  // response.app_data bytes already hashed
  Clock::time_point started = Clock::now();
  std::optional<Clock::time_point> echoed_at;
  bool write_closed = false;
};

struct Totals {
  std::uint64_t launched = 0;
  std::array<std::uint64_t, 6> outcomes{};
  std::uint64_t bytes_up = 0;
  std::uint64_t bytes_down = 0;
  std::uint64_t ok() const { return outcomes[0]; }
  std::uint64_t failed() const { return launched - ok() - in_flight; }
  std::uint64_t in_flight = 0;
};

class Soak {
 public:
  Soak(const Plan& plan, const SoakSettings& settings) : plan_(plan), settings_(settings) {}

  int run() {
    raise_descriptor_limit();
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    const auto start = Clock::now();
    double next_report = 60;
    std::vector<epoll_event> events(512);
    for (;;) {
      const double elapsed = seconds_since(start);
      const bool launching = elapsed < settings_.seconds;
      if (!launching && (flows_.empty() || elapsed > settings_.seconds + kDrainSeconds)) break;
      if (launching) launch_due(elapsed);
      const int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 10);
      for (int i = 0; i < n; ++i) on_event(events[static_cast<std::size_t>(i)].data.fd);
      check_holds_and_deadlines();
      if (elapsed >= next_report) {
        report("progress", elapsed);
        next_report += 60;
      }
    }
    for (auto& [fd, flow] : flows_) end(fd, Outcome::Timeout, false);
    flows_.clear();
    ::close(epoll_);
    report("soak", seconds_since(start));
    return totals_.ok() == totals_.launched ? 0 : 1;
  }

 private:
  void report(const char* what, double elapsed) {
    totals_.in_flight = flows_.size();
    std::printf(
        "%s elapsed_s=%.1f connections=%llu ok=%llu failed=%llu in_flight=%llu bytes_up=%llu "
        "bytes_down=%llu",
        what, elapsed, ull(totals_.launched), ull(totals_.ok()), ull(totals_.failed()), ull(totals_.in_flight),
        ull(totals_.bytes_up), ull(totals_.bytes_down));
    for (std::size_t i = 1; i < kOutcomeNames.size(); ++i)
      std::printf(" %s=%llu", kOutcomeNames[i], ull(totals_.outcomes[i]));
    std::printf("\n");
    std::fflush(stdout);
  }
  static unsigned long long ull(std::uint64_t value) { return value; }

  void launch_due(double elapsed) {
    const auto due = static_cast<std::uint64_t>(elapsed * settings_.rate) + 1;
    while (totals_.launched < due && flows_.size() < static_cast<std::size_t>(settings_.concurrency)) launch();
  }

  void launch() {
    const std::uint64_t seed = ++totals_.launched;
    Bytes sizes(seed ^ 0x5A5A5A5AULL);
    const std::size_t size = 1 + sizes.next() % settings_.max_bytes;
    const int fd = open_and_send(plan_, false, {});
    if (fd < 0) {
      ++totals_.outcomes[static_cast<std::size_t>(Outcome::ConnectFailed)];
      return;
    }
    flows_.emplace(fd, Flow(seed, size, plan_.convert_message.has_value()));
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
    event.data.fd = fd;
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event);
  }

  void on_event(int fd) {
    const auto found = flows_.find(fd);
    if (found == flows_.end()) return;
    Flow& flow = found->second;
    if (!send_more(fd, flow)) return end(fd, Outcome::Reset);
    const auto read = receive(fd, flow);
    if (read) return end(fd, *read);
    if (flow.sent == flow.total && flow.response.app_bytes == flow.total && !flow.echoed_at)
      flow.echoed_at = Clock::now();
  }

  bool send_more(int fd, Flow& flow) {
    while (flow.sent < flow.total) {
      if (flow.chunk_from == flow.chunk.size()) {
        flow.bytes.fill(flow.chunk, std::min(kChunk, flow.total - flow.sent));
        EVP_DigestUpdate(flow.sent_digest.get(), flow.chunk.data(), flow.chunk.size());
        flow.chunk_from = 0;
      }
      const ssize_t put = ::send(fd, flow.chunk.data() + flow.chunk_from, flow.chunk.size() - flow.chunk_from,
                                 MSG_NOSIGNAL | MSG_DONTWAIT);
      if (put < 0) return errno == EAGAIN || errno == ENOTCONN;
      flow.chunk_from += static_cast<std::size_t>(put);
      flow.sent += static_cast<std::size_t>(put);
      totals_.bytes_up += static_cast<std::uint64_t>(put);
    }
    if (flow.sent == flow.total) {
      epoll_event event{};
      event.events = EPOLLIN | EPOLLRDHUP;
      event.data.fd = fd;
      ::epoll_ctl(epoll_, EPOLL_CTL_MOD, fd, &event);
    }
    return true;
  }

  // An outcome once the connection is over (the server's FIN or an error).
  std::optional<Outcome> receive(int fd, Flow& flow) {
    for (;;) {
      const ssize_t got = ::recv(fd, buffer_.data(), buffer_.size(), MSG_DONTWAIT);
      if (got < 0) return errno == EAGAIN ? std::nullopt : std::optional(Outcome::Reset);
      if (got == 0) return verdict(flow);
      flow.response.feed(buffer_.data(), static_cast<std::size_t>(got), true);
      if (flow.response.failed) return Outcome::BadReply;
      auto& data = flow.response.app_data;
      EVP_DigestUpdate(flow.received_digest.get(), data.data(), data.size());
      totals_.bytes_down += data.size();
      flow.hashed += data.size();
      data.clear();
    }
  }

  Outcome verdict(Flow& flow) {
    if (!flow.write_closed || flow.hashed != flow.total) return Outcome::Mismatch;
    return finish(flow.sent_digest) == finish(flow.received_digest) ? Outcome::Ok : Outcome::Mismatch;
  }

  void check_holds_and_deadlines() {
    const auto now = Clock::now();
    const auto hold = std::chrono::duration<double>(settings_.hold);
    std::vector<int> late;
    for (auto& [fd, flow] : flows_) {
      if (flow.echoed_at && !flow.write_closed && now - *flow.echoed_at >= hold) {
        ::shutdown(fd, SHUT_WR);
        flow.write_closed = true;
      }
      if (now - flow.started > std::chrono::duration<double>(kFlowDeadlineSeconds + settings_.hold)) late.push_back(fd);
    }
    for (const int fd : late) end(fd, Outcome::Timeout);
  }

  void end(int fd, Outcome outcome, bool erase = true) {
    ++totals_.outcomes[static_cast<std::size_t>(outcome)];
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    if (erase) flows_.erase(fd);
  }

  const Plan& plan_;
  SoakSettings settings_;
  int epoll_ = -1;
  std::unordered_map<int, Flow> flows_;
  Totals totals_;
  std::vector<std::uint8_t> buffer_ = std::vector<std::uint8_t>(64 * 1024);
};

}  // namespace soak

int run_soak(const Plan& plan, const SoakSettings& settings) { return soak::Soak(plan, settings).run(); }

}  // namespace convload
