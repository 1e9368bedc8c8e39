#include "harness/put/put_lab.hpp"

namespace convtest::harness {

LabResult converter_lab(const PutDescription& put, const LabSettings& settings) {
  switch (put.mode) {
    case PutMode::Spawn: return Lab::local(settings);
    case PutMode::Netns: return Lab::in_namespace(put.netns_path, settings);
    case PutMode::Remote: {
      RemoteSettings remote;
      remote.interface = put.iface;
      if (auto v4 = packetgen::ip::Address::parse(put.address4)) remote.put_v4 = *v4;
      remote.put_v6 = put.address6.empty() ? std::nullopt : packetgen::ip::Address::parse(put.address6);
      return Lab::remote(remote, settings);
    }
  }
  return packetgen::failure(std::string("unknown PUT mode"));
}

}  // namespace convtest::harness
