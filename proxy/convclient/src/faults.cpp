#include "convclient/faults.hpp"

#include <array>

namespace convtest::convclient {
namespace {

constexpr std::array kFaults{
    FaultInfo{Fault::IgnoreErrorTlv, "ignore-error-tlv", "CLI-018", "takes a reply with an Error TLV as success"},
    FaultInfo{Fault::FinOnError, "fin-on-error", "CLI-018", "closes with a FIN instead of an RST after an Error TLV"},
    FaultInfo{Fault::AcceptTotalLengthZero, "accept-total-length-zero", "CLI-006",
              "takes a reply with Total Length 0 as a bare header"},
    FaultInfo{Fault::AcceptDuplicateTlv, "accept-duplicate-tlv", "CLI-010", "takes a reply with a TLV type twice"},
    FaultInfo{Fault::AcceptTypeZero, "accept-type-zero", "CLI-011", "takes a reply with a TLV of type 0"},
    FaultInfo{Fault::IgnoreFraming, "ignore-framing", "CLI-027",
              "on a TLV that overruns Total Length or has Length 0, delivers what follows the header"},
    FaultInfo{Fault::StrictUnassigned, "strict-unassigned", "CLI-012, CLI-017",
              "refuses a reply whose Unassigned bytes are not zero"},
    FaultInfo{Fault::Version0, "version-0", "CLI-005", "sends version 0"},
    FaultInfo{Fault::WrongMagic, "wrong-magic", "CLI-007", "sends the magic byte-swapped (0x6322)"},
    FaultInfo{Fault::AppDataFirst, "app-data-first", "CLI-002, CLI-004",
              "puts the early data before the Convert message"},
    FaultInfo{Fault::GapBeforeAppData, "gap-before-app-data", "CLI-003",
              "puts four zero bytes between the Convert message and the early data"},
    FaultInfo{Fault::NonzeroInfoBytes, "nonzero-info-bytes", "CLI-008",
              "adds an Info TLV whose zero bytes are not zero"},
    FaultInfo{Fault::DuplicateConnect, "duplicate-connect", "CLI-009", "sends the Connect TLV twice"},
    FaultInfo{Fault::Ipv4Compatible, "ipv4-compatible", "CLI-014",
              "encodes an IPv4 destination as ::a.b.c.d instead of ::ffff:a.b.c.d"},
    FaultInfo{Fault::AllowForbiddenDestination, "allow-forbidden-destination", "CLI-015",
              "asks the converter for loopback, multicast and broadcast destinations"},
    FaultInfo{Fault::TimestampsWithValue, "timestamps-with-value", "CLI-024",
              "requests Timestamps in an Extended Connect with a timestamp value"},
    FaultInfo{Fault::NopInConnect, "nop-in-connect", "CLI-016", "puts a NOP before the Connect TLV's options"},
    FaultInfo{Fault::IgnoreUnackedSynData, "ignore-unacked-syn-data", "CLI-026",
              "keeps using a converter whose SYN-ACK did not acknowledge the SYN data"},
    FaultInfo{Fault::ConvertBytesToApp, "convert-bytes-to-app", "CLI-I03",
              "gives the application the reply's bytes along with the server's"},
    FaultInfo{Fault::AcceptMissingReply, "accept-missing-reply", "CLI-I04",
              "takes a stream that does not start with a Convert message as the server's data"},
    FaultInfo{Fault::NoReassembly, "no-reassembly", "CLI-I03", "refuses a reply that does not arrive in one read"},
    FaultInfo{Fault::RefuseHeaderOnly, "refuse-header-only", "CLI-I03, AMB-02", "refuses the bare header 01 01 22 63"},
    FaultInfo{Fault::RetrySameVersion, "retry-same-version", "CLI-019",
              "after Unsupported Version retries once with the version the converter refused"},
    FaultInfo{Fault::CookieAltered, "cookie-altered", "CLI-020, CLI-I02",
              "retries after Missing Cookie with the cookie's first byte flipped"},
    FaultInfo{Fault::IgnoreBackoff, "ignore-backoff", "CLI-021, CLI-022",
              "uses a converter again at once after Resource Exceeded or Network Failure"},
    FaultInfo{Fault::BackoffZeroIsNone, "backoff-zero-is-none", "CLI-021, CLI-022",
              "takes a back-off Value of 0 as no delay instead of at least 30 s"},
};
static_assert(kFaults.size() == static_cast<std::size_t>(Fault::Count_));

}  // namespace

std::span<const FaultInfo> all_faults() { return kFaults; }

std::string_view name(Fault fault) { return proxy::fault_name(all_faults(), fault); }

std::optional<Fault> parse_fault(std::string_view text) { return proxy::parse_fault_name(all_faults(), text); }

std::string fault_names() { return proxy::all_fault_names(all_faults()); }

}  // namespace convtest::convclient
