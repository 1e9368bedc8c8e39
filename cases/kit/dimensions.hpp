#pragma once
// The dimension sets cases declare (docs/design.md, "Dimensions"). A case
// names the widest set it is valid for; where its judgement differs per
// value, its run function says so (scenario.instance()).

#include "harness/runner/dimensions.hpp"

namespace convtest::cases::dimensions {

using harness::ClientTransport;
using harness::Delivery;
using harness::Dimensions;
using harness::PathFamily;
using harness::TfoOption;

// Any client: IPv4 or IPv6, TCP or MPTCP (4 instances).
inline const Dimensions kAnyClient{.family = {PathFamily::V4, PathFamily::V6},
                                   .transport = {ClientTransport::Tcp, ClientTransport::Mptcp}};
// A valid request through every path: both families and across them, each
// transport (MPTCP with DSS checksums too), the message whole, split or after
// the handshake, each TFO option (pairwise).
inline const Dimensions kEveryPath{
    .family = {PathFamily::V4, PathFamily::V6, PathFamily::V6ToV4, PathFamily::V4ToV6},
    .transport = {ClientTransport::Tcp, ClientTransport::Mptcp, ClientTransport::MptcpChecksum},
    .delivery = {Delivery::Syn, Delivery::Split, Delivery::Late},
    .tfo = {TfoOption::None, TfoOption::CookieRequest, TfoOption::BogusCookie}};
// A client over either family; the case chooses the transport itself.
inline const Dimensions kAnyFamily{.family = {PathFamily::V4, PathFamily::V6}};
// A client over either transport; the case chooses the family itself.
inline const Dimensions kAnyTransport{.transport = {ClientTransport::Tcp, ClientTransport::Mptcp}};
// Any client, with the message whole, split or after the handshake: for
// requests whose judgement does not depend on how the bytes arrive.
inline const Dimensions kAnyClientAnyDelivery{.family = {PathFamily::V4, PathFamily::V6},
                                              .transport = {ClientTransport::Tcp, ClientTransport::Mptcp},
                                              .delivery = {Delivery::Syn, Delivery::Split, Delivery::Late}};

}  // namespace convtest::cases::dimensions
