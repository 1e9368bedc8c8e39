// RFC 8803 section 5.1 with several MPTCP subflows (RFC 8684 3.2 to 3.7):
// the converter is one MPTCP endpoint, whatever subflow the bytes take.

#include <fmt/format.h>

#include "catalog.hpp"
#include "kit/judge.hpp"
#include "packetgen/tcp_options.hpp"

namespace convtest::cases {
namespace {

using namespace std::chrono_literals;
using harness::Feature;
using harness::JoinStatus;
using reports::CaseClass;
using reports::Level;
namespace mptcp = pg::tcp::mptcp;

constexpr std::string_view kEarly = "early|";
constexpr std::string_view kFirstChunk = "first-on-initial|";
constexpr std::string_view kSecondChunk = "second-on-joined|";
constexpr std::string_view kThirdChunk = "third-on-initial|";
constexpr std::string_view kAfterLoss = "after-subflow-loss|";
constexpr std::uint8_t kJoinedAddressId = 1;
constexpr auto kJoinTimeout = 2s;

pg::Bytes joined_text(std::initializer_list<std::string_view> parts) {
  pg::Bytes out;
  for (auto part : parts) pg::put_bytes(out, text_bytes(part));
  return out;
}

// Converted over MPTCP with early data, then `chunk` on the initial subflow
// and its DATA_ACK: a DSS has been received on the path, so a new subflow
// may be opened (REF-11).
Verification converse_on_initial_subflow(Scenario& scenario, Client& client, pg::ByteView chunk) {
  if (auto unconverted = verify_converted_over_mptcp(client)) return unconverted;
  auto& connection = client.mptcp();
  client.send(chunk);
  const std::uint64_t end = connection.next_local_dsn();
  const auto acked = scenario.await(
      "a DATA_ACK of the first chunk", [&] { return connection.peer_data_ack() >= end; }, 2s);
  if (!acked)
    return CaseOutcome::violated(
        fmt::format("no DATA_ACK up to {} for data sent on the only subflow\n{}", end, acked.observed));
  return std::nullopt;
}

struct Joined {
  Verification failed;
  std::size_t subflow = 0;
};

// A second subflow, by default from another client address, through its
// MP_JOIN handshake. A refusal makes the case INCONCLUSIVE: a converter may
// limit subflows, and mptcp-join-syn-not-ignored judges that on its own.
Joined join_second_subflow(Scenario& scenario, Client& client, JoinOptions options = {}) {
  if (!options.address) options.address = scenario.other_client_address(0);
  options.address_id = kJoinedAddressId;
  const std::size_t index = client.join(options);
  const auto& connection = client.mptcp();
  const auto answered = scenario.await(
      "the MP_JOIN handshake of the second subflow",
      [&] { return connection.join_status(index) != JoinStatus::Pending; }, kJoinTimeout);
  switch (connection.join_status(index)) {
    case JoinStatus::Ready: return {std::nullopt, index};
    case JoinStatus::Refused:
      return {CaseOutcome::inconclusive("the converter refused the second subflow with an RST; the case needs one")};
    case JoinStatus::Pending:
      return {
          CaseOutcome::violated("the MP_JOIN handshake did not complete (no answer, or the third ACK was never "
                                "acknowledged)\n" +
                                answered.observed)};
    default:
      return {CaseOutcome::violated(
          fmt::format("the second subflow's SYN-ACK: {}\n{}", name(connection.join_status(index)), client.recent()))};
  }
}

// The server side saw one connection and did not see it end.
Verification verify_downstream_alive(Scenario& scenario) {
  auto& server = scenario.server();
  if (server.any_reset_received() || server.any_fin_received())
    return CaseOutcome::violated(fmt::format("the downstream connection was ended with {}\n{}",
                                             server.any_reset_received() ? "an RST" : "a FIN", scenario.recent()));
  if (scenario.downstream_connections() != 1)
    return CaseOutcome::violated(
        fmt::format("{} downstream connections instead of one", scenario.downstream_connections()));
  return std::nullopt;
}

// The server side saw every byte once and in order on one connection that
// is still open; with an echoing server the client got them back too.
enum class Echo : bool { No, Yes };
Verification verify_relayed_once(Scenario& scenario, Client& client, pg::ByteView all, Echo echo = Echo::Yes) {
  if (auto failed = verify_server_received(scenario, all)) return failed;
  if (auto failed = verify_downstream_alive(scenario)) return failed;
  if (echo == Echo::Yes) return verify_client_received_after_reply(client, client.reply(), all);
  return std::nullopt;
}

// An echoing server and an MPTCP client whose SYN carries a Base Connect
// with early data.
Client& connect_to_echo_server(Scenario& scenario) {
  scenario.serve({.echo = true});
  return scenario.connect(scenario.base_connect(text_bytes(kEarly)), {.transport = Transport::Mptcp});
}

void register_data_across_subflows(harness::Registry& registry) {
  // CONV-I17/CONV-I18: the converter relays one MPTCP connection, so data
  // from every subflow goes to the same downstream connection, in DSN order.
  registry.add({
      .id = "mptcp-join-data-in-order-once",
      .requirements = {"CONV-I18", "CONV-I17", "REF-11"},
      .section = "5.1",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"mptcp", "mp-join", "relay"},
      .needs = {Feature::Mptcp},
      .title = "Data an MPTCP client spreads over two subflows reaches the server in data-sequence order, once, "
               "on one downstream connection; the server's bytes reach the client.",
      .stimulus = fmt::format("MPTCP SYN with a Base Connect and early data; \"{}\" on the initial subflow; a "
                              "second subflow (MP_JOIN) from another client address; \"{}\" on it, then \"{}\" on "
                              "the initial subflow. The server echoes every byte.",
                              kFirstChunk, kSecondChunk, kThirdChunk),
      .expectation = "The server receives the early data and the three chunks in that order, each once, on one "
                     "connection, and the client receives the same bytes back after the reply.",
      .accepted_outcomes = {"echo over either subflow"},
      .dimensions = dimensions::kAnyFamily,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            auto& client = connect_to_echo_server(scenario);
            if (auto failed = converse_on_initial_subflow(scenario, client, text_bytes(kFirstChunk))) return *failed;
            const auto joined = join_second_subflow(scenario, client);
            if (joined.failed) return *joined.failed;
            client.send_on(joined.subflow, text_bytes(kSecondChunk));
            client.send_on(0, text_bytes(kThirdChunk));
            const auto all = joined_text({kEarly, kFirstChunk, kSecondChunk, kThirdChunk});
            if (auto failed = verify_relayed_once(scenario, client, all)) return *failed;
            return CaseOutcome::pass(
                fmt::format("{} bytes from two subflows in order at the server and back", all.size()));
          },
  });

  registry.add({
      .id = "mptcp-subflow-reset-keeps-downstream",
      .requirements = {"CONV-I18"},
      .section = "5.1",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"mptcp", "mp-join", "rst", "teardown"},
      .needs = {Feature::Mptcp},
      .title = "An RST of one upstream subflow does not end the downstream connection: data continues on the "
               "other subflow.",
      .stimulus = fmt::format("MPTCP connection with a Base Connect, a second subflow from another client "
                              "address; the client resets the initial subflow, then sends \"{}\" on the second. "
                              "The server echoes every byte.",
                              kAfterLoss),
      .expectation = "The server receives the bytes sent after the reset, its connection stays open, and their "
                     "echo reaches the client over the second subflow.",
      .accepted_outcomes = {"the downstream connection untouched"},
      .dimensions = dimensions::kAnyFamily,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            auto& client = connect_to_echo_server(scenario);
            if (auto failed = converse_on_initial_subflow(scenario, client, text_bytes(kFirstChunk))) return *failed;
            const auto joined = join_second_subflow(scenario, client);
            if (joined.failed) return *joined.failed;
            scenario.log("the client resets the initial subflow");
            client.mptcp().abort_subflow(0);
            scenario.settle(200ms);
            client.send_on(joined.subflow, text_bytes(kAfterLoss));
            const auto all = joined_text({kEarly, kFirstChunk, kAfterLoss});
            if (auto failed = verify_relayed_once(scenario, client, all)) return *failed;
            if (client.mptcp().subflow(joined.subflow).reset_received() || client.mptcp().fastclose_received())
              return CaseOutcome::violated("the converter closed the remaining subflow\n" + client.recent());
            return CaseOutcome::pass("after the initial subflow's RST the data went on over the second subflow");
          },
  });

  // RFC 8684 3.4.2: REMOVE_ADDR closes the subflows of that address.
  registry.add({
      .id = "mptcp-remove-addr-keeps-downstream",
      .requirements = {"REF-14", "CONV-I18"},
      .section = "5.1",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"mptcp", "mp-join", "remove-addr"},
      .needs = {Feature::Mptcp},
      .title = "After the client removes the address of its second subflow (REMOVE_ADDR), the converter closes "
               "that subflow and the connection goes on over the initial one.",
      .stimulus = fmt::format("MPTCP connection with a Base Connect and a second subflow from another client "
                              "address (address id {}); the client sends REMOVE_ADDR for id {} on the initial "
                              "subflow, then \"{}\" on it. The server echoes every byte.",
                              kJoinedAddressId, kJoinedAddressId, kAfterLoss),
      .expectation = "The server's connection stays open and receives the bytes; the second subflow is closed "
                     "(RST or FIN).",
      .accepted_outcomes = {"second subflow closed (PASS)", "second subflow left open (WARN)"},
      .dimensions = dimensions::kAnyFamily,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            auto& client = connect_to_echo_server(scenario);
            if (auto failed = converse_on_initial_subflow(scenario, client, text_bytes(kFirstChunk))) return *failed;
            const auto joined = join_second_subflow(scenario, client);
            if (joined.failed) return *joined.failed;
            auto& connection = client.mptcp();
            connection.remove_address(kJoinedAddressId, joined.subflow);
            const auto& second = connection.subflow(joined.subflow);
            const auto closed = scenario.await(
                "the converter closing the removed address's subflow",
                [&] { return second.reset_received() || second.fin_received(); }, 2s);
            client.send_on(0, text_bytes(kAfterLoss));
            const auto all = joined_text({kEarly, kFirstChunk, kAfterLoss});
            if (auto failed = verify_relayed_once(scenario, client, all)) return *failed;
            if (!closed)
              return CaseOutcome::warn("the subflow of the removed address stayed open (RFC 8684 3.4.2)\n" +
                                       closed.observed);
            return CaseOutcome::pass(fmt::format("the removed address's subflow ended with {}; the data went on",
                                                 second.reset_received() ? "an RST" : "a FIN"));
          },
  });
}

void register_connection_endings(harness::Registry& registry) {
  // CONV-I05: an upstream failure tears the downstream connection down.
  registry.add({
      .id = "mptcp-client-fastclose-resets-server",
      .requirements = {"CONV-I05", "REF-15"},
      .section = "5.1",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"mptcp", "teardown", "rst", "fastclose"},
      .needs = {Feature::Mptcp},
      .title = "An MP_FASTCLOSE from the client (an abortive close of the whole MPTCP connection) resets the "
               "downstream connection.",
      .stimulus = "MPTCP connection with a Base Connect and early data; once the server has the data, the client "
                  "sends an RST carrying MP_FASTCLOSE with the converter's key.",
      .expectation = "The server's connection is reset.",
      .accepted_outcomes = {"RST at the server (PASS)", "FIN at the server: ended, but as if complete (WARN)"},
      .dimensions = dimensions::kAnyFamily,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            auto& server = scenario.serve();
            auto& client = scenario.connect(scenario.base_connect(text_bytes(kEarly)), {.transport = Transport::Mptcp});
            if (auto unconverted = verify_converted_over_mptcp(client)) return *unconverted;
            if (auto failed = verify_server_received(scenario, text_bytes(kEarly))) return *failed;
            scenario.log("the client sends MP_FASTCLOSE");
            client.mptcp().fastclose();
            const auto ended = scenario.await(
                "the end of the downstream connection",
                [&] { return server.any_reset_received() || server.any_fin_received(); }, 2s);
            if (!ended)
              return CaseOutcome::violated("the downstream connection stayed open after MP_FASTCLOSE\n" +
                                           ended.observed);
            if (!server.any_reset_received())
              return CaseOutcome::warn(
                  "the downstream connection ended with a FIN: the server takes the request as complete");
            return CaseOutcome::pass("MP_FASTCLOSE became an RST toward the server");
          },
  });
}

void register_refused_and_stripped_joins(harness::Registry& registry) {
  // RFC 8684 3.2: an unknown token is refused with an RST; AMB-14 exempts
  // only joins with a valid token from CONV-005, so silence is allowed too.
  registry.add({
      .id = "mptcp-join-unknown-token-refused",
      .requirements = {"REF-13", "AMB-14", "CONV-005"},
      .section = "5.1",
      .level = Level::Must,
      .case_class = CaseClass::Invalid,
      .tags = {"mptcp", "mp-join"},
      .needs = {Feature::Mptcp},
      .title = "An MP_JOIN SYN naming a token the converter does not know is refused, opens nothing downstream, "
               "and leaves the client's other connection working.",
      .stimulus = fmt::format("MPTCP connection with a Base Connect; a SYN with MP_JOIN whose token is the "
                              "converter's with every bit flipped; then \"{}\" on the established connection.",
                              kAfterLoss),
      .expectation = "No SYN-ACK to the join (an RST, or silence under CONV-005); no new downstream connection; "
                     "the established connection still relays.",
      .accepted_outcomes = {"RST to the join", "no answer to the join"},
      .negative = true,
      .dimensions = dimensions::kAnyFamily,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            auto& client = connect_to_echo_server(scenario);
            if (auto failed = converse_on_initial_subflow(scenario, client, text_bytes(kFirstChunk))) return *failed;
            auto& connection = client.mptcp();
            const auto index = client.join({.address = scenario.other_client_address(0),
                                            .address_id = kJoinedAddressId,
                                            .token = ~connection.remote()->token});
            scenario.await(
                "an answer to the join", [&] { return connection.join_status(index) != JoinStatus::Pending; }, 1s);
            const auto status = connection.join_status(index);
            client.send_on(0, text_bytes(kAfterLoss));
            const auto all = joined_text({kEarly, kFirstChunk, kAfterLoss});
            if (auto failed = verify_relayed_once(scenario, client, all, Echo::No)) return *failed;
            if (status == JoinStatus::Ready || status == JoinStatus::BadHmac || status == JoinStatus::NoMpJoin)
              return CaseOutcome::violated(
                  fmt::format("the converter answered the join to an unknown token with a "
                              "SYN-ACK ({})\n{}",
                              name(status), client.recent()));
            return CaseOutcome::pass(status == JoinStatus::Refused ? "the join was refused with an RST"
                                                                   : "the join was ignored");
          },
  });

  registry.add({
      .id = "mptcp-join-options-stripped",
      .requirements = {"CONV-005", "CONV-I18", "REF-07"},
      .section = "5.1",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"mptcp", "mp-join", "middlebox"},
      .needs = {Feature::Mptcp},
      .title = "A middlebox strips the MPTCP options of the second subflow only: that subflow cannot join, "
               "nothing is opened downstream for it, and the connection goes on over the initial subflow.",
      .stimulus = fmt::format("MPTCP connection with a Base Connect; a second subflow whose packets lose every "
                              "MPTCP option both ways (the converter sees a bare SYN); then \"{}\" on the initial "
                              "subflow. The server echoes every byte.",
                              kAfterLoss),
      .expectation = "One downstream connection only; the server receives every byte once and in order; the echo "
                     "reaches the client.",
      .accepted_outcomes = {"the bare SYN ignored", "answered and reset by the client (RFC 8684 3.2)"},
      .dimensions = dimensions::kAnyFamily,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            auto& client = connect_to_echo_server(scenario);
            if (auto failed = converse_on_initial_subflow(scenario, client, text_bytes(kFirstChunk))) return *failed;
            const std::uint16_t port = scenario.fresh_port();
            for (auto direction : {harness::Direction::ToPut, harness::Direction::FromPut})
              scenario.wire().add_middlebox(
                  {harness::PathSide::ClientSide, direction, harness::emulate::StripMptcpOptions{}, port});
            auto& connection = client.mptcp();
            const auto index = client.join(
                {.address = scenario.other_client_address(0), .port = port, .address_id = kJoinedAddressId});
            scenario.await(
                "an answer to the stripped join", [&] { return connection.join_status(index) != JoinStatus::Pending; },
                1s);
            client.send_on(0, text_bytes(kAfterLoss));
            const auto all = joined_text({kEarly, kFirstChunk, kAfterLoss});
            if (auto failed = verify_relayed_once(scenario, client, all)) return *failed;
            if (auto unaltered = verify_path_altered(scenario)) return *unaltered;
            return CaseOutcome::pass(fmt::format("the stripped join ended as \"{}\"; the connection went on",
                                                 name(connection.join_status(index))));
          },
  });

  // REF-12: a path that strips DSS after the handshake makes the connection
  // fall back to TCP; Convert operation does not depend on it (section 2.10).
  registry.add({
      .id = "mptcp-fallback-dss-stripped",
      .requirements = {"REF-12", "CONV-I04"},
      .section = "5.1",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"mptcp", "fallback", "middlebox", "relay"},
      .needs = {Feature::Mptcp},
      .title = "A middlebox strips every DSS option after the MPTCP handshake: the connection falls back to TCP "
               "and still relays both ways.",
      .stimulus = fmt::format("MPTCP SYN with a Base Connect and early data through a path that removes DSS "
                              "options both ways; after the reply \"{}\". The server echoes every byte.",
                              kAfterLoss),
      .expectation = "The server receives the early data and the later bytes once and in order; the client "
                     "receives their echo after the reply; nothing is reset.",
      .accepted_outcomes = {"plain TCP after the handshake (fallback)"},
      .dimensions = dimensions::kAnyFamily,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            for (auto direction : {harness::Direction::ToPut, harness::Direction::FromPut})
              scenario.wire().add_middlebox(
                  {harness::PathSide::ClientSide, direction,
                   harness::emulate::StripMptcpOptions{static_cast<std::uint8_t>(mptcp::Subtype::Dss)}});
            auto& client = connect_to_echo_server(scenario);
            if (auto unconverted = verify_converted_over_mptcp(client)) return *unconverted;
            client.send(text_bytes(kAfterLoss));
            const auto all = joined_text({kEarly, kAfterLoss});
            if (auto failed = verify_relayed_once(scenario, client, all)) return *failed;
            if (client.tcp().reset_received())
              return CaseOutcome::violated("the converter reset the fallen-back connection\n" + client.recent());
            if (auto unaltered = verify_path_altered(scenario)) return *unaltered;
            return CaseOutcome::pass(fmt::format(
                "relayed both ways without DSS ({})",
                client.mptcp().fallen_back() ? client.mptcp().fallback_reason() : "the client saw no fallback"));
          },
  });
}

}  // namespace

void register_s5_1_mptcp_subflows(harness::Registry& registry) {
  register_data_across_subflows(registry);
  register_connection_endings(registry);
  register_refused_and_stripped_joins(registry);
}

}  // namespace convtest::cases
