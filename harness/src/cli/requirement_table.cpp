#include <array>

#include "catalog_markdown.hpp"

namespace convtest::harness::cli {

// The converter requirements of the catalog spec (section 3.1 keyword
// requirements, section 3.2 keyword-free behaviour), in spec order.
namespace {
constexpr std::array kRows{
  RequirementRow{"CONV-001", "1.3", "MUST", true, "Use only within a single administrative domain (provider of connectivity = operator of T, no third-party transit)."},
  RequirementRow{"CONV-002", "1.3", "MUST", true, "Any future third-party deployment must meet the mutual-authentication requirements of §9.2."},
  RequirementRow{"CONV-003", "4.3", "MUST", false, "In address-sharing mode, comply with RFC 6888 REQ-2."},
  RequirementRow{"CONV-004", "4.3", "MUST", false, "\"Paired\" IP-address pooling (RFC 4787 §4.1) must be supported as the default in sharing mode."},
  RequirementRow{"CONV-005", "6", "SHOULD", false, "Absent a policy, silently ignore SYNs that carry no Convert TLVs."},
  RequirementRow{"CONV-006", "6", "MUST", false, "T's Convert message occupies the first bytes of the T→C stream."},
  RequirementRow{"CONV-007", "6.1", "MUST", false, "T sends the 4-byte fixed header as the first 4 bytes on every established Convert connection."},
  RequirementRow{"CONV-008", "6.1", "MUST NOT", false, "Version 0 must not be used."},
  RequirementRow{"CONV-009", "6.1", "MUST", false, "Total Length 0 → the connection must be reset."},
  RequirementRow{"CONV-010", "6.1", "MUST", false, "Magic Number 0x2263 in every T message."},
  RequirementRow{"CONV-011", "6.1", "behaviour", false, "Total Length counts words including the header and marks exactly where Convert data ends."},
  RequirementRow{"CONV-012", "6.2.1", "MUST", false, "Zero-pad TLV values to a 32-bit multiple."},
  RequirementRow{"CONV-013", "6.2.1", "MUST", false, "A TLV type appears at most once per connection (T's output)."},
  RequirementRow{"CONV-014", "6.2.1", "MUST", false, "On receiving a duplicated TLV, return Malformed Message (1) and close."},
  RequirementRow{"CONV-015", "6.2.2", "MUST", false, "On receiving TLV type 0, return Unsupported Message (2) and close."},
  RequirementRow{"CONV-016", "6.2.2", "MUST", false, "If the connection to the final server cannot be established, return an Error TLV and then close."},
  RequirementRow{"CONV-017", "6.2.2", "MUST NOT", false, "Do not send an RST immediately after detecting an error (the Error TLV must reach C)."},
  RequirementRow{"CONV-018", "6.2.4", "SHOULD", false, "List the TCP options T uses in its outgoing SYNs."},
  RequirementRow{"CONV-019", "6.2.4", "MUST", false, "Unassigned bytes (2–3) are zero."},
  RequirementRow{"CONV-020", "6.2.4", "MUST NOT", false, "Kinds 1 and 2 must not be listed."},
  RequirementRow{"CONV-021", "6.2.5", "MUST", false, "Connect TLV with multicast, broadcast or host-loopback address → Malformed Message and close."},
  RequirementRow{"CONV-022", "6.2.5", "MUST", false, "For a Base Connect, use by default the TCP options of T's local policy."},
  RequirementRow{"CONV-023", "6.2.5", "MUST", false, "Extended Connect whose options are all supported, with no rate-limit/resource condition → T must attempt the downstream connection."},
  RequirementRow{"CONV-024", "6.2.5", "MUST", false, "The downstream SYN contains the options listed in the Connect TLV plus those of T's local policy."},
  RequirementRow{"CONV-025", "6.2.5", "MUST", false, "Options requested without a value (Len 2): T generates its own value."},
  RequirementRow{"CONV-026", "6.2.5", "MUST", false, "Options requested with a value: copy the entire option verbatim into the SYN to S."},
  RequirementRow{"CONV-027", "6.2.5", "SHOULD", false, "Rate-limit error messages sent to clients."},
  RequirementRow{"CONV-028", "6.2.6", "MUST", false, "Return the Extended TCP Header TLV when C sent an Extended Connect and S accepted."},
  RequirementRow{"CONV-029", "6.2.6", "MUST", false, "Unassigned bytes of this TLV set to zero by T."},
  RequirementRow{"CONV-030", "6.2.7", "MUST", false, "A cookie-configured T verifies that the SYN payload carries a Cookie TLV."},
  RequirementRow{"CONV-031", "6.2.7", "MUST", false, "If present, validate the cookie (IsCookieValid-like: not expired, bound to C's address)."},
  RequirementRow{"CONV-032", "6.2.7", "MUST", false, "Invalid cookie → Error Not Authorized (32) and close."},
  RequirementRow{"CONV-033", "6.2.7", "MAY", false, "Without a cookie, T may compute a cookie bound to C's address."},
  RequirementRow{"CONV-034", "6.2.7", "MUST", false, "If T computed a cookie it returns Error Missing Cookie with that cookie and closes."},
  RequirementRow{"CONV-035", "6.2.8", "MUST", false, "Generate Unsupported Version (0) for a request with an unsupported version."},
  RequirementRow{"CONV-036", "6.2.8", "MUST", false, "Unsupported Version Value = T's supported version(s), one byte each, zero-padded list."},
  RequirementRow{"CONV-037", "6.2.8", "MUST", false, "Malformed Message: Value echoes the triggering message in the aligned format (code, 0x00, echo from byte 4)."},
  RequirementRow{"CONV-038", "6.2.8", "MUST", false, "Unsupported Message: same echo rule."},
  RequirementRow{"CONV-039", "6.2.8", "MUST", false, "Missing Cookie is returned only when T computed a cookie, byte 3 MUST be 0, the rest is the cookie."},
  RequirementRow{"CONV-040", "6.2.8", "MUST", false, "Not Authorized: Value must be 0."},
  RequirementRow{"CONV-041", "6.2.8", "MUST", false, "Send Not Authorized when a request fails authorisation."},
  RequirementRow{"CONV-042", "6.2.8", "MUST", false, "Unsupported TCP Option: Value lists the offending kind(s), zero-padded."},
  RequirementRow{"CONV-043", "6.2.8", "MUST", false, "Send Resource Exceeded when lacking resources for a new connection."},
  RequirementRow{"CONV-044", "6.2.8", "MUST", false, "Send Network Failure on forwarding problems."},
  RequirementRow{"CONV-045", "6.2.8", "MUST", false, "Connection Reset: Value 0."},
  RequirementRow{"CONV-046", "6.2.8", "MUST", false, "Destination Unreachable: Value echoes the Code of the received ICMP."},
  RequirementRow{"CONV-047", "7.1", "MUST", false, "Ignore kinds 0, 1, 2 in a Connect TLV."},
  RequirementRow{"CONV-048", "7.1", "MUST NOT", false, "Do not announce kinds 0, 1, 2 in Supported TCP Extensions."},
  RequirementRow{"CONV-049", "7.2", "SHOULD", false, "Use a WS factor matching T's own stack configuration towards S."},
  RequirementRow{"CONV-050", "7.2", "MAY", false, "Local config may derive downstream WS from the upstream connection's factor."},
  RequirementRow{"CONV-051", "7.2", "MUST", false, "Ignore kind 3 in a Connect TLV."},
  RequirementRow{"CONV-052", "7.2", "MUST NOT", false, "Do not announce kind 3."},
  RequirementRow{"CONV-053", "7.3", "MAY", false, "Advertise SACK-Permitted (4)."},
  RequirementRow{"CONV-054", "7.3", "MUST", false, "Ignore kind 5 (SACK) in a Connect TLV."},
  RequirementRow{"CONV-055", "7.3", "MUST NOT", false, "Do not announce kind 5."},
  RequirementRow{"CONV-056", "7.4", "MAY", false, "Advertise Timestamps (8)."},
  RequirementRow{"CONV-057", "7.5", "MUST", false, "A T offering MPTCP conversion advertises kind 30."},
  RequirementRow{"CONV-058", "7.6", "MAY", false, "Advertise TFO (34)."},
  RequirementRow{"CONV-059", "7.6", "MUST", false, "(If 34 advertised) Connect with empty TFO option → add an empty TFO option (`22 02`) to the SYN to S; relay S's cookie back."},
  RequirementRow{"CONV-060", "7.6", "MUST", false, "(If 34 advertised) Connect with TFO cookie → copy the TFO option into the SYN to S."},
  RequirementRow{"CONV-061", "7.7", "MUST NOT", false, "Do not advertise TCP-AO (29)."},
  RequirementRow{"CONV-062", "7.7", "MUST", false, "Connect containing TCP-AO → reject with Unsupported TCP Option (TCP-AO-NAT exception currently undefined)."},
  RequirementRow{"CONV-063", "9", "MUST", false, "Check that TLVs are properly framed within Total Length."},
  RequirementRow{"CONV-064", "9.1", "MUST", true, "T protected like a core IP router (RFC 1812 §10)."},
  RequirementRow{"CONV-065", "9.1", "MUST", true, "Ingress filtering (BCP 38) enforced at network boundaries."},
  RequirementRow{"CONV-066", "9.2", "RECOMMENDED", true, "Use the protocol in managed networks where hosts are identified by IP address."},
  RequirementRow{"CONV-067", "9.2", "MUST", true, "Outside such control, a strong mutual authentication scheme must be defined (e.g. TLS to obtain cookies)."},
  RequirementRow{"CONV-068", "9.3", "SHOULD", false, "Rate-limit the number of pending requests per client."},
  RequirementRow{"CONV-069", "9.3", "SHOULD", false, "Avoid downstream SYNs significantly longer than the client's SYN (amplification)."},
  RequirementRow{"CONV-070", "9.3", "SHOULD", false, "Retransmit the downstream SYN only after receiving a retransmitted SYN from C."},
  RequirementRow{"CONV-I01", "3, 4.2", "behaviour", false, "0-RTT: T starts the downstream connection as soon as it receives C's SYN+payload."},
  RequirementRow{"CONV-I02", "3, 4.2", "behaviour", false, "T confirms the upstream connection only after S accepted; if S refuses, C's connection is refused too."},
  RequirementRow{"CONV-I03", "4.2, 6.2.2", "behaviour", false, "First bytes returned to C describe the TCP options negotiated with S (Extended TCP Header TLV)."},
  RequirementRow{"CONV-I04", "4.3", "behaviour", false, "Convert TLVs are removed when proxying; bytes after TotalLen×4 are relayed."},
  RequirementRow{"CONV-I05", "4.2", "behaviour", false, "Downstream failure (RST / retransmission timeout) after establishment → T tears down upstream; upstream failure → T tears down downstream."},
  RequirementRow{"CONV-I06", "4.2", "behaviour", false, "Downstream ICMP hard error → Destination Unreachable Error TLV with the ICMP Code (see CONV-046)."},
  RequirementRow{"CONV-I07", "4.2", "behaviour", false, "Downstream ICMP soft error → T keeps retransmitting until acked or timeout (no immediate error)."},
  RequirementRow{"CONV-I08", "4.2", "behaviour", false, "Upstream FIN exchange → T FINs downstream; downstream FIN → T closes upstream gracefully."},
  RequirementRow{"CONV-I09", "6.2.2, 6.2.3", "behaviour", false, "Info from an authorised C is answered with Supported TCP Extensions TLV."},
  RequirementRow{"CONV-I10", "6.2.5", "behaviour", false, "Extended Connect with an option T does not support → Error Unsupported TCP Option (code 33)."},
  RequirementRow{"CONV-I11", "6.2.5", "behaviour", false, "Base Connect with no policy/resource obstacle → T attempts the connection."},
  RequirementRow{"CONV-I12", "6", "behaviour", false, "Convert messages appear only in SYN, SYN+ACK or ACK, i.e. only at stream start."},
  RequirementRow{"CONV-I13", "9.2", "behaviour", false, "T rejects Convert connections arriving in the external realm; only internal-realm connections are accepted."},
  RequirementRow{"CONV-I14", "9.2", "behaviour", false, "Hairpinning is enabled by default; when disabled by config, hairpinned connections get Not Authorized."},
  RequirementRow{"CONV-I15", "4.4.1", "behaviour", false, "Address-preservation mode: incoming packets without a session entry are forwarded per the FIB, not dropped (unless configured)."},
  RequirementRow{"CONV-I16", "4.4.2", "behaviour", false, "Address-sharing mode: incoming packets not matching an active session are dropped."},
  RequirementRow{"CONV-I17", "4.4.1", "behaviour", false, "With MPTCP and address preservation, downstream traffic uses the initial subflow's source address even for data received on secondary subflows."},
  RequirementRow{"CONV-I18", "5.1", "behaviour", false, "MPTCP upstream: downstream RST → MP_FASTCLOSE upstream; upstream DATA_FIN → FIN downstream; RST of one upstream subflow must not terminate the downstream connection."},
  RequirementRow{"CONV-I19", "4.2, 5.2", "behaviour", false, "Incoming SYN with no eligible mapping is silently ignored; with a mapping, T sends C a SYN carrying a Connect TLV with the remote host's address/port (and MP_CAPABLE for MPTCP)."},
  RequirementRow{"CONV-I20", "App. A.2", "behaviour", false, "T accepts data in the SYN regardless of the presence of a TFO option or cookie."},
  RequirementRow{"CONV-I21", "4.3", "behaviour", false, "Each session entry has a lifetime; state is removed on expiry (idle-timeout behaviour recorded)."},
  RequirementRow{"CONV-I22", "9.3", "behaviour", true, "SYN-flood protections (RFC 4987 §3) should be enabled."},
  RequirementRow{"CONV-I23", "9.5", "behaviour", true, "In address-sharing mode, logging per RFC 6888 §4 is to be considered."},
  RequirementRow{"CONV-I24", "6.2.8", "behaviour", false, "An Error TLV is carried in the SYN+ACK or a later ACK segment (never inside an RST)."},
};

// Testable in principle, but not by this catalog: why, for the coverage table.
constexpr std::array kNotAutomated{
  NotAutomated{"CONV-050", "a local configuration choice (MAY): every downstream window scale is conformant, so no "
                           "verdict can follow from it"},
  NotAutomated{"CONV-I14", "needs a converter that keeps external address mappings for its clients (a NAT-like "
                           "address-sharing deployment); the lab's converter is reached as an endpoint and has no "
                           "mapping of another client to connect to"},
  NotAutomated{"CONV-I15", "address-preservation mode puts the converter on the routed path of non-Convert traffic; "
                           "the lab reaches the converter as an endpoint, not as a router"},
  NotAutomated{"CONV-I16", "address-sharing mode with session-bound external addresses; as CONV-I15, it needs the "
                           "converter on the routed path"},
  NotAutomated{"CONV-I17", "address preservation with MPTCP secondary subflows from other client addresses; needs "
                           "the routed-path lab of CONV-I15 and MP_JOIN data on a second address"},
  NotAutomated{"CONV-I19", "needs a converter that offers inbound mappings (incoming SYNs turned into Convert "
                           "connections toward clients, sections 4.2 and 5.2); no such converter is declared"},
  NotAutomated{"CONV-I21", "session lifetimes are minutes by default; recording them needs a PUT fact for its idle "
                           "timeout (not in the PUT description yet)"},
};

}  // namespace

std::span<const RequirementRow> converter_requirements() { return kRows; }

std::span<const NotAutomated> not_automated_requirements() { return kNotAutomated; }

}  // namespace convtest::harness::cli
