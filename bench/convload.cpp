// convload: load generator and servers for bench/proxy-bench.sh,
// bench/soak.sh and the converter's load test (tests/proxy).
//
//   convload serve ADDR HTTP_PORT SINK_PORT [LIFETIME_S [ECHO_PORT [MPTCP_SINK_PORT]]]
//       HTTP_PORT answers every connection's first bytes with 100 bytes and
//       closes; SINK_PORT (and MPTCP_SINK_PORT, an MPTCP listener) counts
//       bytes until EOF and answers the count (8 bytes); ECHO_PORT echoes
//       every byte and closes after the client's FIN.
//   convload cps    TARGET SECONDS CONCURRENCY [CONVERT_DEST]
//   convload ttfb   TARGET COUNT [CONVERT_DEST]
//   convload stream TARGET SECONDS [CONVERT_DEST]
//   convload idle   TARGET COUNT HOLD_S READY_FILE [CONVERT_DEST]
//       opens COUNT connections to an echo port, checks a 1-byte echo on
//       each, writes "ok=N failed=M" to READY_FILE and holds them HOLD_S.
//   convload trace  SECONDS OUT_FILE
//       kernel-timestamped SYNs and data segments seen in this namespace
//       (convload_trace.cpp), for the time-to-first-byte breakdown.
//   convload relay  ADDR PORT[+mptcp] UPSTREAM SECONDS [THREADS]
//       the smallest relay (THREADS epoll loops, default 2, recv/send, no
//       Convert) from a TCP or MPTCP listener to UPSTREAM (convload_relay.cpp).
//   convload soak   TARGET SECONDS RATE CONCURRENCY MAX_BYTES HOLD_S [CONVERT_DEST]
//       RATE new connections per second to an echo port for SECONDS; each
//       sends 1..MAX_BYTES, reads them back, compares SHA-256 both ways,
//       stays HOLD_S, half-closes (convload_soak.cpp).
//
// TARGET is ADDR:PORT (the server, HAProxy or the converter), "+mptcp" for
// a plain MPTCP socket. With CONVERT_DEST (ADDR:PORT of the server) the
// client speaks Convert: the message and the request ride in the SYN
// (MSG_FASTOPEN) and the converter's reply is stripped before the response
// is counted. Add "+mptcp" to CONVERT_DEST for an MPTCP client socket, then
// "+tfo" for a Connect TLV that asks for TCP Fast Open towards the server
// (the request then rides in the converter's SYN too).
// Every run is bounded in time.

#include "convload.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "convclient/options.hpp"
#include "convclient/request.hpp"

namespace convload {

using namespace convtest;
constexpr std::size_t kResponseSize = 100;

std::optional<Plan> make_plan(const std::string& target, const std::string& convert_dest) {
  Plan plan;
  std::string where = target;
  if (where.ends_with("+mptcp")) {
    plan.mptcp = true;
    where.resize(where.size() - 6);
  }
  auto endpoint = convclient::parse_endpoint(where);
  if (!endpoint) return std::nullopt;
  plan.target = *endpoint;
  if (convert_dest.empty()) return plan;
  std::string dest = convert_dest;
  convclient::ClientOptions options;
  if (dest.ends_with("+tfo")) {  // the Connect TLV asks the converter for TFO towards the server
    auto fast_open = convclient::parse_connect_option("34");
    if (!fast_open) return std::nullopt;
    options.connect_options = *fast_open;
    dest.resize(dest.size() - 4);
  }
  if (dest.ends_with("+mptcp")) {
    plan.mptcp = true;
    dest.resize(dest.size() - 6);
  }
  auto destination = convclient::parse_endpoint(dest);
  if (!destination) return std::nullopt;
  options.destination = *destination;
  auto message = convclient::build_request(options);
  if (!message) return std::nullopt;
  plan.convert_message = *message;
  return plan;
}

int open_and_send(const Plan& plan, bool blocking, std::string_view request) {
  const auto address = convclient::to_socket_address(plan.target);
  const int type = SOCK_STREAM | SOCK_CLOEXEC | (blocking ? 0 : SOCK_NONBLOCK);
  const int fd = ::socket(address.family(), type, plan.mptcp ? kMptcp : IPPROTO_TCP);
  if (fd < 0) return -1;
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (plan.convert_message) {
    ::setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_NO_COOKIE, &one, sizeof one);
    packetgen::Bytes syn = *plan.convert_message;
    syn.insert(syn.end(), request.begin(), request.end());
    if (::sendto(fd, syn.data(), syn.size(), MSG_FASTOPEN | MSG_NOSIGNAL, address.get(), address.length) < 0 &&
        errno != EINPROGRESS) {
      ::close(fd);
      return -1;
    }
    return fd;
  }
  if (::connect(fd, address.get(), address.length) < 0 && errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  if (blocking && !request.empty() && ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) < 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
}

void ResponseReader::feed(const std::uint8_t* data, std::size_t size, bool keep) {
  if (!convert || reply_done) {
    app_bytes += size;
    if (keep) app_data.insert(app_data.end(), data, data + size);
    return;
  }
  const auto state = reply.feed(packetgen::ByteView(data, size));
  if (const auto* accepted = std::get_if<convclient::ReplyAccepted>(&state)) {
    reply_done = true;
    app_bytes += accepted->application_data.size();
    if (keep) app_data.insert(app_data.end(), accepted->application_data.begin(), accepted->application_data.end());
  } else if (!std::holds_alternative<convclient::ReplyIncomplete>(state)) {
    failed = true;
  }
}

namespace {

const std::string kRequest = "GET /100b HTTP/1.1\r\n\r\n";

// A blocking connection whose reads give up after 5 s.
int open_blocking(const Plan& plan, std::string_view request) {
  const int fd = open_and_send(plan, true, request);
  if (fd < 0) return fd;
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  return fd;
}

// ---------------------------------------------------------------- cps
struct Flow {
  bool request_sent = false;
  ResponseReader response;
};

int run_cps(const Plan& plan, double seconds, int concurrency) {
  const int epoll = ::epoll_create1(EPOLL_CLOEXEC);
  std::unordered_map<int, Flow> flows;
  long done = 0, failed = 0;
  const auto start = Clock::now();
  auto launch = [&] {
    const int fd = open_and_send(plan, false, kRequest);
    if (fd < 0) {
      ++failed;
      return;
    }
    Flow flow;
    flow.response.convert = plan.convert_message.has_value();
    flow.request_sent = flow.response.convert;
    epoll_event event{};
    event.events = flow.request_sent ? EPOLLIN : (EPOLLOUT | EPOLLIN);
    event.data.fd = fd;
    ::epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
    flows.emplace(fd, std::move(flow));
  };
  auto finish = [&](int fd, bool ok) {
    ok ? ++done : ++failed;
    ::epoll_ctl(epoll, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    flows.erase(fd);
  };
  for (int i = 0; i < concurrency; ++i) launch();
  std::vector<epoll_event> events(256);
  std::uint8_t buffer[4096];
  while (seconds_since(start) < seconds) {
    const int n = ::epoll_wait(epoll, events.data(), static_cast<int>(events.size()), 100);
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      auto found = flows.find(fd);
      if (found == flows.end()) continue;
      Flow& flow = found->second;
      if (!flow.request_sent && (events[i].events & EPOLLOUT)) {
        if (::send(fd, kRequest.data(), kRequest.size(), MSG_NOSIGNAL) < 0) {
          finish(fd, false);
          launch();
          continue;
        }
        flow.request_sent = true;
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.fd = fd;
        ::epoll_ctl(epoll, EPOLL_CTL_MOD, fd, &event);
      }
      if (!(events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
      const ssize_t got = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
      if (got > 0) flow.response.feed(buffer, static_cast<std::size_t>(got));
      if (got == 0 || (got < 0 && errno != EAGAIN) || flow.response.failed) {
        finish(fd, got == 0 && flow.response.app_bytes == kResponseSize);
        launch();
      }
    }
  }
  const double elapsed = seconds_since(start);
  for (auto& [fd, flow] : flows) ::close(fd);
  ::close(epoll);
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto cpu_us = [](const timeval& t) { return static_cast<long>(t.tv_sec) * 1000000L + t.tv_usec; };
  std::printf("cps=%.1f done=%ld failed=%ld elapsed_s=%.2f cpu_us=%ld\n", static_cast<double>(done) / elapsed, done,
              failed, elapsed, cpu_us(usage.ru_utime) + cpu_us(usage.ru_stime));
  return failed > done / 100 ? 1 : 0;
}

// ---------------------------------------------------------------- ttfb
int run_ttfb(const Plan& plan, int count) {
  std::vector<double> latencies;
  int failed = 0;
  std::uint8_t buffer[4096];
  const auto start = Clock::now();
  for (int i = 0; i < count && seconds_since(start) < 60; ++i) {
    const auto t0 = Clock::now();
    const int fd = open_blocking(plan, kRequest);
    if (fd < 0) {
      ++failed;
      continue;
    }
    ResponseReader response;
    response.convert = plan.convert_message.has_value();
    std::optional<double> first;
    while (true) {
      const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
      if (got <= 0) break;
      response.feed(buffer, static_cast<std::size_t>(got));
      if (!first && response.app_bytes > 0)
        first = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
    }
    ::close(fd);
    if (first && response.app_bytes == kResponseSize)
      latencies.push_back(*first);
    else
      ++failed;
  }
  std::sort(latencies.begin(), latencies.end());
  auto percentile = [&](double p) {
    if (latencies.empty()) return 0.0;
    const auto index = static_cast<std::size_t>(p * static_cast<double>(latencies.size() - 1));
    return latencies[index];
  };
  std::printf("p50_us=%.1f p99_us=%.1f ok=%zu fail=%d\n", percentile(0.50), percentile(0.99), latencies.size(), failed);
  return failed > 0 ? 1 : 0;
}

// ---------------------------------------------------------------- stream
int run_stream(const Plan& plan, double seconds) {
  const int fd = open_and_send(plan, true, kRequest);  // the request bytes are counted too
  if (fd < 0) {
    std::perror("connect");
    return 1;
  }
  std::vector<std::uint8_t> chunk(256 * 1024, 0x5a);
  const auto start = Clock::now();
  while (seconds_since(start) < seconds)
    if (::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL) < 0) break;
  ::shutdown(fd, SHUT_WR);
  ResponseReader response;
  response.convert = plan.convert_message.has_value();
  std::uint8_t buffer[4096];
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  while (true) {
    const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
    if (got <= 0) break;
    response.feed(buffer, static_cast<std::size_t>(got), true);
  }
  const double elapsed = seconds_since(start);
  ::close(fd);
  if (response.app_data.size() != 8) {
    std::fprintf(stderr, "stream: no byte count from the sink\n");
    return 1;
  }
  std::uint64_t count = 0;
  for (auto byte : response.app_data) count = count << 8 | byte;
  std::printf("gbit_s=%.3f bytes=%llu elapsed_s=%.2f\n", static_cast<double>(count) * 8 / elapsed / 1e9,
              static_cast<unsigned long long>(count), elapsed);
  return 0;
}

// ---------------------------------------------------------------- idle
// Opens `count` connections (blocking connect, 1-byte request), each checked
// by its echo, in batches so the converter never sees a SYN flood.
int run_idle(const Plan& plan, int count, double hold, const std::string& ready_file) {
  raise_descriptor_limit();
  constexpr int kBatch = 100;
  const std::string_view ping = "x";
  std::vector<int> open;
  int failed = 0;
  const auto start = Clock::now();
  std::uint8_t buffer[256];
  for (int launched = 0; launched < count && seconds_since(start) < 120;) {
    std::vector<std::pair<int, ResponseReader>> batch;
    for (int i = 0; i < kBatch && launched < count; ++i, ++launched) {
      const int fd = open_blocking(plan, ping);
      if (fd < 0) {
        ++failed;
        continue;
      }
      ResponseReader response;
      response.convert = plan.convert_message.has_value();
      batch.emplace_back(fd, std::move(response));
    }
    for (auto& [fd, response] : batch) {
      while (response.app_bytes < ping.size() && !response.failed) {
        const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
        if (got <= 0) break;
        response.feed(buffer, static_cast<std::size_t>(got));
      }
      if (response.app_bytes == ping.size()) {
        open.push_back(fd);
      } else {
        ++failed;
        ::close(fd);
      }
    }
  }
  const double opened_in = seconds_since(start);
  std::ofstream(ready_file) << "ok=" << open.size() << " failed=" << failed << "\n";
  std::printf("idle ok=%zu failed=%d open_s=%.2f\n", open.size(), failed, opened_in);
  std::fflush(stdout);
  std::this_thread::sleep_for(std::chrono::duration<double>(hold));
  for (const int fd : open) ::close(fd);
  return failed > 0 ? 1 : 0;
}

}  // namespace
}  // namespace convload

int main(int argc, char** argv) {
  using namespace convload;
  const std::vector<std::string> args(argv + 1, argv + argc);
  const auto arg = [&](std::size_t i) { return i < args.size() ? args[i] : std::string(); };
  const std::string mode = arg(0);
  if (mode == "serve" && args.size() >= 4)
    return run_serve(arg(1), std::stoi(arg(2)), std::stoi(arg(3)), args.size() > 4 ? std::stod(arg(4)) : 3600,
                     args.size() > 5 ? std::stoi(arg(5)) : 0, args.size() > 6 ? std::stoi(arg(6)) : 0);
  if (mode == "trace" && args.size() >= 3) return run_trace(std::stod(arg(1)), arg(2));
  if (mode == "relay" && args.size() >= 5) {
    const bool mptcp = arg(2).ends_with("+mptcp");
    const auto upstream = make_plan(arg(3), "");
    if (!upstream) {
      std::fprintf(stderr, "convload: bad address\n");
      return 2;
    }
    return run_relay(arg(1), std::stoi(arg(2)), mptcp, *upstream, std::stod(arg(4)),
                     args.size() > 5 ? std::stoi(arg(5)) : 2);
  }
  if (mode == "soak" && args.size() >= 7) {
    const auto plan = make_plan(arg(1), arg(7));
    if (!plan) {
      std::fprintf(stderr, "convload: bad address\n");
      return 2;
    }
    return run_soak(*plan, SoakSettings{std::stod(arg(2)), std::stod(arg(3)), std::stoi(arg(4)),
                                        static_cast<std::size_t>(std::stoul(arg(5))), std::stod(arg(6))});
  }
  if (mode == "idle" && args.size() >= 5) {
    const auto plan = make_plan(arg(1), arg(5));
    if (!plan) {
      std::fprintf(stderr, "convload: bad address\n");
      return 2;
    }
    return run_idle(*plan, std::stoi(arg(2)), std::stod(arg(3)), arg(4));
  }
  if ((mode == "cps" && args.size() >= 4) || (mode == "ttfb" && args.size() >= 3) ||
      (mode == "stream" && args.size() >= 3)) {
    const std::string convert_dest = mode == "cps" ? arg(4) : arg(3);
    const auto plan = make_plan(arg(1), convert_dest);
    if (!plan) {
      std::fprintf(stderr, "convload: bad address\n");
      return 2;
    }
    if (mode == "cps") return run_cps(*plan, std::stod(arg(2)), std::stoi(arg(3)));
    if (mode == "ttfb") return run_ttfb(*plan, std::stoi(arg(2)));
    return run_stream(*plan, std::stod(arg(2)));
  }
  std::fprintf(stderr,
               "usage: convload serve ADDR HTTP_PORT SINK_PORT [LIFETIME_S [ECHO_PORT [MPTCP_SINK_PORT]]]\n"
               "       convload cps TARGET SECONDS CONCURRENCY [CONVERT_DEST[+mptcp][+tfo]]\n"
               "       convload ttfb TARGET COUNT [CONVERT_DEST[+mptcp][+tfo]]\n"
               "       convload stream TARGET SECONDS [CONVERT_DEST[+mptcp][+tfo]]\n"
               "       convload idle TARGET COUNT HOLD_S READY_FILE [CONVERT_DEST[+mptcp][+tfo]]\n"
               "       convload trace SECONDS OUT_FILE\n"
               "       convload relay ADDR PORT[+mptcp] UPSTREAM SECONDS [THREADS]\n"
               "       convload soak TARGET SECONDS RATE CONCURRENCY MAX_BYTES HOLD_S [CONVERT_DEST[+mptcp][+tfo]]\n");
  return 2;
}
