#pragma once
// Injected faults of the reference client: each one breaks one client
// requirement of RFC 8803 so that the client role of the suite can prove
// it detects the breakage (docs/faults.md, "convclient").

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "proxy/fault_table.hpp"

namespace convtest::convclient {

enum class Fault : std::uint8_t {
  IgnoreErrorTlv,
  FinOnError,
  AcceptTotalLengthZero,
  AcceptDuplicateTlv,
  AcceptTypeZero,
  IgnoreFraming,
  StrictUnassigned,
  Version0,
  WrongMagic,
  AppDataFirst,
  GapBeforeAppData,
  NonzeroInfoBytes,
  DuplicateConnect,
  Ipv4Compatible,
  AllowForbiddenDestination,
  TimestampsWithValue,
  NopInConnect,
  IgnoreUnackedSynData,
  ConvertBytesToApp,
  AcceptMissingReply,
  NoReassembly,
  RefuseHeaderOnly,
  RetrySameVersion,
  CookieAltered,
  IgnoreBackoff,
  BackoffZeroIsNone,
  Count_,
};

struct FaultInfo {
  Fault fault;
  std::string_view name;
  std::string_view breaks;  // the requirement ids it violates
  std::string_view does;    // what the faulted client does
};

std::span<const FaultInfo> all_faults();
std::string_view name(Fault fault);
std::optional<Fault> parse_fault(std::string_view text);
std::string fault_names();  // "a, b, c": for error messages

using FaultSet = proxy::FaultBits<Fault>;

}  // namespace convtest::convclient
