#pragma once
// TRANSITIONAL: the case layer before cases/kit; removed once every section file is ported.
// A further client connection through the PUT, from an address the case
// chooses, on the scenario's wire: the ACL and cookie cases need the client
// addresses the PUT description names, and a cookie fetched on one
// connection is presented on the next.

#include <memory>

#include "legacy/scenario.hpp"

namespace convtest::cases::legacy {

class AddressedClient {
 public:
  AddressedClient(Scenario& scenario, pg::ip::Address address);

  const pg::ip::Address& address() const { return address_; }
  harness::TcpClient& client() { return *client_; }

  // Opens the connection: a SYN carrying `syn_payload`.
  void connect(pg::Bytes syn_payload);
  Reply await_reply(Clock::duration timeout);
  bool await_close(Clock::duration timeout);
  // A SYN from the PUT toward any server since this client connected.
  bool downstream_syn_seen(Clock::duration window);
  // "an RST came before the client acknowledged the Error TLV" (AMB-03).
  std::optional<std::string> early_reset_after_error(const Reply& reply) const;

 private:
  Scenario& scenario_;
  pg::ip::Address address_;
  std::uint16_t port_;
  std::size_t first_event_ = 0;
  std::unique_ptr<harness::TcpClient> client_;
};

// The first address of `candidates` in `family`, if any.
std::optional<pg::ip::Address> first_of_family(const std::vector<std::string>& candidates, Family family,
                                               std::size_t skip = 0);

// The judgement of a refused request from `client`: an Error TLV with one
// of `codes` (value 0 for Not Authorized, an aligned echo for Malformed
// Message), no SYN toward any server, then an orderly close.
CaseOutcome expect_refusal(AddressedClient& client, const Reply& reply, const std::vector<cv::ErrorCode>& codes,
                           const std::string& expected, pg::ByteView sent);

}  // namespace convtest::cases::legacy
