#include "harness/endpoint/summary.hpp"

#include <fmt/format.h>

#include <type_traits>
#include <vector>

#include "packetgen/icmp.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::harness {
namespace {

namespace pt = packetgen::tcp;

std::string mpc_text(const pt::MpCapableOption& mpc) {
  std::string text = fmt::format("mptcp capable v{} flags 0x{:02x}", mpc.version, mpc.flags);
  if (mpc.sender_key) text += fmt::format(" key 0x{:016x}", *mpc.sender_key);
  if (mpc.receiver_key) text += fmt::format(",0x{:016x}", *mpc.receiver_key);
  if (mpc.data_level_length) text += fmt::format(" len {}", *mpc.data_level_length);
  return text;
}

std::string dss_text(const pt::mptcp::Dss& dss) {
  std::string text = "mptcp dss";
  if (dss.data_fin) text += " fin";
  if (dss.data_ack) text += fmt::format(" ack {}", *dss.data_ack);
  if (dss.mapping)
    text += fmt::format(" seq {} subseq {} len {}", dss.mapping->dsn, dss.mapping->subflow_seq,
                        dss.mapping->data_level_length);
  return text;
}

std::string option_text(const pt::Option& option) {
  if (option.malformed) return fmt::format("unknown-{} (malformed, {} bytes)", option.kind, option.bytes.size());
  return std::visit(
      [&](const auto& value) -> std::string {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, pt::MssOption>)
          return fmt::format("mss {}", value.value);
        else if constexpr (std::is_same_v<T, pt::WindowScaleOption>)
          return fmt::format("wscale {}", value.shift);
        else if constexpr (std::is_same_v<T, pt::SackPermittedOption>)
          return "sackOK";
        else if constexpr (std::is_same_v<T, pt::SackOption>)
          return fmt::format("sack {}", value.blocks.size());
        else if constexpr (std::is_same_v<T, pt::TimestampsOption>)
          return fmt::format("TS val {} ecr {}", value.tsval, value.tsecr);
        else if constexpr (std::is_same_v<T, pt::FastOpenOption>)
          return value.cookie.empty() ? std::string("tfo cookiereq") : "tfo cookie " + packetgen::to_hex(value.cookie);
        else if constexpr (std::is_same_v<T, pt::MpCapableOption>)
          return mpc_text(value);
        else if constexpr (std::is_same_v<T, pt::DssOption>)
          return dss_text(value.dss);
        else if constexpr (std::is_same_v<T, pt::OtherMptcpOption>)
          return fmt::format("mptcp subtype {}", static_cast<int>(value.subtype));
        else {
          if (option.kind == pt::kind::NOP) return "nop";
          if (option.kind == pt::kind::EOL) return "eol";
          return fmt::format("unknown-{} {}", option.kind, packetgen::to_hex(option.bytes));
        }
      },
      option.value);
}

std::string icmp_summary(packetgen::ByteView ip_packet) {
  auto icmp = packetgen::icmp::parse(ip_packet);
  auto header = packetgen::ip::parse_header(ip_packet);
  if (!header) return fmt::format("not IP ({} bytes)", ip_packet.size());
  std::string text =
      fmt::format("{} > {}: ", header->addresses.source.to_string(), header->addresses.destination.to_string());
  const bool v6 = header->addresses.source.family == packetgen::ip::Family::V6;
  if (!icmp) return text + fmt::format("{} proto {}, length {}", v6 ? "IP6" : "IP", header->protocol, ip_packet.size());
  text += fmt::format("{} type {} code {}", v6 ? "ICMP6" : "ICMP", icmp->type, icmp->code);
  if (auto quoted = pt::parse(icmp->quoted); quoted) text += " quoting [" + summarize(*quoted) + "]";
  return text;
}

}  // namespace

std::string summarize_options(packetgen::ByteView option_area) {
  const auto parsed = pt::parse_options(option_area);
  std::vector<std::string> parts;
  for (const auto& option : parsed.options)
    if (option.kind != pt::kind::EOL) parts.push_back(option_text(option));  // EOL is padding here
  if (parsed.broken_at) parts.push_back(fmt::format("broken at {}", *parsed.broken_at));
  return fmt::format("[{}]", fmt::join(parts, ","));
}

std::string summarize(const packetgen::tcp::Parsed& parsed) {
  const auto& s = parsed.segment;
  std::string text =
      fmt::format("{}.{} > {}.{}: Flags [{}], seq {}", parsed.addresses.source.to_string(), s.source_port,
                  parsed.addresses.destination.to_string(), s.destination_port, pt::flags_text(s.flags), s.seq);
  if (s.flags & pt::flag::ACK) text += fmt::format(", ack {}", s.ack);
  text += fmt::format(", win {}", s.window);
  if (!s.options.empty()) text += ", options " + summarize_options(s.options);
  text += fmt::format(", length {}", s.payload.size());
  if (!parsed.checksum_ok) text += " (bad checksum)";
  return text;
}

std::string summarize(packetgen::ByteView ip_packet) {
  if (auto parsed = pt::parse(ip_packet); parsed) return summarize(*parsed);
  return icmp_summary(ip_packet);
}

}  // namespace convtest::harness
