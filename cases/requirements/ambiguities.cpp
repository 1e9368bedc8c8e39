#include <array>

#include "requirements.hpp"

namespace convtest::cases {
namespace {

using harness::Requirement;

// Where RFC 8803 leaves a choice open or contradicts itself: the position the
// catalog takes and why. A case whose judgement rests on a position cites its
// AMB id; the default profile follows these positions, --strict the strict
// side of AMB-01.
constexpr auto kAmbiguityRows = std::to_array<Requirement>({
    {.id = "AMB-01",
     .section = "3, 4.2",
     .level = "position",
     .sentence = "Section 4.2 has the converter answer the client's SYN only once the server has answered, but no "
                 "keyword requires it, and TFO listeners of common kernels (Linux) send their SYN-ACK at once.",
     .position = "Two profiles. Default: an immediate SYN-ACK without payload is conformant when the Convert reply "
                 "follows later and reports the real downstream outcome. Strict (--strict): the SYN-ACK, or at least "
                 "the Convert reply, comes only after the server has answered; any success indication before the "
                 "server's SYN-ACK fails. Reports say which behaviour the converter showed.",
     .rationale = "The RFC describes the deferral as the protocol's behaviour, so the strict profile holds a "
                  "converter to it; a converter built on a kernel TFO listener cannot defer the SYN-ACK, and no "
                  "client is misled as long as the Convert reply reflects the real outcome."},
    {.id = "AMB-02",
     .section = "6, 6.1, 6.2.6",
     .level = "position",
     .sentence = "Which TLVs a success reply to a Base Connect carries: section 6 speaks of one or more TLVs, "
                 "section 6.1 requires only the header, and the MUST of section 6.2.6 covers only an Extended "
                 "Connect.",
     .position = "A header-only reply (01 01 22 63) is a conformant success. The catalog recommends the Extended TCP "
                 "Header TLV for a Base Connect too, and the case that checks this recommendation warns without it.",
     .rationale = "No sentence forbids a bare header and existing implementations send one; the TLV is what lets a "
                  "client learn the server's options and bypass the converter later (section 5.1), so it is worth "
                  "recommending."},
    {.id = "AMB-03",
     .section = "6.2.2, 6.2.8",
     .level = "position",
     .sentence = "What \"close\" means after an Error TLV, and from when an RST is acceptable, is not defined; "
                 "section 6.2.2 only forbids an RST immediately after the error was detected.",
     .position = "After the Error TLV the converter closes with a FIN. An RST is conformant once the client has "
                 "acknowledged the Error TLV bytes, or at least 1 s after them; an RST in the same flight as the "
                 "Error TLV, or instead of it, violates CONV-017.",
     .rationale = "The MUST NOT exists so that the error reaches the client: its acknowledgement proves that it did, "
                  "and 1 s covers a client that withholds the ACK (known implementations wait that long)."},
    {.id = "AMB-04",
     .section = "4.2, 6.2.2",
     .level = "position",
     .sentence = "With a deferred SYN-ACK and a server that refuses, the Error TLV can only reach the client in the "
                 "payload of a SYN-ACK.",
     .position = "The in-band Error TLV is required: a SYN-ACK carrying it, then a FIN. A converter that answers the "
                 "client's SYN with a bare RST violates CONV-016.",
     .rationale = "CONV-016 asks for an Error TLV whenever the downstream connection fails; deferring the SYN-ACK "
                  "does not exempt a converter from it."},
    {.id = "AMB-05",
     .section = "6.2.8",
     .level = "position",
     .sentence = "\"Echo the received message\" (Malformed Message, Unsupported Message) may mean the whole Convert "
                 "message or only the offending TLV, and a full echo of a 1020-byte message does not fit in a reply "
                 "(the header and the Error TLV add 8 bytes).",
     .position = "The echo is the offending TLV or the whole message (both are accepted; the whole message when the "
                 "header is at fault), cut on a 4-byte boundary so that the reply's Total Length stays at most 255. "
                 "The catalog checks the code, byte 3 == 0, 32-bit alignment, and that the echo is a prefix of a "
                 "4-byte-aligned slice of what the client sent.",
     .rationale = "Both readings are plausible and both show the client its mistake; only alignment and the size "
                  "limit follow from the format."},
    {.id = "AMB-06",
     .section = "6.1, 6.2.8",
     .level = "position",
     .sentence = "Which reaction each fault of the fixed header gets is not spelt out: version 0, a version above 1, "
                 "a wrong magic number, Total Length 0.",
     .position = "Version 0 or any version other than 1: Unsupported Version (0) with Value 01. Wrong magic number: "
                 "not a Convert message, so the SYN is ignored (CONV-005), or the connection reset once established. "
                 "Total Length 0: RST (CONV-009), no Error TLV needed. An error reply is always a version-1 message.",
     .rationale = "Version 0 is reserved, hence not supported; without the magic number the bytes cannot be trusted "
                  "to be Convert at all; CONV-009 already names the reaction to Total Length 0."},
    {.id = "AMB-07",
     .section = "6.2.1, 6.2.5",
     .level = "position",
     .sentence = "A client message without a Connect TLV: only a Cookie TLV, only unknown TLVs, or the bare header "
                 "(Total Length 1).",
     .position = "Malformed Message (1). Info alone is a legitimate request (AMB-10).",
     .rationale = "Without a Connect TLV there is nothing to convert and, without Info, nothing asked: the message "
                  "is incomplete."},
    {.id = "AMB-08",
     .section = "6.2.2",
     .level = "position",
     .sentence = "A client sends a TLV that only a converter sends (Error, Extended TCP Header, Supported TCP "
                 "Extensions).",
     .position = "Unsupported Message (2); Malformed Message (1) is accepted with a warning.",
     .rationale = "The TLV is well formed but not one a converter accepts from a client; either code tells the "
                  "client it erred, so the other one is only an interoperability risk."},
    {.id = "AMB-09",
     .section = "6.2.1, 6.2.2",
     .level = "position",
     .sentence = "No rule lets a converter skip a TLV type it does not implement (unassigned types, private types "
                 "192-255).",
     .position = "Unsupported Message (2) echoing the TLV, then close. Silently skipping an unknown TLV is a "
                 "violation.",
     .rationale = "Section 6.2.2 answers type 0 with Unsupported Message; giving the same answer for every type the "
                  "converter does not implement keeps the client informed instead of proxying a request whose "
                  "meaning was partly missed."},
    {.id = "AMB-10",
     .section = "6.2.2, 6.2.3",
     .level = "position",
     .sentence = "What a converter does with an Info TLV that comes without a Connect TLV, and with both together.",
     .position = "Info alone: the header and a Supported TCP Extensions TLV at once (no downstream connection "
                 "needed), then FIN. Info with Connect: one reply carrying Supported TCP Extensions and, on success, "
                 "the Extended TCP Header TLV. An Info TLV whose Length is not 1 is malformed.",
     .rationale = "Info asks about the converter, so it needs no server; answering both in one reply keeps to one "
                  "Convert message per direction (CONV-I12)."},
    {.id = "AMB-11",
     .section = "6",
     .level = "position",
     .sentence = "The order of a client's TLVs (Info, Connect, Cookie) is not specified.",
     .position = "A converter accepts them in any order.",
     .rationale = "The format ties no meaning to the order, so a client cannot be faulted for its choice."},
    {.id = "AMB-12",
     .section = "6, 6.1",
     .level = "position",
     .sentence = "A Convert message of up to 1020 bytes may not fit in the SYN payload (default MSS 536 for IPv4, "
                 "1220 for IPv6) and then arrives in several segments.",
     .position = "The converter reassembles up to Total Length x 4 bytes within a bounded time (then Malformed "
                 "Message or RST) and opens the downstream connection only once the Connect TLV, and a Cookie TLV it "
                 "requires, is complete.",
     .rationale = "Total Length says exactly how many bytes belong to the message, so a receiver can wait for them; "
                  "acting on a partial Connect TLV would reach the wrong destination."},
    {.id = "AMB-13",
     .section = "6, 8",
     .level = "position",
     .sentence = "Section 6 lets a Convert message travel in an ACK and also says SYNs without Convert TLVs are "
                 "ignored, while section 8 makes the client abandon a converter that does not acknowledge its SYN "
                 "payload.",
     .position = "The converter always acknowledges SYN payload (CONV-I20). A SYN without payload is ignored by "
                 "default (CONV-005); closing that connection without a reply is conformant too. A converter "
                 "accepting the message in the first ACK is an optional profile; clients are judged on section 8.",
     .rationale = "The 0-RTT design works only when the SYN carries the message; the other readings are allowed, but "
                  "nothing in the protocol depends on them."},
    {.id = "AMB-14",
     .section = "5.1, 6",
     .level = "position",
     .sentence = "Additional-subflow SYNs (MP_JOIN) to the converter's port carry no Convert message, yet section 6 "
                 "has SYNs without Convert TLVs ignored.",
     .position = "A SYN carrying MP_JOIN with a valid token is exempt from CONV-005 and is accepted as a new subflow.",
     .rationale = "Ignoring them would break MPTCP, which a converter exists to offer (section 5.1)."},
    {.id = "AMB-15",
     .section = "6.2.7, 6.2.8",
     .level = "position",
     .sentence = "A cookie's length is implicit, so zero padding cannot be told from trailing zero bytes of the "
                 "cookie.",
     .position = "A converter should issue cookies whose length is a multiple of 4 bytes, so neither the Cookie TLV "
                 "nor Missing Cookie (both start the cookie at byte 4) needs padding; the client returns the bytes "
                 "exactly as received; the converter's validator tolerates trailing zero padding.",
     .rationale = "With 4-byte multiples the ambiguity never arises, and the tolerance covers clients that pad "
                  "anyway."},
    {.id = "AMB-16",
     .section = "6.2.7",
     .level = "position",
     .sentence = "A Cookie TLV sent to a converter that does not require cookies.",
     .position = "Accepted and ignored: the request proceeds normally.",
     .rationale = "The Cookie TLV is a known type, so neither Unsupported nor Malformed Message applies, and "
                  "accepting it costs nothing."},
    {.id = "AMB-17",
     .section = "6.2.7, 6.2.8",
     .level = "position",
     .sentence = "A converter requires a cookie but computes none itself, while Missing Cookie is allowed only when "
                 "it did compute one (CONV-039).",
     .position = "Not Authorized (32).",
     .rationale = "It is the only other error the cookie rules name, and it tells the client to obtain its cookie "
                  "another way."},
    {.id = "AMB-18",
     .section = "6.2.8",
     .level = "position",
     .sentence = "Which error is sent when several apply to one request.",
     .position = "Framing and version (codes 0, 1, 2) before authorisation and cookie (3, 32), before option checks "
                 "(33), before resources (64), before the downstream outcome (65, 96, 97); exactly one Error TLV per "
                 "reply.",
     .rationale = "A request can be judged only once it is understood, and is worth checking further only once it is "
                  "authorised; a single Error TLV follows from the once-per-connection rule (CONV-013)."},
    {.id = "AMB-19",
     .section = "6.2.8",
     .level = "position",
     .sentence = "The width of the Value of Resource Exceeded and Network Failure (a delay in seconds) is not fixed.",
     .position = "One byte (byte 3, Length 1, 0 to 255 s); a client reading a longer Value uses byte 3; Value 0 "
                 "means wait at least 30 s.",
     .rationale = "The Error TLV's layout has a one-byte Value for every other code with a number; reading byte 3 "
                  "alone keeps a client robust against other layouts."},
    {.id = "AMB-20",
     .section = "4.2, 6.2.8",
     .level = "position",
     .sentence = "Section 6.2.8 calls network unreachable a hard error, while RFC 1122 and RFC 5461 class ICMPv4 "
                 "Destination Unreachable codes 0, 1, 5 and ICMPv6 codes 0, 3 as soft; the Error TLV does not say "
                 "whether the ICMP was v4 or v6.",
     .position = "While the downstream connection is being set up, Destination Unreachable (97) is accepted for "
                 "every Destination Unreachable code, with Value equal to the received code; the client infers the "
                 "ICMP family from the Connect TLV's address family; Time Exceeded and Parameter Problem should not "
                 "produce 97.",
     .rationale = "Many stacks abort a connection in SYN-SENT on soft errors too, so a converter cannot always wait "
                  "them out; echoing the code is what the RFC does require."},
    {.id = "AMB-21",
     .section = "6.2.2, 6.2.8",
     .level = "position",
     .sentence = "No error code is defined for a server that never answers the downstream SYN.",
     .position = "Network Failure (65); Destination Unreachable (97) is not allowed (there is no ICMP code to echo); "
                 "a bare RST or FIN without an Error TLV violates CONV-016.",
     .rationale = "Network Failure is the code for forwarding problems, and CONV-016 requires an Error TLV whatever "
                  "the cause."},
    {.id = "AMB-22",
     .section = "6.2.5",
     .level = "position",
     .sentence = "The RFC requires refusing only multicast, broadcast and loopback destinations.",
     .position = "The unspecified address (::, ::ffff:0.0.0.0/104) and port 0 are refused too, by recommendation "
                 "(WARN when not): Malformed Message, or Not Authorized. Private, unique-local and link-local "
                 "destinations are policy (Not Authorized when denied, allowed by default in a managed network). A "
                 "Connect to the converter's own address and Convert port (a loop), or to any address of the "
                 "converter's host on any port (the host's own services), gets Not Authorized (recommended). "
                 "IPv4-compatible ::a.b.c.d is an IPv6 address (no error). Of the broadcast addresses "
                 "only 255.255.255.255 is tested.",
     .rationale = "Neither the unspecified address nor port 0 names a server; the other classes are local policy, "
                  "not protocol; a subnet-directed broadcast cannot be recognised without knowing the subnet."},
    {.id = "AMB-23",
     .section = "6.2.3, 6.2.7",
     .level = "position",
     .sentence = "The zero fields of the Info TLV and the Cookie TLV (bytes 2-3) have no rule for their receiver.",
     .position = "The converter ignores non-zero values there and sends zeros itself.",
     .rationale = "Rejecting them would protect nothing; the sender's rule comes from the format."},
    {.id = "AMB-24",
     .section = "6.2.5, 7",
     .level = "position",
     .sentence = "Requested options that do not fit in a SYN: more than 40 bytes of options, alone or together with "
                 "the converter's own.",
     .position = "Unsupported TCP Option (33) listing the kinds that could not be placed.",
     .rationale = "The converter cannot honour the request (CONV-024 wants every listed option in the SYN), and code "
                  "33 names the options at fault."},
    {.id = "AMB-25",
     .section = "6.2.6",
     .level = "position",
     .sentence = "What the Extended TCP Header TLV carries: the server's SYN-ACK options as received, or those the "
                 "converter kept.",
     .position = "A byte-for-byte copy of the server's SYN-ACK option bytes, NOP and EOL included, even options the "
                 "converter consumed itself (MSS, window scale, timestamps); nothing rewritten.",
     .rationale = "The client reads the TLV to learn what the server supports (for instance to bypass the "
                  "converter); any rewriting would hide exactly that."},
    {.id = "AMB-26",
     .section = "9.3",
     .level = "position",
     .sentence = "A retransmitted or duplicated client SYN (same initial sequence number) arrives while the "
                 "converter waits for the server.",
     .position = "One downstream connection per upstream 4-tuple and initial sequence number; judged together with "
                 "CONV-070.",
     .rationale = "A retransmission is the same request; a second downstream connection would double the server's "
                  "load and the converter's state."},
    {.id = "AMB-27",
     .section = "4.2, 6",
     .level = "position",
     .sentence = "Once the converter has sent its Convert reply it can no longer send an Error TLV.",
     .position = "Later downstream failures become an upstream RST (or MP_FASTCLOSE), without an Error TLV.",
     .rationale = "Convert messages appear only at the start of the stream (CONV-I12); one in the middle would be "
                  "read as server data."},
    {.id = "AMB-28",
     .section = "4.2",
     .level = "position",
     .sentence = "Section 4.2 reads \"If this upstream connection succeeds\" where it describes the connection "
                 "toward the server.",
     .position = "Read as the downstream connection.",
     .rationale = "The surrounding text is about the connection to the server; the upstream connection is not yet "
                  "confirmed at that point."},
    {.id = "AMB-29",
     .section = "5.1",
     .level = "position",
     .sentence = "RFC 8684 maps SYN data only; data in an MPTCP SYN-ACK has no DSS mapping, so where the converter's "
                 "reply goes on an MPTCP upstream connection is open.",
     .position = "With MPTCP upstream the converter should send its Convert reply in the first data segment after "
                 "the SYN-ACK, mapped at DSN = IDSN + 1; a reply in the SYN-ACK payload is accepted with an "
                 "interoperability warning. The catalog's MPTCP client does not count its own SYN payload in the DSN "
                 "space (REF-10).",
     .rationale = "Only a mapped reply is unambiguous to every MPTCP receiver; a SYN-ACK payload works with some "
                  "stacks and not with others."},
    {.id = "AMB-30",
     .section = "9.3",
     .level = "position",
     .sentence = "A duplicated SYN could open a second downstream connection carrying the same early data (replay).",
     .position = "Informational only: an exact duplicate of the SYN is sent after the first session has closed, and "
                 "the report records whether the converter proxies it again.",
     .rationale = "RFC 8803 leaves replay protection to the application (REF-06); the record tells operators what to "
                  "expect."},
    {.id = "AMB-31",
     .section = "6",
     .level = "position",
     .sentence = "IANA assigned the Convert protocol a service name but no port.",
     .position = "The converter's port is a parameter of the suite (the PUT description); 5124 is only the default.",
     .rationale = "5124 is what existing tooling uses; any deployment may choose another port."},
    {.id = "AMB-32",
     .section = "4.2, 5.2",
     .level = "position",
     .sentence = "For incoming connections, what the client puts in its SYN-ACK and how the converter learns its "
                 "mappings are outside the RFC.",
     .position = "An optional profile; a header-only reply from the client is expected.",
     .rationale = "Without a defined mapping protocol nothing more can be judged."},
    {.id = "AMB-33",
     .section = "6.2.5, 7",
     .level = "position",
     .sentence = "Which requested options a converter ignores and which it refuses with Unsupported TCP Option.",
     .position = "Kinds 0, 1, 2, 3 and 5 are ignored (never error 33); kinds the converter lists as supported are "
                 "accepted; kind 29 (TCP-AO) and every other kind get error 33 listing them.",
     .rationale = "Section 7 names the ignored kinds one by one (CONV-047, CONV-051, CONV-054) and refuses TCP-AO "
                  "(CONV-062); for the rest, a converter cannot honour what it does not support."},
    {.id = "AMB-34",
     .section = "6.2.8",
     .level = "position",
     .sentence = "Unsupported Version lists the converter's versions in no specified order.",
     .position = "The order does not matter: the client picks the highest version both support and does not retry "
                 "that converter when there is none. A converter replying with a version-1 message supports version "
                 "1, so its list contains 01.",
     .rationale = "A list without a defined order can only be read as a set."},
    {.id = "AMB-35",
     .section = "6.1",
     .level = "position",
     .sentence = "Implementations of pre-RFC drafts send 0x0000 in header bytes 2-3, where the RFC puts the magic "
                 "number.",
     .position = "The catalog fails them (CONV-010), and a converter receiving 0x0000 there treats the bytes as not "
                 "Convert (AMB-06); a compatibility flag accepting 0x0000 may be offered for interoperability "
                 "reports.",
     .rationale = "The magic number is a MUST of the RFC; the drafts are not the standard."},
});

}  // namespace

std::span<const harness::Requirement> ambiguity_positions() { return kAmbiguityRows; }

}  // namespace convtest::cases
