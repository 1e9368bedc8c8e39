#pragma once
// TCP options: typed builders that yield exact option bytes, and a parser
// of option areas from captured segments (lenient: it reports what it saw,
// including malformed blocks, and never reads out of bounds).

#include <array>
#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "packetgen/bytes.hpp"
#include "packetgen/ip.hpp"

namespace convtest::packetgen::tcp {

namespace kind {
inline constexpr std::uint8_t EOL = 0;
inline constexpr std::uint8_t NOP = 1;
inline constexpr std::uint8_t MSS = 2;
inline constexpr std::uint8_t WindowScale = 3;
inline constexpr std::uint8_t SackPermitted = 4;
inline constexpr std::uint8_t Sack = 5;
inline constexpr std::uint8_t Timestamps = 8;
inline constexpr std::uint8_t TcpAo = 29;
inline constexpr std::uint8_t Mptcp = 30;
inline constexpr std::uint8_t FastOpen = 34;
}  // namespace kind

// Whether IANA's "TCP Option Kind Numbers" registry assigns `option_kind`
// (obsolete assignments included; "reserved" and the values marked as known
// unauthorized use are not assignments).
bool is_assigned_kind(std::uint8_t option_kind);

// ---- builders: each returns the bytes of one option
Bytes mss(std::uint16_t value);
Bytes window_scale(std::uint8_t shift);
Bytes sack_permitted();
Bytes sack(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& blocks);
Bytes timestamps(std::uint32_t tsval, std::uint32_t tsecr);
Bytes nop();
Bytes eol();
Bytes fast_open_request();                                                 // 22 02
Bytes fast_open(ByteView cookie);                                          // 22 LL cookie
Bytes raw_option(std::uint8_t kind, ByteView value);                       // kind, 2+len (mod 256), value
Bytes raw_option(std::uint8_t kind, std::uint8_t length, ByteView value);  // any length byte

// The option set a Linux SYN carries: MSS, SACK-perm, TS, NOP, WS.
Bytes linux_syn_options(std::uint16_t mss_value, std::uint32_t tsval, std::uint8_t ws_shift);

// ---- MPTCP (RFC 8684)
namespace mptcp {
inline constexpr std::uint8_t kVersion1 = 1;
enum class Subtype : std::uint8_t {
  MpCapable = 0x0,
  MpJoin = 0x1,
  Dss = 0x2,
  AddAddr = 0x3,
  RemoveAddr = 0x4,
  MpPrio = 0x5,
  MpFail = 0x6,
  MpFastclose = 0x7,
  MpTcpRst = 0x8,
};
namespace mpc_flag {
inline constexpr std::uint8_t A = 0x80;  // checksum required
inline constexpr std::uint8_t B = 0x40;  // extensibility
inline constexpr std::uint8_t C = 0x20;  // no more subflows to this address
inline constexpr std::uint8_t H = 0x01;  // HMAC-SHA256
}  // namespace mpc_flag

// Flags are written as given (H, A, B, ... or none) so that invalid
// combinations can be sent; version is the low nibble of byte 2.
Bytes mp_capable_syn(std::uint8_t flags = mpc_flag::H, std::uint8_t version = kVersion1);  // len 4
Bytes mp_capable_synack(std::uint64_t responder_key, std::uint8_t flags = mpc_flag::H);    // len 12
Bytes mp_capable_ack(std::uint64_t sender_key, std::uint64_t receiver_key,
                     std::uint8_t flags = mpc_flag::H);  // len 20
Bytes mp_capable_data(std::uint64_t sender_key, std::uint64_t receiver_key, std::uint16_t data_level_length,
                      std::optional<std::uint16_t> checksum = {},
                      std::uint8_t flags = mpc_flag::H);  // len 22 / 24

// RFC 8684 3.3 flags byte (byte 3) of a DSS option.
namespace dss_flag {
inline constexpr std::uint8_t DataAck = 0x01;   // A: Data ACK present
inline constexpr std::uint8_t DataAck8 = 0x02;  // a: Data ACK is 8 bytes
inline constexpr std::uint8_t Mapping = 0x04;   // M: DSN, subflow seq, length present
inline constexpr std::uint8_t Dsn8 = 0x08;      // m: DSN is 8 bytes
inline constexpr std::uint8_t DataFin = 0x10;   // F: DATA_FIN
}  // namespace dss_flag

// A DSS option. a and m are set only when their field is present; a 4-byte
// Data ACK or DSN is the low 32 bits. data_fin without a mapping is written
// as asked (the RFC ties DATA_FIN to a mapping), for negative cases.
struct Dss {
  std::optional<std::uint64_t> data_ack;  // written as 8 bytes when ack64 is set
  bool ack64 = true;
  struct Mapping {
    std::uint64_t dsn = 0;
    std::uint32_t subflow_seq = 0;  // relative to the subflow ISN
    std::uint16_t data_level_length = 0;
    std::optional<std::uint16_t> checksum;
    friend bool operator==(const Mapping&, const Mapping&) = default;
  };
  std::optional<Mapping> mapping;
  bool dsn64 = true;
  bool data_fin = false;
  friend bool operator==(const Dss&, const Dss&) = default;
};
Bytes dss(const Dss& dss);

// MP_JOIN (RFC 8684 3.2): the SYN of an additional subflow names the
// receiver's token and carries the sender's random nonce (len 12); its third
// ACK carries the sender's full 160-bit truncated HMAC (len 24).
namespace join_flag {
inline constexpr std::uint8_t B = 0x01;  // backup path
}  // namespace join_flag
Bytes mp_join_syn(std::uint32_t receiver_token, std::uint32_t sender_nonce, std::uint8_t address_id = 0,
                  std::uint8_t flags = 0);  // len 12
Bytes mp_join_ack(ByteView hmac160);        // len 24
// REMOVE_ADDR (RFC 8684 3.4.2): the sender no longer uses these address ids.
Bytes remove_addr(const std::vector<std::uint8_t>& address_ids);  // len 3 + n
// MP_FASTCLOSE (RFC 8684 3.5): closes the whole connection; carries the
// receiver's key.
Bytes mp_fastclose(std::uint64_t receiver_key);  // len 12
}  // namespace mptcp

// ---- parser
struct MssOption {
  std::uint16_t value;
};
struct WindowScaleOption {
  std::uint8_t shift;
};
struct SackPermittedOption {};
struct SackOption {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> blocks;
};
struct TimestampsOption {
  std::uint32_t tsval;
  std::uint32_t tsecr;
};
struct FastOpenOption {
  Bytes cookie;
};  // empty: cookie request
struct MpCapableOption {
  std::uint8_t version = 0;
  std::uint8_t flags = 0;
  std::optional<std::uint64_t> sender_key;
  std::optional<std::uint64_t> receiver_key;
  std::optional<std::uint16_t> data_level_length;
  std::optional<std::uint16_t> checksum;
};
// ack64 / dsn64 mirror the a / m bits when their field is present and keep
// the Dss default (true) otherwise; flags is the wire byte, bits and all.
struct DssOption {
  mptcp::Dss dss;
  std::uint8_t flags = 0;
};
// body: every byte after Kind and Length, the subtype byte included (its low
// nibble carries flags or the version for several subtypes).
struct OtherMptcpOption {
  mptcp::Subtype subtype;
  Bytes body;
};
struct UnknownOption {};

using OptionValue = std::variant<UnknownOption, MssOption, WindowScaleOption, SackPermittedOption, SackOption,
                                 TimestampsOption, FastOpenOption, MpCapableOption, DssOption, OtherMptcpOption>;

struct Option {
  std::uint8_t kind = 0;
  std::size_t offset = 0;  // within the option area
  Bytes bytes;             // the whole option as on the wire (kind, length, value)
  OptionValue value;       // UnknownOption when the kind is unknown or the body malformed
  bool malformed = false;  // length byte does not fit this kind or the area
};

// Lengths checked per kind: MSS 4, WS 3, SACK-permitted 2, SACK 2+8n (n>=1),
// timestamps 10, TFO 2 or 6..18 even (RFC 7413), MP_CAPABLE 4/12/20/22/24,
// DSS exactly as its flags require (+2 with a checksum), other MPTCP >= 3.
// A block that breaks the area (length < 2 or past the end) ends parsing; it
// is still reported as a last Option with malformed = true and bytes = the
// rest of the area.
struct ParsedOptions {
  std::vector<Option> options;  // NOPs included; parsing stops at EOL or a broken length
  bool ended_by_eol = false;
  std::optional<std::size_t> broken_at;                    // offset of a length byte that ran past the area / < 2
  const Option* find(std::uint8_t kind) const;             // first well-formed or malformed option of a kind
  const Option* find_mptcp(mptcp::Subtype subtype) const;  // first MPTCP option of a subtype
  std::vector<std::uint8_t> kinds() const;                 // without NOP/EOL
};

ParsedOptions parse_options(ByteView option_area);

// The MP_JOIN of a SYN-ACK (len 16): flags, address id, the leftmost 64 bits
// of the responder's HMAC and its nonce. Nothing for another option.
struct MpJoinSynAck {
  std::uint8_t flags = 0;
  std::uint8_t address_id = 0;
  std::uint64_t truncated_hmac = 0;
  std::uint32_t nonce = 0;
};
std::optional<MpJoinSynAck> mp_join_synack(const Option& option);

// An ADD_ADDR (RFC 8684 3.4.1): lengths 8/10 (IPv4, echo, +port), 16/18
// (IPv4 with HMAC), 20/22 and 28/30 (IPv6). Nothing for another option or
// another length.
struct AddAddr {
  bool echo = false;
  std::uint8_t address_id = 0;
  ip::Address address;
  std::optional<std::uint16_t> port;
  std::optional<std::uint64_t> truncated_hmac;
};
std::optional<AddAddr> add_addr(const Option& option);

}  // namespace convtest::packetgen::tcp
