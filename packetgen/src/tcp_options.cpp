#include "packetgen/tcp_options.hpp"

#include <algorithm>
#include <iterator>

namespace convtest::packetgen::tcp {

Bytes mss(std::uint16_t value) {
  Bytes out{kind::MSS, 4};
  put_u16(out, value);
  return out;
}

Bytes window_scale(std::uint8_t shift) { return {kind::WindowScale, 3, shift}; }

bool is_assigned_kind(std::uint8_t option_kind) {
  // 0-30: EOL through MPTCP (6-7, 9-26 include obsolete and historic
  // assignments); 34 TCP Fast Open; 69 TCP-ENO; 172 and 174 AccECN;
  // 253 and 254 experiments (RFC 4727).
  constexpr std::uint8_t kAssignedOutsideTheFirstRange[] = {34, 69, 172, 174, 253, 254};
  return option_kind <= kind::Mptcp ||
         std::ranges::find(kAssignedOutsideTheFirstRange, option_kind) != std::end(kAssignedOutsideTheFirstRange);
}

Bytes sack_permitted() { return {kind::SackPermitted, 2}; }

Bytes sack(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& blocks) {
  Bytes out{kind::Sack, static_cast<std::uint8_t>(2 + 8 * blocks.size())};
  for (const auto& [left, right] : blocks) {
    put_u32(out, left);
    put_u32(out, right);
  }
  return out;
}

Bytes timestamps(std::uint32_t tsval, std::uint32_t tsecr) {
  Bytes out{kind::Timestamps, 10};
  put_u32(out, tsval);
  put_u32(out, tsecr);
  return out;
}

Bytes nop() { return {kind::NOP}; }

Bytes eol() { return {kind::EOL}; }

Bytes fast_open_request() { return {kind::FastOpen, 2}; }

Bytes fast_open(ByteView cookie) { return raw_option(kind::FastOpen, cookie); }

Bytes raw_option(std::uint8_t option_kind, ByteView value) {
  return raw_option(option_kind, static_cast<std::uint8_t>(2 + value.size()), value);
}

Bytes raw_option(std::uint8_t option_kind, std::uint8_t length, ByteView value) {
  Bytes out{option_kind, length};
  put_bytes(out, value);
  return out;
}

Bytes linux_syn_options(std::uint16_t mss_value, std::uint32_t tsval, std::uint8_t ws_shift) {
  Bytes out = mss(mss_value);
  put_bytes(out, sack_permitted());
  put_bytes(out, timestamps(tsval, 0));
  put_bytes(out, nop());
  put_bytes(out, window_scale(ws_shift));
  return out;
}

namespace mptcp {
namespace {

std::uint8_t subtype_byte(Subtype subtype, std::uint8_t low_nibble) {
  return static_cast<std::uint8_t>(static_cast<std::uint8_t>(subtype) << 4 | (low_nibble & 0x0f));
}

Bytes mp_capable_head(std::uint8_t length, std::uint8_t flags) {
  return {kind::Mptcp, length, subtype_byte(Subtype::MpCapable, kVersion1), flags};
}

std::uint8_t dss_flags(const Dss& option) {
  std::uint8_t flags = 0;
  if (option.data_ack) {
    flags |= dss_flag::DataAck;
    if (option.ack64) flags |= dss_flag::DataAck8;
  }
  if (option.mapping) {
    flags |= dss_flag::Mapping;
    if (option.dsn64) flags |= dss_flag::Dsn8;
  }
  if (option.data_fin) flags |= dss_flag::DataFin;
  return flags;
}

void put_u32_or_u64(Bytes& out, std::uint64_t value, bool wide) {
  if (wide)
    put_u64(out, value);
  else
    put_u32(out, static_cast<std::uint32_t>(value));
}

}  // namespace

Bytes mp_capable_syn(std::uint8_t flags, std::uint8_t version) {
  return {kind::Mptcp, 4, subtype_byte(Subtype::MpCapable, version), flags};
}

Bytes mp_capable_synack(std::uint64_t responder_key, std::uint8_t flags) {
  Bytes out = mp_capable_head(12, flags);
  put_u64(out, responder_key);
  return out;
}

Bytes mp_capable_ack(std::uint64_t sender_key, std::uint64_t receiver_key, std::uint8_t flags) {
  Bytes out = mp_capable_head(20, flags);
  put_u64(out, sender_key);
  put_u64(out, receiver_key);
  return out;
}

Bytes mp_capable_data(std::uint64_t sender_key, std::uint64_t receiver_key, std::uint16_t data_level_length,
                      std::optional<std::uint16_t> checksum, std::uint8_t flags) {
  Bytes out = mp_capable_head(checksum ? 24 : 22, flags);
  put_u64(out, sender_key);
  put_u64(out, receiver_key);
  put_u16(out, data_level_length);
  if (checksum) put_u16(out, *checksum);
  return out;
}

Bytes dss(const Dss& option) {
  Bytes out{kind::Mptcp, 0, subtype_byte(Subtype::Dss, 0), dss_flags(option)};
  if (option.data_ack) put_u32_or_u64(out, *option.data_ack, option.ack64);
  if (option.mapping) {
    put_u32_or_u64(out, option.mapping->dsn, option.dsn64);
    put_u32(out, option.mapping->subflow_seq);
    put_u16(out, option.mapping->data_level_length);
    if (option.mapping->checksum) put_u16(out, *option.mapping->checksum);
  }
  out[1] = static_cast<std::uint8_t>(out.size());
  return out;
}

Bytes mp_join_syn(std::uint32_t receiver_token, std::uint32_t sender_nonce, std::uint8_t address_id,
                  std::uint8_t flags) {
  Bytes out{kind::Mptcp, 12, subtype_byte(Subtype::MpJoin, flags), address_id};
  put_u32(out, receiver_token);
  put_u32(out, sender_nonce);
  return out;
}

Bytes mp_join_ack(ByteView hmac160) {
  constexpr std::size_t kHmacBytes = 20;
  Bytes out{kind::Mptcp, 24, subtype_byte(Subtype::MpJoin, 0), 0};
  for (std::size_t i = 0; i < kHmacBytes; ++i) out.push_back(i < hmac160.size() ? hmac160[i] : 0);
  return out;
}

Bytes remove_addr(const std::vector<std::uint8_t>& address_ids) {
  Bytes out{kind::Mptcp, static_cast<std::uint8_t>(3 + address_ids.size()), subtype_byte(Subtype::RemoveAddr, 0)};
  out.insert(out.end(), address_ids.begin(), address_ids.end());
  return out;
}

Bytes mp_fastclose(std::uint64_t receiver_key) {
  Bytes out{kind::Mptcp, 12, subtype_byte(Subtype::MpFastclose, 0), 0};
  put_u64(out, receiver_key);
  return out;
}

}  // namespace mptcp
}  // namespace convtest::packetgen::tcp
