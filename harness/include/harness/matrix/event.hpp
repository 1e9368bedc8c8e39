#pragma once
// An interop event file (format "convtest-event", version 1; JSON Schema
// reports/schema/event-v1.schema.json): the converters and clients of an
// event, the middlebox profiles their pairs cross, what each catalog run
// selects and the expected deviations of each implementation. Read by
// `convtest matrix` (docs/interop-event.md); every problem is a value naming
// the field at fault.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/emulate/middlebox.hpp"
#include "harness/put/client_description.hpp"
#include "harness/put/put_description.hpp"
#include "packetgen/result.hpp"

namespace convtest::harness::matrix {

inline constexpr int kEventFormatVersion = 1;

enum class PairFamily : std::uint8_t { V4, V6 };
enum class PairTransport : std::uint8_t { Tcp, Mptcp };
std::string_view name(PairFamily family);        // "v4", "v6"
std::string_view name(PairTransport transport);  // "tcp", "mptcp"

// What a middlebox between the client and the converter does to the packets
// of a pair (both directions).
struct MiddleboxProfile {
  std::string name;                            // "none", "tfo-option-stripped", "mptcp-stripped"
  std::vector<emulate::Transform> transforms;  // applied in order; none: a plain wire
  bool strips_mptcp = false;                   // an MPTCP client must fall back to TCP through it
};
std::optional<MiddleboxProfile> find_profile(std::string_view name);
std::vector<std::string> profile_names();

struct EventConverter {
  std::string id;  // unique among the event's implementations; names its folders
  PutDescription put;
  std::optional<std::filesystem::path> expect;  // --expect file of its catalog run
};

// A client on a box of its own, reached over a link as `convtest run --role
// client --remote` reaches it (docs/remote-put.md): its template runs on the
// harness's machine and starts it there (ssh, ip netns exec, ...).
struct ClientBox {
  std::string iface;
  std::string address4 = "192.0.2.100";
  std::string address6 = "2001:db8:1::100";  // "": the box has no IPv6
};

struct EventClient {
  std::string id;
  ClientDescription client;
  std::optional<std::filesystem::path> expect;
  std::optional<ClientBox> box;  // nothing: the harness starts it in a namespace of its own
};

struct PairSettings {
  std::size_t request_bytes = 20000;  // random bytes the client sends; the reply is as long
  std::vector<PairFamily> families{PairFamily::V4, PairFamily::V6};
  std::vector<PairTransport> transports{PairTransport::Tcp, PairTransport::Mptcp};
  double cell_seconds = 20;  // one pair cell, start to verdict (times the time scale)
};

struct Event {
  std::string title;
  std::vector<EventConverter> converters;
  std::vector<EventClient> clients;
  std::vector<MiddleboxProfile> profiles;  // at least "none"
  // Filter flags for the catalog runs (`--case GLOB`, `--dim D=V`, ...).
  std::vector<std::string> converter_selection;
  std::vector<std::string> client_selection;
  PairSettings pairs;
  double time_scale = 1.0;
  std::optional<std::uint64_t> seed;
  double run_seconds = 900;  // one catalog run, at most (times the time scale)
};

using EventResult = packetgen::Result<Event, std::string>;

// `base` is where relative paths (PUT files, expectation files) start: the
// event file's folder.
EventResult event_from_json(const nlohmann::json& document, const std::filesystem::path& base);
EventResult load_event(const std::filesystem::path& path);

}  // namespace convtest::harness::matrix
