#include <array>

#include "requirements.hpp"

namespace convtest::cases {
namespace {

using harness::Requirement;

// Rules of RFC 7413 (TCP Fast Open) and RFC 8684 (MPTCP v1) that the Convert
// flows rely on.
constexpr auto kReferenceRows = std::to_array<Requirement>({
    {.id = "REF-01",
     .section = "RFC 7413 4.1.1",
     .level = "MUST",
     .sentence = "TFO options with an invalid length, or on segments other than SYN, are ignored: a converter must "
                 "not choke on them, and the harness does not count them as errors."},
    {.id = "REF-02",
     .section = "RFC 7413 4.1.2",
     .level = "behaviour",
     .sentence = "The cookie model that the Cookie TLV reuses: GetCookie / IsCookieValid, bound to the client's "
                 "address, expiring."},
    {.id = "REF-03",
     .section = "RFC 7413 4.2.2",
     .level = "SHOULD",
     .sentence = "A server may acknowledge the SYN but not its data; the client then sends the data again in its "
                 "first ACK (for Convert, RFC 8803 section 8 asks the client to abandon the converter instead, see "
                 "AMB-13)."},
    {.id = "REF-04",
     .section = "RFC 7413 4.2.2",
     .level = "MAY",
     .sentence = "A server may send data in its SYN-ACK: what lets a converter reply in the SYN-ACK payload."},
    {.id = "REF-05",
     .section = "RFC 7413 6.1",
     .level = "MUST NOT",
     .sentence = "An endpoint that cannot tolerate duplicated SYN data does not enable TFO (the replay concern of "
                 "Convert SYNs)."},
    {.id = "REF-06",
     .section = "RFC 7413 7.3",
     .level = "behaviour",
     .sentence = "Fast Open without a cookie is acceptable when the application protects itself, which RFC 8803 "
                 "relies on."},
    {.id = "REF-07",
     .section = "RFC 8684 3.1",
     .level = "MUST",
     .sentence = "Without MP_CAPABLE in the SYN-ACK the connection continues as regular TCP: downstream when the "
                 "server is not MPTCP-capable, upstream when the converter does not answer with MP_CAPABLE."},
    {.id = "REF-08",
     .section = "RFC 8684 3.1",
     .level = "MUST NOT",
     .sentence = "A SYN-ACK carries no MP_CAPABLE when the SYN did not: no MPTCP toward a plain-TCP client."},
    {.id = "REF-09",
     .section = "RFC 8684 3.1",
     .level = "MUST",
     .sentence = "An MP_CAPABLE with flags D to H all zero is invalid (the connection is plain TCP); one with a B "
                 "flag the receiver does not understand is ignored."},
    {.id = "REF-10",
     .section = "RFC 8684 App. B.2",
     .level = "behaviour",
     .sentence = "SYN data lies outside the data sequence space: the first data sequence number after the SYN is "
                 "IDSN + 1."},
    {.id = "REF-11",
     .section = "RFC 8684 3.1",
     .level = "MUST NOT",
     .sentence = "No new subflow is opened before a DSS option has been received on the path."},
    {.id = "REF-12",
     .section = "RFC 8684 3.7",
     .level = "behaviour",
     .sentence = "Fallback (infinite mapping, MP_FAIL): once a connection has fallen back to TCP it never returns to "
                 "MPTCP."},
    // REF-13 to REF-15 are this suite's additions to the shared table.
    {.id = "REF-13",
     .section = "RFC 8684 3.2",
     .level = "MUST",
     .sentence = "An MP_JOIN SYN whose token the receiver does not know (or a subflow it will not accept) is answered "
                 "with an RST; the receiver's other connections are unaffected."},
    {.id = "REF-14",
     .section = "RFC 8684 3.4.2",
     .level = "behaviour",
     .sentence = "On REMOVE_ADDR the receiver closes the subflows that use the removed address; the connection goes "
                 "on over the others."},
    {.id = "REF-15",
     .section = "RFC 8684 3.5",
     .level = "behaviour",
     .sentence = "MP_FASTCLOSE closes the whole MPTCP connection at once, like an RST of a TCP connection; the "
                 "receiver's data for it is gone."},
});

}  // namespace

std::span<const harness::Requirement> reference_requirements() { return kReferenceRows; }

}  // namespace convtest::cases
