#pragma once
// Push targets and the push outbox over HTTP (docs/PROTOCOL.md "HTTP API"):
//   PUT    /api/v1/devices/{id}   DeviceSpec -> 201 Device (200 when it replaced one)
//   DELETE /api/v1/devices/{id}   -> 204; 404 when the token's user has no such device
//   GET    /api/v1/devices        -> {"devices": [Device...]} (the token's user's; no secrets)
//   GET    /api/v1/push/vapid-public-key   (no token) -> {"publicKey": "<base64url>"}; 404
//          when Web Push is not configured
//   GET    /api/v1/push/outbox?user=U&after=N&limit=M   admin: the push intents waiting for
//          the push worker, {"intents": [{"id", "user", "title", "body", "data", "createdMs"}]}
// Devices belong to the token's user; the push worker (push/push_worker.hpp) delivers to them.

#include <memory>

#include "node/services.hpp"
#include "store/device_store.hpp"
#include "store/push_outbox.hpp"

namespace muster::features {

// Registered devices per user; one more is refused with TOO_LARGE.
inline constexpr std::uint32_t max_devices_per_user = 32;

class DevicesFeature final : public node::Feature {
  public:
    // `devices` and `outbox` must outlive the feature. `vapid_public_key`: base64url, empty
    // when Web Push is not configured.
    DevicesFeature(store::DeviceStore& devices, push::PushOutbox& outbox,
                   std::string vapid_public_key);

    void install(node::NodeServices& services, node::CommandRegistry& commands,
                 node::HttpRouter& routes) override;

  private:
    store::DeviceStore& devices_;
    push::PushOutbox& outbox_;
    std::string vapid_public_key_;
};

}  // namespace muster::features
