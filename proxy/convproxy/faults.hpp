#pragma once
// Injected faults: each one breaks exactly one requirement so that the
// conformance suite can prove it detects the breakage (docs/faults.md).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "proxy/fault_table.hpp"

namespace convtest::convproxy {

enum class Fault : std::uint8_t {
  ForwardConvertBytes,
  SkipUnknownTlv,
  AcceptLoopback,
  RstInsteadOfError,
  WrongMagicInReply,
  WrongResetCode,
  AcceptDuplicateConnect,
  AcceptVersion2,
  NoExtendedTcpHeader,
  ReorderExtHeaderOptions,
  AcceptTcpAo,
  NonzeroPadding,
  IcmpCodeNotEchoed,
  NoSynData,
  RstAfterError,
  IgnoreInfo,
  WrongTotalLength,
  IgnoreAcl,
  NoErrorEcho,
  Version0InReply,
  DuplicateReplyTlv,
  SkipTypeZeroTlv,
  NonzeroUnassigned,
  AdvertiseForbiddenKinds,
  RejectIgnoredOptions,
  WrongVersionList,
  NonzeroNotAuthorizedValue,
  IgnoreSessionLimit,
  IgnorePendingLimit,
  SilentNetworkFailure,
  NoSuccessReply,
  TotalLengthZeroError,
  DropRequestedOptions,
  NoMptcpInSupported,
  AcceptMissingCookie,
  AcceptInvalidCookie,
  EmptyMissingCookie,
  WriteBeforeMptcpHandshake,
  AutonomousSynRetransmission,
  SwallowClientFin,
  FinOnServerReset,
  RefuseListedKind,
  AdvertiseUnassignedKind,
  FinOnClientReset,
  ResetOnJoin,
  EndOnSubflowLoss,
  ResetOnFallback,
  MptcpKindOverMptcpOnly,
  TfoKindOverIpv4Only,
  RelayToOwnHost,
  Count_,
};

struct FaultInfo {
  Fault fault;
  std::string_view name;
  std::string_view breaks;  // the requirement ids it violates
};

std::span<const FaultInfo> all_faults();
std::string_view name(Fault fault);
std::optional<Fault> parse_fault(std::string_view text);
std::string fault_names();  // "a, b, c": for error messages

class FaultSet : public proxy::FaultBits<Fault> {
 public:
  [[nodiscard]] std::string to_string() const;
};

}  // namespace convtest::convproxy
