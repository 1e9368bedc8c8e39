// RFC 8803 section 6.2.7: the Cookie TLV; with it the authorization of
// clients (section 6.2.8 Not Authorized, section 9.2).

#include <fmt/format.h>

#include "catalog.hpp"
#include "harness/lab/addressing.hpp"
#include "kit/judge.hpp"

namespace convtest::cases {
namespace {

using namespace std::chrono_literals;
using harness::Feature;
using reports::CaseClass;
using reports::Level;

constexpr std::uint8_t kCorruptionMask = 0x5a;  // XORed into the middle byte of a valid cookie
constexpr auto kPastMaxAge = 1s;                // how long after cookie_max_age a stale cookie is presented
constexpr std::uint8_t kOutsiderHost = 77;      // a host in the servers' (external) prefix
const pg::Bytes kArbitraryCookie{0xc0, 0x0c, 0x1e, 0x5a, 0x11, 0x22, 0x33, 0x44};

const std::vector<std::string> kCookieTags{"cookie", "authorization"};
const AcceptedError kNotAuthorized{cv::ErrorCode::NotAuthorized, 0};

std::string not_authorized_text() { return wire_text(cv::encode_tlv(cv::ErrorTlv::not_authorized())); }

// The first (or `skip`-th further) address of `candidates` in `family`, if any.
std::optional<pg::ip::Address> first_of_family(const std::vector<std::string>& candidates, Family family,
                                               std::size_t skip = 0) {
  for (const auto& text : candidates) {
    const auto address = pg::ip::Address::parse(text);
    if (!address || (address->family == pg::ip::Family::V4) != (family == Family::V4)) continue;
    if (skip == 0) return address;
    --skip;
  }
  return std::nullopt;
}

// The first (or `skip`-th further) client from which the PUT requires a
// cookie; with no cookie_clients declared, every client needs one.
pg::ip::Address cookie_client(Scenario& scenario, std::size_t skip = 0) {
  const auto& declared = scenario.context().put.cookie_clients;
  if (declared.empty()) return scenario.other_client_address(static_cast<unsigned>(skip));
  return *first_of_family(declared, scenario.client_family(), skip);
}

// UNSUPPORTED when the PUT description names fewer cookie clients of the
// scenario's client family than the case needs.
std::optional<CaseOutcome> too_few_cookie_clients(const Scenario& scenario, std::size_t needed) {
  const auto& declared = scenario.context().put.cookie_clients;
  if (declared.empty()) return std::nullopt;
  std::size_t found = 0;
  while (found < needed && first_of_family(declared, scenario.client_family(), found)) ++found;
  if (found >= needed) return std::nullopt;
  return CaseOutcome::unsupported(
      fmt::format("the PUT description names {} {} cookie client(s); this case needs {} (--cookie-clients)", found,
                  scenario.client_family() == Family::V4 ? "IPv4" : "IPv6", needed));
}

pg::Bytes with_cookie(const Scenario& scenario, pg::Bytes cookie) {
  return scenario.message({cv::CookieTlv{std::move(cookie)}, scenario.connect_tlv()});
}

// The cookie a cookie client obtains with its first request, or why none came.
struct Fetched {
  std::optional<pg::Bytes> cookie;
  std::string observed;
};

Fetched fetch_cookie(Scenario& scenario, const pg::ip::Address& address) {
  auto& first = scenario.connect(scenario.base_connect(), {.address = address});
  const Reply reply = first.await_reply(2s);
  const cv::ErrorTlv* error = reply.error_tlv();
  if (error == nullptr || error->code != cv::ErrorCode::MissingCookie || error->bytes.empty())
    return {std::nullopt,
            fmt::format("a request without Cookie TLV from {} got {}", address.to_string(), reply.describe())};
  return {error->bytes, reply.describe()};
}

// How the cookie a client presents differs from the valid one it obtained.
enum class Tamper : std::uint8_t { Corrupted, OtherClient, Stale };

struct RefusedCookieRow {
  std::string id;
  Tamper tamper;
  std::string title;
  std::string stimulus;
  std::chrono::milliseconds timeout{0};
};

// "An invalid cookie is answered with Not Authorized, then a close." Invalid:
// altered, issued to another address, or expired (key rotation, CONV-031).
CaseOutcome rejected_cookie(CaseContext& context, Tamper tamper) {
  const bool other_client = tamper == Tamper::OtherClient;
  if (tamper == Tamper::Stale && !context.put.cookie_max_age)
    return CaseOutcome::unsupported("the PUT description declares no cookie_max_age (--cookie-max-age)");
  Scenario scenario(context);
  if (auto unsupported = too_few_cookie_clients(scenario, other_client ? 2 : 1)) return *unsupported;
  scenario.serve();
  const auto owner = cookie_client(scenario);
  const auto presenter = other_client ? cookie_client(scenario, 1) : owner;
  const Fetched fetched = fetch_cookie(scenario, owner);
  if (!fetched.cookie) return CaseOutcome::inconclusive("no cookie to tamper with: " + fetched.observed);
  pg::Bytes cookie = *fetched.cookie;
  if (tamper == Tamper::Corrupted) cookie[cookie.size() / 2] ^= kCorruptionMask;
  // The PUT's clock, not the harness's pace: this wait is never scaled.
  if (tamper == Tamper::Stale)
    scenario.settle_unscaled(std::chrono::seconds(*context.put.cookie_max_age) + kPastMaxAge);
  const pg::Bytes message = with_cookie(scenario, cookie);
  auto& client = scenario.connect(message, {.address = presenter});
  return judge_error_reply(client, client.await_reply(2s), {.accepted = {kNotAuthorized}, .echo_of = message});
}

std::vector<RefusedCookieRow> refused_cookie_rows() {
  return {
      {"cookie-corrupted-not-authorized", Tamper::Corrupted,
       "A converter validates the cookie it receives: a corrupted cookie is answered with Not Authorized, then a "
       "close.",
       fmt::format("From a cookie client: fetch a cookie with a first request, then send it back with its middle byte "
                   "XOR {:#04x} in a Cookie TLV with a Base Connect.",
                   kCorruptionMask)},
      {"cookie-other-client-not-authorized", Tamper::OtherClient,
       "A cookie is bound to the client's address: a cookie issued to one client and presented by another is "
       "answered with Not Authorized.",
       "The first cookie client fetches a cookie; the second cookie client (another address) sends it in a Cookie "
       "TLV with a Base Connect."},
      {"cookie-stale-not-authorized", Tamper::Stale,
       "A cookie expires: once the converter's key rotation and grace period are over, the cookie it issued is "
       "answered with Not Authorized.",
       "From a cookie client: fetch a cookie with a first request, wait the PUT's declared cookie_max_age plus one "
       "second, then send it back in a Cookie TLV with a Base Connect.",
       30s},
  };
}

}  // namespace

void register_s6_2_7_cookie(harness::Registry& registry) {
  // "A converter configured for cookies verifies that the SYN carries a
  // Cookie TLV; if it computed a cookie, it returns Missing Cookie with that
  // cookie (byte 3 zero) and closes."
  registry.add({
      .id = "cookie-missing-error-3",
      .requirements = {"CONV-030", "CONV-034", "CONV-039", "AMB-15", "AMB-17"},
      .section = "6.2.7",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = kCookieTags,
      .needs = {Feature::Cookie},
      .title = "A converter configured for cookies answers a request without Cookie TLV with Missing Cookie "
               "carrying the cookie it computed (byte 3 zero), then closes.",
      .stimulus = fmt::format("From a client the PUT requires a cookie from (first of cookie_clients): SYN carrying "
                              "a Base Connect to {} and no Cookie TLV.",
                              server_endpoint_text(Family::V4)),
      .expectation = "Error TLV code 3 with byte 3 zero and a non-empty cookie from byte 4 (a whole number of "
                     "words, AMB-15), then FIN; no SYN toward the server.",
      .accepted_outcomes = {"Error 3 with a cookie, then FIN", "Error 32 when the PUT computes no cookie (AMB-17)"},
      .negative = true,
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            if (auto unsupported = too_few_cookie_clients(scenario, 1)) return *unsupported;
            scenario.serve();
            const pg::Bytes message = scenario.base_connect();
            auto& client = scenario.connect(message, {.address = cookie_client(scenario)});
            // Missing Cookie must carry a cookie (CONV-039): the judge checks it.
            return judge_error_reply(
                client, client.await_reply(2s),
                {.accepted = {{cv::ErrorCode::MissingCookie}, kNotAuthorized}, .echo_of = message});
          },
  });

  // "If the converter computed a cookie it returns it; the client's retry
  // with that cookie succeeds."
  registry.add({
      .id = "cookie-retry-succeeds",
      .requirements = {"CONV-034", "CONV-031", "CONV-033"},
      .section = "6.2.7",
      .level = Level::Must,
      .case_class = CaseClass::Valid,
      .tags = kCookieTags,
      .needs = {Feature::Cookie},
      .title = "The cookie returned in Missing Cookie is usable: the client's retry carrying it is proxied.",
      .stimulus = "From a cookie client: a Base Connect without cookie (answered with Missing Cookie), then a "
                  "second connection from the same address with the returned cookie in a Cookie TLV before the "
                  "Connect.",
      .expectation = "The second request gets a success reply (no Error TLV) and its SYN reaches the server.",
      .accepted_outcomes = {"success reply with or without Extended TCP Header"},
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            if (auto unsupported = too_few_cookie_clients(scenario, 1)) return *unsupported;
            scenario.serve();
            const auto address = cookie_client(scenario);
            const Fetched fetched = fetch_cookie(scenario, address);
            if (!fetched.cookie) return CaseOutcome::violated(fetched.observed);
            auto& retry = scenario.connect(with_cookie(scenario, *fetched.cookie), {.address = address});
            const Reply reply = retry.await_reply(2s);
            if (!reply.success())
              return CaseOutcome::violated(
                  fmt::format("with the cookie {} the retry got {}", hex(*fetched.cookie), reply.describe()));
            if (retry.no_downstream_syn(0ms))
              return CaseOutcome::violated("a success reply although no SYN reached the server: " + reply.describe());
            return CaseOutcome::pass(fmt::format("cookie {}; retry: {}", hex(*fetched.cookie), reply.describe()));
          },
  });

  for (const RefusedCookieRow& row : refused_cookie_rows()) {
    registry.add({
        .id = row.id,
        .requirements = {"CONV-031", "CONV-032", "CONV-040"},
        .section = "6.2.7",
        .level = Level::Must,
        .case_class = CaseClass::Invalid,
        .tags = kCookieTags,
        .needs = {Feature::Cookie},
        .title = row.title,
        .stimulus = row.stimulus,
        .expectation = fmt::format("Error TLV code {} with value {}, then FIN; no SYN toward the server.",
                                   static_cast<int>(kNotAuthorized.code), *kNotAuthorized.value),
        .accepted_outcomes = {"Error 32 in the SYN-ACK payload or a later segment, then FIN"},
        .negative = true,
        .timeout = row.timeout,
        .dimensions = dimensions::kAnyClient,
        .run = [tamper = row.tamper](CaseContext& context) { return rejected_cookie(context, tamper); },
    });
  }

  // AMB-16: a Cookie TLV sent to a converter that does not require one from
  // this client is a known TLV: ignored, the request proceeds.
  registry.add({
      .id = "cookie-unrequired-ignored",
      .requirements = {"AMB-16"},
      .section = "6.2.7",
      .level = Level::Behaviour,
      .case_class = CaseClass::Valid,
      .tags = {"cookie"},
      .title = "A Cookie TLV sent to a converter that requires no cookie from this client is a known TLV: it is "
               "ignored and the request proceeds.",
      .stimulus = fmt::format("From a client that needs no cookie: SYN carrying a Cookie TLV ({} arbitrary bytes) "
                              "and a Base Connect to {}.",
                              kArbitraryCookie.size(), server_endpoint_text(Family::V4)),
      .expectation = "A SYN reaches the server and the reply carries no Error TLV.",
      .accepted_outcomes = {"success reply with or without Extended TCP Header"},
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            if (context.put.has(Feature::Cookie) && context.put.cookie_clients.empty())
              return CaseOutcome::unsupported("the PUT requires a cookie from every client (declare --cookie-clients)");
            Scenario scenario(context);
            scenario.serve();
            auto& client = scenario.connect(with_cookie(scenario, kArbitraryCookie));
            const Reply reply = client.await_reply(2s);
            if (!reply.success()) return CaseOutcome::violated(reply.describe() + "\n" + client.recent());
            if (scenario.server().syn_count() == 0)
              return CaseOutcome::violated("a success reply although no SYN reached the server");
            return CaseOutcome::pass(reply.describe());
          },
  });

  // "Not Authorized ... when the request fails authorization": a client the
  // ACL refuses, Value 0.
  for (const Family family : {Family::V4, Family::V6}) {
    const bool v6 = family == Family::V6;
    registry.add({
        .id = v6 ? "acl-denied-ipv6-not-authorized" : "acl-denied-not-authorized",
        .requirements = {"CONV-041", "CONV-040", "CONV-017"},
        .section = "6.2.8",
        .level = Level::Must,
        .case_class = CaseClass::Invalid,
        .tags = {v6 ? "ipv6" : "ipv4", "acl", "authorization", "error"},
        .needs = v6 ? std::vector<Feature>{Feature::Acl, Feature::Ipv6} : std::vector<Feature>{Feature::Acl},
        .title = "A request from a client the converter's ACL refuses is answered with Not Authorized, Value 0, "
                 "then a close.",
        .stimulus = fmt::format("From the first {} acl_denied address of the PUT description: SYN carrying a Base "
                                "Connect to the server.",
                                v6 ? "IPv6" : "IPv4"),
        .expectation = fmt::format("Error TLV {}, then FIN; no SYN toward the server.", not_authorized_text()),
        .accepted_outcomes = {"Error 32 in the SYN-ACK payload or a later segment, then FIN"},
        .negative = true,
        .dimensions = dimensions::kAnyTransport,
        .run =
            [family](CaseContext& context) {
              const auto denied = first_of_family(context.put.acl_denied, family);
              if (!denied)
                return CaseOutcome::unsupported(
                    fmt::format("the PUT description names no {} ACL-denied client (--acl-denied)",
                                family == Family::V4 ? "IPv4" : "IPv6"));
              Scenario scenario(context, family);
              scenario.serve();
              const pg::Bytes message = scenario.base_connect();
              auto& client = scenario.connect(message, {.address = *denied});
              return judge_error_reply(client, client.await_reply(2s),
                                       {.accepted = {kNotAuthorized}, .echo_of = message});
            },
    });
  }

  // CONV-I13: a Convert SYN from the external realm (a server-side address)
  // is ignored or refused, never proxied.
  registry.add({
      .id = "acl-external-realm-refused",
      .requirements = {"CONV-I13"},
      .section = "9.2",
      .level = Level::Behaviour,
      .case_class = CaseClass::Invalid,
      .tags = {"acl", "authorization", "security"},
      .title = "A converter only serves its internal realm: a Convert SYN arriving from the external (server) "
               "side is ignored or refused, never proxied.",
      .stimulus =
          fmt::format("From {} (the servers' prefix): SYN to the converter carrying a Base Connect to {}.",
                      harness::addressing::server_v4(kOutsiderHost).to_string(), server_endpoint_text(Family::V4)),
      .expectation = "No SYN toward the server; the converter answers Not Authorized, closes, or stays silent.",
      .accepted_outcomes = {"Error 32 then FIN", "no answer", "FIN or RST without Convert reply"},
      .negative = true,
      .dimensions = dimensions::kAnyClient,
      .run =
          [](CaseContext& context) {
            Scenario scenario(context);
            scenario.serve();
            auto& outsider =
                scenario.connect(scenario.base_connect(), {.address = harness::addressing::server_v4(kOutsiderHost)});
            const Reply reply = outsider.await_reply(1s);
            if (!outsider.no_downstream_syn(200ms))
              return CaseOutcome::violated("the PUT proxied the request: " + reply.describe());
            if (reply.success())
              return CaseOutcome::violated("a success reply to an external client: " + reply.describe());
            if (reply.ok() && reply.error_tlv()->code != cv::ErrorCode::NotAuthorized)
              return CaseOutcome::violated(reply.describe());
            return CaseOutcome::pass(reply.describe());
          },
  });
}

}  // namespace convtest::cases
