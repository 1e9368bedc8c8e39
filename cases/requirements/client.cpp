#include "requirements.hpp"

#include <array>

namespace convtest::cases {
namespace {

using harness::Requirement;

// RFC 8803's requirements on the client: CLI-xxx with a BCP 14 keyword,
// CLI-Ixx without. The client role of the suite judges them.
constexpr auto kRows = std::to_array<Requirement>({
    {.id = "CLI-001", .section = "1.3", .level = "MUST",
     .sentence = "Use the protocol only within a single administrative domain.",
     .operational = true},
    {.id = "CLI-002", .section = "6", .level = "MUST",
     .sentence = "The client's Convert message occupies the first bytes of its stream."},
    {.id = "CLI-003", .section = "6", .level = "MUST",
     .sentence = "Application data in the SYN follows the TLVs immediately (at Total Length x 4)."},
    {.id = "CLI-004", .section = "6.1", .level = "MUST",
     .sentence = "The client sends the 4-byte fixed header first."},
    {.id = "CLI-005", .section = "6.1", .level = "MUST NOT",
     .sentence = "The client does not use version 0."},
    {.id = "CLI-006", .section = "6.1", .level = "MUST",
     .sentence = "A converter message with Total Length 0 makes the client reset the connection."},
    {.id = "CLI-007", .section = "6.1", .level = "MUST",
     .sentence = "The magic number 0x2263 is in every client message."},
    {.id = "CLI-008", .section = "6.2.1", .level = "MUST",
     .sentence = "TLV values (Cookie, Connect options) are zero-padded to a 32-bit multiple."},
    {.id = "CLI-009", .section = "6.2.1", .level = "MUST",
     .sentence = "Each TLV type appears at most once in the client's message."},
    {.id = "CLI-010", .section = "6.2.1", .level = "MUST",
     .sentence = "A duplicated TLV from the converter makes the client reset the connection."},
    {.id = "CLI-011", .section = "6.2.2", .level = "MUST",
     .sentence = "A TLV of type 0 from the converter makes the client reset the connection."},
    {.id = "CLI-012", .section = "6.2.4", .level = "MUST",
     .sentence = "The client ignores the Unassigned bytes of Supported TCP Extensions."},
    {.id = "CLI-013", .section = "6.2.5", .level = "MUST",
     .sentence = "The Remote Peer IP Address is encoded as IPv6."},
    {.id = "CLI-014", .section = "6.2.5", .level = "MUST",
     .sentence = "An IPv4 destination is encoded as the IPv4-mapped ::ffff:a.b.c.d."},
    {.id = "CLI-015", .section = "6.2.5", .level = "MUST NOT",
     .sentence = "The client does not ask for multicast, broadcast or loopback destinations."},
    {.id = "CLI-016", .section = "6.2.5", .level = "MUST NOT",
     .sentence = "The TCP Options field of a Connect TLV holds no kind 0 or 1."},
    {.id = "CLI-017", .section = "6.2.6", .level = "MUST",
     .sentence = "The client ignores the Unassigned bytes of the Extended TCP Header TLV."},
    {.id = "CLI-018", .section = "6.2.8", .level = "MUST",
     .sentence = "An Error TLV from the converter makes the client reset the connection."},
    {.id = "CLI-019", .section = "6.2.8", .level = "MUST",
     .sentence = "After Unsupported Version the client uses the highest version both support in later exchanges."},
    {.id = "CLI-020", .section = "6.2.8", .level = "SHOULD",
     .sentence = "The client keeps the cookie of a Missing Cookie error and sends it in later messages to that "
                 "converter."},
    {.id = "CLI-021", .section = "6.2.8", .level = "SHOULD",
     .sentence = "After Resource Exceeded the client waits the suggested delay (0: at least 30 s) before using the "
                 "converter again."},
    {.id = "CLI-022", .section = "6.2.8", .level = "SHOULD",
     .sentence = "After Network Failure the client waits the suggested delay before using the converter again."},
    {.id = "CLI-023", .section = "7.3", .level = "MAY",
     .sentence = "The client may request SACK-Permitted in the Connect TLV."},
    {.id = "CLI-024", .section = "7.4", .level = "MAY",
     .sentence = "The client may request Timestamps in the Connect TLV, without a value (Length 2)."},
    {.id = "CLI-025", .section = "7.5", .level = "behaviour",
     .sentence = "The client may (lower case) request MPTCP with an empty option (1E 02)."},
    {.id = "CLI-026", .section = "8", .level = "MUST",
     .sentence = "When the converter's SYN-ACK does not acknowledge the SYN payload, the client stops using that "
                 "converter."},
    {.id = "CLI-027", .section = "9", .level = "MUST",
     .sentence = "The client checks that TLVs are framed within Total Length."},
    {.id = "CLI-028", .section = "9.2", .level = "MUST",
     .sentence = "Outside managed networks, strong mutual authentication is used.",
     .operational = true},
    {.id = "CLI-I01", .section = "6.2.2, 6.2.3", .level = "behaviour",
     .sentence = "The client typically sends Info on its first connection to a converter."},
    {.id = "CLI-I02", .section = "6.2.7", .level = "behaviour",
     .sentence = "On Missing Cookie the client resets, keeps the cookie and retries with a Cookie TLV."},
    {.id = "CLI-I03", .section = "4.3, 6", .level = "behaviour",
     .sentence = "The client removes the converter's Convert message (Total Length x 4 bytes) before the application "
                 "sees any data."},
    {.id = "CLI-I04", .section = "8", .level = "behaviour",
     .sentence = "A missing or invalid Convert message in the SYN-ACK (payload stripped on the path) is a failure "
                 "for the client."},
    {.id = "CLI-I05", .section = "3, 5.1", .level = "behaviour",
     .sentence = "The client may bypass the converter later for servers whose returned options show native support."},
    {.id = "CLI-I06", .section = "App. A.1", .level = "behaviour",
     .sentence = "On Linux the client sends SYN data with MSG_FASTOPEN and no TFO option unless it intends TFO."},
    {.id = "CLI-I07", .section = "4.2, 6.2.7", .level = "behaviour",
     .sentence = "The client gets its cookie from Missing Cookie or out of band, and sends the Cookie TLV only in "
                 "the SYN payload."},
    {.id = "CLI-I08", .section = "5.2", .level = "behaviour",
     .sentence = "For incoming connections the client accepts a SYN carrying a Connect TLV and answers with a "
                 "header-only Convert message."},
});

}  // namespace

std::span<const harness::Requirement> client_requirements() { return kRows; }

}  // namespace convtest::cases
