// The harness's own latency: a crafted SYN written to the lab's TUN link,
// answered by a kernel listener in the lab's namespace, and its SYN-ACK read
// back from the link (then an RST frees the request). Prints the lab's
// set-up phases and the round trip's percentiles; docs/benchmarks.md keeps
// the figures. Needs root (a network namespace and a TUN device).

#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "harness/lab/addressing.hpp"
#include "harness/lab/lab.hpp"
#include "harness/link/unique_fd.hpp"
#include "packetgen/tcp.hpp"

namespace {

using namespace convtest::harness;
namespace ip = convtest::packetgen::ip;
namespace tcp = convtest::packetgen::tcp;
using Micros = std::chrono::duration<double, std::micro>;

constexpr std::uint16_t kPort = 5124;

UniqueFd listener(const Netns& netns, bool v6) {
  auto entered = netns.enter();
  if (!entered) return UniqueFd();
  UniqueFd fd(::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_storage address{};
  socklen_t length = 0;
  if (v6) {
    auto& any = reinterpret_cast<sockaddr_in6&>(address);
    any.sin6_family = AF_INET6;
    any.sin6_port = htons(kPort);
    length = sizeof any;
  } else {
    auto& any = reinterpret_cast<sockaddr_in&>(address);
    any.sin_family = AF_INET;
    any.sin_port = htons(kPort);
    length = sizeof any;
  }
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), length) != 0 || ::listen(fd.get(), 4096) != 0)
    return UniqueFd();
  return fd;
}

struct Figures {
  std::vector<double> round_trips_us;
  unsigned lost = 0;
};

// One SYN at a time, so each figure is one packet's way through the TUN,
// the kernel and back, with nothing queued ahead of it.
Figures measure(Link& link, bool v6, unsigned count, std::size_t payload) {
  Figures figures;
  const ip::Address converter = v6 ? addressing::converter_v6() : addressing::converter_v4();
  for (unsigned i = 0; i < count; ++i) {
    const ip::Address client = v6 ? addressing::client_v6(i) : addressing::client_v4(i);
    const auto client_port = static_cast<std::uint16_t>(20000 + i % 40000);
    tcp::Segment syn;
    syn.source_port = client_port;
    syn.destination_port = kPort;
    syn.seq = 1000 + i;
    syn.flags = tcp::flag::SYN;
    syn.payload.assign(payload, 0x5a);
    const auto packet = tcp::packet(syn, ip::Endpoints{client, converter});
    const auto sent = Clock::now();
    if (!link.send(packet)) {
      ++figures.lost;
      continue;
    }
    const auto deadline = sent + std::chrono::seconds(1);
    bool answered = false;
    for (int packets = 0; packets < 16 && !answered; ++packets) {
      auto received = link.receive(deadline);
      if (!received) break;
      auto parsed = tcp::parse(received->bytes);
      answered = parsed && parsed->segment.destination_port == client_port &&
                 parsed->segment.flags == (tcp::flag::SYN | tcp::flag::ACK);
    }
    if (!answered) {
      ++figures.lost;
      continue;
    }
    figures.round_trips_us.push_back(Micros(Clock::now() - sent).count());
    tcp::Segment reset;
    reset.source_port = client_port;
    reset.destination_port = kPort;
    reset.seq = syn.seq + 1;
    reset.flags = tcp::flag::RST;
    (void)link.send(tcp::packet(reset, ip::Endpoints{client, converter}));
  }
  return figures;
}

double percentile(std::vector<double> values, double fraction) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(fraction * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Round trip of a crafted SYN through the lab's TUN link to a kernel listener and back"};
  unsigned count = 5000;
  std::size_t payload = 0;
  bool as_json = false;
  app.add_option("--count", count, "SYNs per family")->check(CLI::Range(1U, 1000000U));
  app.add_option("--payload", payload, "bytes of SYN data (a Convert message's size, say)")
      ->check(CLI::Range(std::size_t{0}, std::size_t{1200}));
  app.add_flag("--json", as_json, "print the figures as JSON");
  CLI11_PARSE(app, argc, argv);

  auto lab = Lab::local();
  if (!lab) {
    fmt::print(stderr, "syn_roundtrip: cannot build the lab: {}\n", lab.error());
    return 2;
  }
  nlohmann::json out;
  for (const auto& [phase, spent] : (*lab)->setup_phases()) out["lab_setup_us"][phase] = spent.count();
  for (const bool v6 : {false, true}) {
    const UniqueFd listening = listener(*(*lab)->netns(), v6);
    if (!listening) {
      fmt::print(stderr, "syn_roundtrip: no listener in the lab's namespace\n");
      return 2;
    }
    const Figures figures = measure((*lab)->link(), v6, count, payload);
    const auto& values = figures.round_trips_us;
    out[v6 ? "v6" : "v4"] = {{"count", values.size()},
                             {"lost", figures.lost},
                             {"p50_us", percentile(values, 0.50)},
                             {"p99_us", percentile(values, 0.99)},
                             {"min_us", percentile(values, 0.0)},
                             {"max_us", percentile(values, 1.0)}};
  }
  if (as_json) {
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  for (const auto& [phase, spent] : out["lab_setup_us"].items())
    fmt::print("lab set-up {:<8} {:>8} us\n", phase, spent.get<long long>());
  for (const char* family : {"v4", "v6"}) {
    const auto& f = out[family];
    fmt::print(
        "{} SYN -> SYN-ACK ({} bytes of data): {} round trips, {} lost; p50 {:.1f} us, p99 {:.1f} us, "
        "min {:.1f} us, max {:.1f} us\n",
        family, payload, f["count"].get<unsigned>(), f["lost"].get<unsigned>(), f["p50_us"].get<double>(),
        f["p99_us"].get<double>(), f["min_us"].get<double>(), f["max_us"].get<double>());
  }
  return 0;
}
