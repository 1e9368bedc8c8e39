// RFC 8803 section 6.2.7: the Cookie TLV; with it the authorization of
// clients (section 6.2.8 Not Authorized, section 9.2).

#include <fmt/format.h>

#include "legacy/addressed_client.hpp"
#include "catalog.hpp"
#include "harness/lab/addressing.hpp"
#include "legacy/scenario.hpp"

namespace convtest::cases {
using namespace legacy;  // TRANSITIONAL
namespace {

using namespace std::chrono_literals;
using harness::Feature;
using reports::CaseClass;
using reports::Level;

// The first (or `skip`-th further) client from which the PUT requires a
// cookie; with no cookie_clients declared, every client needs one.
pg::ip::Address cookie_client(Scenario& scenario, std::size_t skip = 0) {
  const auto& declared = scenario.context().put.cookie_clients;
  if (declared.empty()) {
    const unsigned index = static_cast<unsigned>(scenario.client_address().bytes[3]) + 1 + static_cast<unsigned>(skip);
    return harness::addressing::client_v4(index);
  }
  return *first_of_family(declared, Family::V4, skip);
}

std::string cookie_clients_problem(const harness::PutDescription& put, std::size_t needed) {
  if (put.cookie_clients.empty()) return {};
  std::size_t v4 = 0;
  for (const auto& text : put.cookie_clients) {
    const auto address = pg::ip::Address::parse(text);
    if (address && address->family == pg::ip::Family::V4) ++v4;
  }
  if (v4 >= needed) return {};
  return fmt::format("the PUT description names {} IPv4 cookie client(s); this case needs {} (--cookie-clients)", v4,
                     needed);
}

pg::Bytes with_cookie(const Scenario& scenario, pg::Bytes cookie) {
  cv::Message message;
  message.tlvs.emplace_back(cv::CookieTlv{std::move(cookie)});
  message.tlvs.emplace_back(scenario.connect_tlv());
  auto encoded = cv::encode(message);
  return encoded ? std::move(encoded.value()) : pg::Bytes{};
}

// The cookie a cookie client obtains with its first request, or why none came.
struct Fetched {
  std::optional<pg::Bytes> cookie;
  std::string observed;
};

Fetched fetch_cookie(Scenario& scenario, const pg::ip::Address& address) {
  AddressedClient first(scenario, address);
  first.connect(scenario.base_connect());
  const Reply reply = first.await_reply(2s);
  const cv::ErrorTlv* error = reply.error_tlv();
  if (error == nullptr || error->code != cv::ErrorCode::MissingCookie || error->bytes.empty())
    return {std::nullopt, fmt::format("a request without Cookie TLV from {} got {}", address.to_string(),
                                      reply.describe())};
  return {error->bytes, reply.describe()};
}

// "A converter configured for cookies verifies that the SYN carries a
// Cookie TLV; if it computed a cookie, it returns Missing Cookie with that
// cookie (byte 3 zero) and closes."
CaseOutcome missing_cookie(CaseContext& context) {
  if (auto problem = cookie_clients_problem(context.put, 1); !problem.empty()) return CaseOutcome::unsupported(problem);
  Scenario scenario(context);
  scenario.serve({});
  AddressedClient client(scenario, cookie_client(scenario));
  const pg::Bytes message = scenario.base_connect();
  const std::string expected = fmt::format(
      "from cookie client {}: Error 3 (Missing Cookie) with byte 3 zero and a non-empty cookie, or Error 32 (a "
      "converter that computes no cookie, AMB-17); then a close and no SYN toward the server",
      client.address().to_string());
  client.connect(message);
  const Reply reply = client.await_reply(2s);
  const cv::ErrorTlv* error = reply.error_tlv();
  if (error != nullptr && error->code == cv::ErrorCode::MissingCookie && error->bytes.empty())
    return CaseOutcome::violated(expected, reply.describe() + ": Missing Cookie without a cookie (CONV-039)");
  return expect_refusal(client, reply, {cv::ErrorCode::MissingCookie, cv::ErrorCode::NotAuthorized}, expected,
                        message);
}

// "If the converter computed a cookie it returns it; the client's retry
// with that cookie succeeds."
CaseOutcome retry_with_cookie(CaseContext& context) {
  if (auto problem = cookie_clients_problem(context.put, 1); !problem.empty()) return CaseOutcome::unsupported(problem);
  Scenario scenario(context);
  scenario.serve({});
  const auto address = cookie_client(scenario);
  const std::string expected = fmt::format(
      "a first request from {} gets Missing Cookie with a cookie; the same request carrying that cookie in a Cookie "
      "TLV is proxied: a SYN reaches the server and the reply carries no Error TLV",
      address.to_string());
  const Fetched fetched = fetch_cookie(scenario, address);
  if (!fetched.cookie) return CaseOutcome::violated(expected, fetched.observed);
  AddressedClient retry(scenario, address);
  retry.connect(with_cookie(scenario, *fetched.cookie));
  const Reply reply = retry.await_reply(2s);
  if (!reply.ok() || reply.error_tlv() != nullptr)
    return CaseOutcome::violated(expected, fmt::format("with the cookie {} the retry got {}", hex(*fetched.cookie),
                                                       reply.describe()));
  if (!retry.downstream_syn_seen(0ms))
    return CaseOutcome::violated(expected, "a success reply although no SYN reached the server: " + reply.describe());
  return CaseOutcome::pass(expected, fmt::format("cookie {}; retry: {}", hex(*fetched.cookie), reply.describe()));
}

// How the cookie a client presents differs from the valid one it obtained.
enum class Tamper : std::uint8_t { Corrupted, OtherClient, Stale };

// "An invalid cookie is answered with Not Authorized, then a close." Invalid:
// altered, issued to another address, or expired (key rotation, CONV-031).
CaseOutcome rejected_cookie(CaseContext& context, Tamper tamper) {
  const bool other_client = tamper == Tamper::OtherClient;
  if (auto problem = cookie_clients_problem(context.put, other_client ? 2 : 1); !problem.empty())
    return CaseOutcome::unsupported(problem);
  if (tamper == Tamper::Stale && !context.put.cookie_max_age)
    return CaseOutcome::unsupported("the PUT description declares no cookie_max_age (--cookie-max-age)");
  Scenario scenario(context);
  scenario.serve({});
  const auto owner = cookie_client(scenario);
  const auto presenter = other_client ? cookie_client(scenario, 1) : owner;
  std::string what;
  switch (tamper) {
    case Tamper::Corrupted: what = fmt::format("the cookie issued to {} with one byte flipped", owner.to_string()); break;
    case Tamper::OtherClient:
      what = fmt::format("the cookie issued to {} presented by {}", owner.to_string(), presenter.to_string());
      break;
    case Tamper::Stale:
      what = fmt::format("the cookie issued to {}, presented {} s later (cookie_max_age {} s)", owner.to_string(),
                         *context.put.cookie_max_age + 1, *context.put.cookie_max_age);
      break;
  }
  const std::string expected =
      what + ": Error 32 (Not Authorized) with value 0, a close, and no SYN toward the server";
  Fetched fetched = fetch_cookie(scenario, owner);
  if (!fetched.cookie) return CaseOutcome::inconclusive(expected, "no cookie to tamper with: " + fetched.observed);
  pg::Bytes cookie = *fetched.cookie;
  if (tamper == Tamper::Corrupted) cookie[cookie.size() / 2] ^= 0x5a;
  // The PUT's clock, not the harness's pace: this wait is never scaled.
  if (tamper == Tamper::Stale) scenario.settle_unscaled(std::chrono::seconds(*context.put.cookie_max_age + 1));
  const pg::Bytes message = with_cookie(scenario, cookie);
  AddressedClient client(scenario, presenter);
  client.connect(message);
  const Reply reply = client.await_reply(2s);
  return expect_refusal(client, reply, {cv::ErrorCode::NotAuthorized}, expected, message);
}

// AMB-16: a Cookie TLV sent to a converter that does not require one from
// this client is a known TLV: ignored, the request proceeds.
CaseOutcome cookie_ignored(CaseContext& context) {
  if (context.put.has(Feature::Cookie) && context.put.cookie_clients.empty())
    return CaseOutcome::unsupported("the PUT requires a cookie from every client (declare --cookie-clients)");
  Scenario scenario(context);
  scenario.serve({});
  const pg::Bytes cookie{0xc0, 0x0c, 0x1e, 0x5a, 0x11, 0x22, 0x33, 0x44};
  const std::string expected =
      "a success reply (no Error TLV) and a SYN at the server: the unrequired Cookie TLV is ignored";
  scenario.connect(with_cookie(scenario, cookie));
  const Reply reply = scenario.await_reply(2s);
  if (!reply.ok() || reply.error_tlv() != nullptr)
    return CaseOutcome::violated(expected, reply.describe() + "\n" + scenario.recent());
  if (scenario.server().syn_count() == 0)
    return CaseOutcome::violated(expected, "a success reply although no SYN reached the server");
  return CaseOutcome::pass(expected, reply.describe());
}

// "Not Authorized ... when the request fails authorization": a client the
// ACL refuses, Value 0.
CaseOutcome acl_denied(CaseContext& context, Family family) {
  const auto denied = first_of_family(context.put.acl_denied, family);
  if (!denied)
    return CaseOutcome::unsupported(fmt::format("the PUT description names no {} ACL-denied client (--acl-denied)",
                                                family == Family::V4 ? "IPv4" : "IPv6"));
  Scenario scenario(context, family);
  scenario.serve({});
  AddressedClient client(scenario, *denied);
  const pg::Bytes message = scenario.base_connect();
  const std::string expected = fmt::format(
      "from ACL-denied client {}: Error 32 (Not Authorized) with value 0 (1E 01 20 00), a close, and no SYN toward "
      "the server",
      denied->to_string());
  client.connect(message);
  const Reply reply = client.await_reply(2s);
  return expect_refusal(client, reply, {cv::ErrorCode::NotAuthorized}, expected, message);
}

// CONV-I13: a Convert SYN from the external realm (a server-side address)
// is ignored or refused, never proxied.
CaseOutcome external_realm(CaseContext& context) {
  Scenario scenario(context);
  scenario.serve({});
  AddressedClient outsider(scenario, harness::addressing::server_v4(77));
  const std::string expected =
      "from 198.51.100.77 (the server side): no SYN toward the server; Not Authorized, a close or no answer";
  outsider.connect(scenario.base_connect());
  const Reply reply = outsider.await_reply(1s);
  if (outsider.downstream_syn_seen(200ms))
    return CaseOutcome::violated(expected, "the PUT proxied the request: " + reply.describe());
  if (reply.ok() && reply.error_tlv() == nullptr)
    return CaseOutcome::violated(expected, "a success reply to an external client: " + reply.describe());
  if (reply.ok() && reply.error_tlv()->code != cv::ErrorCode::NotAuthorized)
    return CaseOutcome::violated(expected, reply.describe());
  return CaseOutcome::pass(expected, reply.describe());
}

harness::CaseSpec cookie_spec(std::string id, std::vector<std::string> requirements, Level level) {
  harness::CaseSpec spec;
  spec.id = std::move(id);
  spec.requirements = std::move(requirements);
  spec.section = "6.2.7";
  spec.level = level;
  spec.tags = {"cookie", "authorization"};
  spec.needs = {Feature::Cookie};
  return spec;
}

}  // namespace

void register_s6_2_7_cookie(harness::Registry& registry) {
  auto missing = cookie_spec("cookie-missing-error-3", {"CONV-030", "CONV-034", "CONV-039", "AMB-15", "AMB-17"},
                             Level::Must);
  missing.title = "A converter configured for cookies answers a request without Cookie TLV with Missing Cookie "
                  "carrying the cookie it computed (byte 3 zero), then closes.";
  missing.stimulus = "From a client the PUT requires a cookie from (first of cookie_clients): SYN carrying a Base "
                     "Connect to 198.51.100.10:80 and no Cookie TLV.";
  missing.expectation = "Error TLV code 3 with byte 3 zero and a non-empty cookie from byte 4 (a whole number of "
                        "words, AMB-15), then FIN; no SYN toward the server.";
  missing.accepted_outcomes = {"Error 3 with a cookie, then FIN", "Error 32 when the PUT computes no cookie (AMB-17)"};
  missing.negative = true;
  missing.run = missing_cookie;
  registry.add(std::move(missing));

  auto retry = cookie_spec("cookie-retry-succeeds", {"CONV-034", "CONV-031", "CONV-033"}, Level::Must);
  retry.title = "The cookie returned in Missing Cookie is usable: the client's retry carrying it is proxied.";
  retry.stimulus = "From a cookie client: a Base Connect without cookie (answered with Missing Cookie), then a "
                   "second connection from the same address with the returned cookie in a Cookie TLV before the "
                   "Connect.";
  retry.expectation = "The second request gets a success reply (no Error TLV) and its SYN reaches the server.";
  retry.accepted_outcomes = {"success reply with or without Extended TCP Header"};
  retry.run = retry_with_cookie;
  registry.add(std::move(retry));

  // An invalid cookie of some kind, refused with Not Authorized.
  const auto refused = [&](std::string id, Tamper tamper, std::string title, std::string stimulus) {
    auto spec = cookie_spec(std::move(id), {"CONV-031", "CONV-032", "CONV-040"}, Level::Must);
    spec.case_class = CaseClass::Invalid;
    spec.title = std::move(title);
    spec.stimulus = std::move(stimulus);
    spec.expectation = "Error TLV code 32 with value 0, then FIN; no SYN toward the server.";
    spec.accepted_outcomes = {"Error 32 in the SYN-ACK payload or a later segment, then FIN"};
    spec.negative = true;
    spec.run = [tamper](CaseContext& context) { return rejected_cookie(context, tamper); };
    return spec;
  };
  registry.add(refused("cookie-corrupted-not-authorized", Tamper::Corrupted,
                       "A converter validates the cookie it receives: a corrupted cookie is answered with Not "
                       "Authorized, then a close.",
                       "From a cookie client: fetch a cookie with a first request, then send it back with its middle "
                       "byte XOR 0x5a in a Cookie TLV with a Base Connect."));
  registry.add(refused("cookie-other-client-not-authorized", Tamper::OtherClient,
                       "A cookie is bound to the client's address: a cookie issued to one client and presented by "
                       "another is answered with Not Authorized.",
                       "The first cookie client fetches a cookie; the second cookie client (another address) sends "
                       "it in a Cookie TLV with a Base Connect."));
  auto stale = refused("cookie-stale-not-authorized", Tamper::Stale,
                       "A cookie expires: once the converter's key rotation and grace period are over, the cookie it "
                       "issued is answered with Not Authorized.",
                       "From a cookie client: fetch a cookie with a first request, wait the PUT's declared "
                       "cookie_max_age plus one second, then send it back in a Cookie TLV with a Base Connect.");
  stale.timeout = std::chrono::seconds(30);
  registry.add(std::move(stale));

  registry.add({
      .id = "cookie-unrequired-ignored",
      .requirements = {"AMB-16"},
      .section = "6.2.7",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"cookie"},
      .title = "A Cookie TLV sent to a converter that requires no cookie from this client is a known TLV: it is "
               "ignored and the request proceeds.",
      .stimulus = "From a client that needs no cookie: SYN carrying a Cookie TLV (8 arbitrary bytes) and a Base "
                  "Connect to 198.51.100.10:80.",
      .expectation = "A SYN reaches the server and the reply carries no Error TLV.",
      .accepted_outcomes = {"success reply with or without Extended TCP Header"},
      .run = cookie_ignored,
  });

  const auto acl = [](std::string id, Family family) {
    const bool v6 = family == Family::V6;
    harness::CaseSpec spec{
        .id = std::move(id),
        .requirements = {"CONV-041", "CONV-040", "CONV-017"},
        .section = "6.2.8",
        .level = Level::Must,
        .case_class = CaseClass::Invalid,
        .tags = {v6 ? "ipv6" : "ipv4", "acl", "authorization", "error"},
        .needs = {Feature::Acl},
        .title = "A request from a client the converter's ACL refuses is answered with Not Authorized, Value 0, "
                 "then a close.",
        .stimulus = std::string("From the first ") + (v6 ? "IPv6" : "IPv4") +
                    " acl_denied address of the PUT description: SYN carrying a Base Connect to the server.",
        .expectation = "Error TLV 1E 01 20 00, then FIN; no SYN toward the server.",
        .accepted_outcomes = {"Error 32 in the SYN-ACK payload or a later segment, then FIN"},
        .negative = true,
    };
    if (v6) spec.needs.push_back(Feature::Ipv6);
    spec.run = [family](CaseContext& context) { return acl_denied(context, family); };
    return spec;
  };
  registry.add(acl("acl-denied-not-authorized", Family::V4));
  registry.add(acl("acl-denied-ipv6-not-authorized", Family::V6));

  registry.add({
      .id = "acl-external-realm-refused",
      .requirements = {"CONV-I13"},
      .section = "9.2",
      .level = Level::Behaviour,
      .case_class = CaseClass::Invalid,
      .tags = {"acl", "authorization", "security"},
      .title = "A converter only serves its internal realm: a Convert SYN arriving from the external (server) "
               "side is ignored or refused, never proxied.",
      .stimulus = "From 198.51.100.77 (the servers' prefix): SYN to the converter carrying a Base Connect to "
                  "198.51.100.10:80.",
      .expectation = "No SYN toward the server; the converter answers Not Authorized, closes, or stays silent.",
      .accepted_outcomes = {"Error 32 then FIN", "no answer", "FIN or RST without Convert reply"},
      .negative = true,
      .run = external_realm,
  });
}

}  // namespace convtest::cases
