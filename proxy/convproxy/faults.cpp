#include "convproxy/faults.hpp"

#include <array>

namespace convtest::convproxy {

namespace {
constexpr std::array kFaults{
    FaultInfo{Fault::ForwardConvertBytes, "forward-convert-bytes", "CONV-I04"},
    FaultInfo{Fault::SkipUnknownTlv, "skip-unknown-tlv", "AMB-09, CONV-038"},
    FaultInfo{Fault::AcceptLoopback, "accept-loopback", "CONV-021"},
    FaultInfo{Fault::RstInsteadOfError, "rst-instead-of-error", "CONV-016, AMB-04"},
    FaultInfo{Fault::WrongMagicInReply, "wrong-magic-in-reply", "CONV-010"},
    FaultInfo{Fault::WrongResetCode, "wrong-reset-code", "CONV-045"},
    FaultInfo{Fault::AcceptDuplicateConnect, "accept-duplicate-connect", "CONV-014"},
    FaultInfo{Fault::AcceptVersion2, "accept-version-2", "CONV-035"},
    FaultInfo{Fault::NoExtendedTcpHeader, "no-extended-tcp-header", "CONV-028"},
    FaultInfo{Fault::ReorderExtHeaderOptions, "reorder-ext-header-options", "CONV-028, AMB-25"},
    FaultInfo{Fault::AcceptTcpAo, "accept-tcp-ao", "CONV-062"},
    FaultInfo{Fault::NonzeroPadding, "nonzero-padding", "CONV-012, CONV-042"},
    FaultInfo{Fault::IcmpCodeNotEchoed, "icmp-code-not-echoed", "CONV-046"},
    FaultInfo{Fault::NoSynData, "no-syn-data", "CONV-I20, AMB-13"},
    FaultInfo{Fault::RstAfterError, "rst-after-error", "CONV-017, AMB-03"},
    FaultInfo{Fault::IgnoreInfo, "ignore-info", "CONV-I09, AMB-10"},
    FaultInfo{Fault::WrongTotalLength, "wrong-total-length", "CONV-011"},
    FaultInfo{Fault::IgnoreAcl, "ignore-acl", "CONV-041"},
    FaultInfo{Fault::NoErrorEcho, "no-error-echo", "CONV-037, CONV-038"},
    FaultInfo{Fault::Version0InReply, "version-0-in-reply", "CONV-008"},
    FaultInfo{Fault::DuplicateReplyTlv, "duplicate-reply-tlv", "CONV-013"},
    FaultInfo{Fault::SkipTypeZeroTlv, "skip-type-zero-tlv", "CONV-015"},
    FaultInfo{Fault::NonzeroUnassigned, "nonzero-unassigned", "CONV-019, CONV-029"},
    FaultInfo{Fault::AdvertiseForbiddenKinds, "advertise-forbidden-kinds",
              "CONV-020, CONV-048, CONV-052, CONV-055, CONV-061"},
    FaultInfo{Fault::RejectIgnoredOptions, "reject-ignored-options", "CONV-047, CONV-051, CONV-054"},
    FaultInfo{Fault::WrongVersionList, "wrong-version-list", "CONV-036"},
    FaultInfo{Fault::NonzeroNotAuthorizedValue, "nonzero-not-authorized-value", "CONV-040"},
    FaultInfo{Fault::IgnoreSessionLimit, "ignore-session-limit", "CONV-043"},
    FaultInfo{Fault::IgnorePendingLimit, "ignore-pending-limit", "CONV-068"},
    FaultInfo{Fault::SilentNetworkFailure, "silent-network-failure", "CONV-044, CONV-016"},
    FaultInfo{Fault::NoSuccessReply, "no-success-reply", "CONV-006, CONV-007"},
    FaultInfo{Fault::TotalLengthZeroError, "total-length-zero-error", "CONV-009"},
    FaultInfo{Fault::DropRequestedOptions, "drop-requested-options", "CONV-024, CONV-025, CONV-026"},
    FaultInfo{Fault::NoMptcpInSupported, "no-mptcp-in-supported", "CONV-057"},
    FaultInfo{Fault::AcceptMissingCookie, "accept-missing-cookie", "CONV-030"},
    FaultInfo{Fault::AcceptInvalidCookie, "accept-invalid-cookie", "CONV-031, CONV-032"},
    FaultInfo{Fault::EmptyMissingCookie, "empty-missing-cookie", "CONV-034, CONV-039"},
    FaultInfo{Fault::WriteBeforeMptcpHandshake, "write-before-mptcp-handshake", "CONV-I09"},
    FaultInfo{Fault::AutonomousSynRetransmission, "autonomous-syn-retransmission", "CONV-070"},
    FaultInfo{Fault::SwallowClientFin, "swallow-client-fin", "CONV-I18"},
    FaultInfo{Fault::FinOnServerReset, "fin-on-server-reset", "CONV-I18, AMB-27"},
    FaultInfo{Fault::RefuseListedKind, "refuse-listed-kind", "CONV-I10, AMB-33"},
    FaultInfo{Fault::AdvertiseUnassignedKind, "advertise-unassigned-kind", "CONV-I09, AMB-33"},
    FaultInfo{Fault::FinOnClientReset, "fin-on-client-reset", "CONV-I05, REF-15"},
    FaultInfo{Fault::ResetOnJoin, "reset-on-join", "CONV-I18, CONV-I17"},
    FaultInfo{Fault::EndOnSubflowLoss, "end-on-subflow-loss", "CONV-I18, REF-14"},
    FaultInfo{Fault::ResetOnFallback, "reset-on-fallback", "REF-12"},
    FaultInfo{Fault::MptcpKindOverMptcpOnly, "mptcp-kind-over-mptcp-only", "CONV-057, CONV-I09"},
    FaultInfo{Fault::TfoKindOverIpv4Only, "tfo-kind-over-ipv4-only", "CONV-I09"},
    FaultInfo{Fault::RelayToOwnHost, "relay-to-own-host", "AMB-22, CONV-041"},
};
static_assert(kFaults.size() == static_cast<std::size_t>(Fault::Count_));
}  // namespace

std::span<const FaultInfo> all_faults() { return kFaults; }

std::string_view name(Fault fault) { return proxy::fault_name(all_faults(), fault); }

std::optional<Fault> parse_fault(std::string_view text) { return proxy::parse_fault_name(all_faults(), text); }

std::string fault_names() { return proxy::all_fault_names(all_faults()); }

std::string FaultSet::to_string() const {
  std::string out;
  for (const auto& info : kFaults) {
    if (!has(info.fault)) continue;
    if (!out.empty()) out += ",";
    out += info.name;
  }
  return out.empty() ? "none" : out;
}

}  // namespace convtest::convproxy
