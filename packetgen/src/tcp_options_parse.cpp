// The lenient option-area parser: every block is bounds-checked before its
// body is read, and a body whose length does not fit its kind is reported
// as malformed instead of being decoded.

#include <algorithm>
#include <optional>

#include "packetgen/tcp_options.hpp"

namespace convtest::packetgen::tcp {
namespace {

using mptcp::Subtype;
namespace dss_flag = mptcp::dss_flag;

// A decoded body, or nullopt when the length does not fit the kind.
using Decoded = std::optional<OptionValue>;

Decoded decode_sack(ByteView option) {
  if (option.size() < 10 || (option.size() - 2) % 8 != 0) return std::nullopt;
  SackOption sack;
  for (std::size_t at = 2; at + 8 <= option.size(); at += 8)
    sack.blocks.emplace_back(get_u32(option, at), get_u32(option, at + 4));
  return sack;
}

Decoded decode_fast_open(ByteView option) {
  const std::size_t cookie = option.size() - 2;
  const bool valid = cookie == 0 || (cookie >= 4 && cookie <= 16 && cookie % 2 == 0);
  if (!valid) return std::nullopt;
  return FastOpenOption{Bytes(option.begin() + 2, option.end())};
}

Decoded decode_mp_capable(ByteView option) {
  const std::size_t size = option.size();
  if (size != 4 && size != 12 && size != 20 && size != 22 && size != 24) return std::nullopt;
  MpCapableOption mpc;
  mpc.version = option[2] & 0x0f;
  mpc.flags = option[3];
  if (size >= 12) mpc.sender_key = get_u64(option, 4);
  if (size >= 20) mpc.receiver_key = get_u64(option, 12);
  if (size >= 22) mpc.data_level_length = get_u16(option, 20);
  if (size == 24) mpc.checksum = get_u16(option, 22);
  return mpc;
}

std::size_t dss_size_without_checksum(std::uint8_t flags) {
  std::size_t size = 4;
  if (flags & dss_flag::DataAck) size += (flags & dss_flag::DataAck8) ? 8 : 4;
  if (flags & dss_flag::Mapping) size += ((flags & dss_flag::Dsn8) ? 8 : 4) + 4 + 2;
  return size;
}

std::uint64_t read_u32_or_u64(ByteView option, std::size_t& at, bool wide) {
  const std::uint64_t value = wide ? get_u64(option, at) : get_u32(option, at);
  at += wide ? 8 : 4;
  return value;
}

Decoded decode_dss(ByteView option) {
  if (option.size() < 4) return std::nullopt;
  const std::uint8_t flags = option[3];
  const std::size_t expected = dss_size_without_checksum(flags);
  const bool has_mapping = (flags & dss_flag::Mapping) != 0;
  const bool has_checksum = has_mapping && option.size() == expected + 2;
  if (option.size() != expected && !has_checksum) return std::nullopt;

  DssOption parsed;
  parsed.flags = flags;
  mptcp::Dss& dss = parsed.dss;
  dss.data_fin = (flags & dss_flag::DataFin) != 0;
  std::size_t at = 4;
  if (flags & dss_flag::DataAck) {
    dss.ack64 = (flags & dss_flag::DataAck8) != 0;
    dss.data_ack = read_u32_or_u64(option, at, dss.ack64);
  }
  if (has_mapping) {
    dss.dsn64 = (flags & dss_flag::Dsn8) != 0;
    mptcp::Dss::Mapping mapping;
    mapping.dsn = read_u32_or_u64(option, at, dss.dsn64);
    mapping.subflow_seq = get_u32(option, at);
    mapping.data_level_length = get_u16(option, at + 4);
    if (has_checksum) mapping.checksum = get_u16(option, at + 6);
    dss.mapping = mapping;
  }
  return parsed;
}

Decoded decode_mptcp(ByteView option) {
  if (option.size() < 3) return std::nullopt;
  const auto subtype = static_cast<Subtype>(option[2] >> 4);
  if (subtype == Subtype::MpCapable) return decode_mp_capable(option);
  if (subtype == Subtype::Dss) return decode_dss(option);
  return OtherMptcpOption{subtype, Bytes(option.begin() + 2, option.end())};
}

Decoded exact(ByteView option, std::size_t size, OptionValue value) {
  if (option.size() != size) return std::nullopt;
  return value;
}

// Called only with option.size() >= 2 (kind, length, body in bounds).
Decoded decode(ByteView option) {
  switch (option[0]) {
    case kind::MSS: return option.size() == 4 ? Decoded(MssOption{get_u16(option, 2)}) : std::nullopt;
    case kind::WindowScale: return option.size() == 3 ? Decoded(WindowScaleOption{option[2]}) : std::nullopt;
    case kind::SackPermitted: return exact(option, 2, SackPermittedOption{});
    case kind::Sack: return decode_sack(option);
    case kind::Timestamps:
      return option.size() == 10 ? Decoded(TimestampsOption{get_u32(option, 2), get_u32(option, 6)}) : std::nullopt;
    case kind::FastOpen: return decode_fast_open(option);
    case kind::Mptcp: return decode_mptcp(option);
    default: return UnknownOption{};
  }
}

Option single_byte(std::uint8_t option_kind, std::size_t offset) {
  Option option;
  option.kind = option_kind;
  option.offset = offset;
  option.bytes = {option_kind};
  return option;
}

Option broken(ByteView area, std::size_t offset) {
  Option option;
  option.kind = area[offset];
  option.offset = offset;
  option.bytes.assign(area.begin() + static_cast<std::ptrdiff_t>(offset), area.end());
  option.malformed = true;
  return option;
}

}  // namespace

ParsedOptions parse_options(ByteView area) {
  ParsedOptions parsed;
  std::size_t at = 0;
  while (at < area.size()) {
    const std::uint8_t option_kind = area[at];
    if (option_kind == kind::EOL) {
      parsed.options.push_back(single_byte(option_kind, at));
      parsed.ended_by_eol = true;
      break;
    }
    if (option_kind == kind::NOP) {
      parsed.options.push_back(single_byte(option_kind, at));
      ++at;
      continue;
    }
    const std::size_t length = at + 1 < area.size() ? area[at + 1] : 0;
    if (length < 2 || length > area.size() - at) {
      parsed.options.push_back(broken(area, at));
      parsed.broken_at = at + 1;
      break;
    }
    Option option;
    option.kind = option_kind;
    option.offset = at;
    option.bytes.assign(area.begin() + static_cast<std::ptrdiff_t>(at),
                        area.begin() + static_cast<std::ptrdiff_t>(at + length));
    Decoded value = decode(option.bytes);
    option.malformed = !value.has_value();
    if (value) option.value = std::move(*value);
    parsed.options.push_back(std::move(option));
    at += length;
  }
  return parsed;
}

const Option* ParsedOptions::find(std::uint8_t option_kind) const {
  for (const Option& option : options)
    if (option.kind == option_kind) return &option;
  return nullptr;
}

const Option* ParsedOptions::find_mptcp(mptcp::Subtype subtype) const {
  for (const Option& option : options)
    if (option.kind == kind::Mptcp && option.bytes.size() >= 3 && static_cast<Subtype>(option.bytes[2] >> 4) == subtype)
      return &option;
  return nullptr;
}

std::vector<std::uint8_t> ParsedOptions::kinds() const {
  std::vector<std::uint8_t> out;
  for (const Option& option : options)
    if (option.kind != kind::NOP && option.kind != kind::EOL) out.push_back(option.kind);
  return out;
}

std::optional<MpJoinSynAck> mp_join_synack(const Option& option) {
  constexpr std::size_t kSynAckSize = 16;
  const Bytes& bytes = option.bytes;
  if (option.kind != kind::Mptcp || bytes.size() != kSynAckSize || bytes[1] != kSynAckSize ||
      static_cast<Subtype>(bytes[2] >> 4) != Subtype::MpJoin)
    return std::nullopt;
  return MpJoinSynAck{static_cast<std::uint8_t>(bytes[2] & 0x0f), bytes[3], get_u64(bytes, 4), get_u32(bytes, 12)};
}

std::optional<AddAddr> add_addr(const Option& option) {
  const Bytes& bytes = option.bytes;
  if (option.kind != kind::Mptcp || bytes.size() < 8 || bytes[1] != bytes.size() ||
      static_cast<Subtype>(bytes[2] >> 4) != Subtype::AddAddr)
    return std::nullopt;
  constexpr std::size_t kHeader = 4;
  constexpr std::size_t kPort = 2;
  constexpr std::size_t kHmac = 8;
  AddAddr out;
  out.echo = (bytes[2] & 0x01) != 0;
  out.address_id = bytes[3];
  const std::size_t rest = bytes.size() - kHeader - (out.echo ? 0 : kHmac);
  const bool v6 = rest == 16 || rest == 16 + kPort;
  if (!v6 && rest != 4 && rest != 4 + kPort) return std::nullopt;
  const std::size_t address_size = v6 ? 16 : 4;
  out.address.family = v6 ? ip::Family::V6 : ip::Family::V4;
  std::copy_n(bytes.begin() + kHeader, address_size, out.address.bytes.begin());
  std::size_t at = kHeader + address_size;
  if (rest == address_size + kPort) {
    out.port = get_u16(bytes, at);
    at += kPort;
  }
  if (!out.echo) out.truncated_hmac = get_u64(bytes, at);
  return out;
}

}  // namespace convtest::packetgen::tcp
