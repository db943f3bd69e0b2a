#pragma once
// Push targets and the push outbox over HTTP (docs/PROTOCOL.md "HTTP API"):
//   PUT    /api/v1/devices/{id}   DeviceSpec -> 201 Device (200 when it replaced one)
//   DELETE /api/v1/devices/{id}   -> 204; 404 when the token's user has no such device
//   GET    /api/v1/push/outbox?user=U&after=N&limit=M   admin: the push intents waiting for
//          the push worker, {"intents": [{"id", "user", "title", "body", "data", "createdMs"}]}
// Devices belong to the token's user. Until the push worker lands, nothing is sent: intents
// wait in the outbox (bounded by its retention) and the devices are where they will go.

#include <memory>

#include "node/services.hpp"
#include "push/push_outbox.hpp"
#include "store/device_store.hpp"

namespace muster::features {

// Registered devices per user; one more is refused with TOO_LARGE.
inline constexpr std::uint32_t max_devices_per_user = 32;

class DevicesFeature final : public node::Feature {
  public:
    // `outbox` must outlive the feature.
    DevicesFeature(std::unique_ptr<store::DeviceStore> devices, push::PushOutbox& outbox);

    void install(node::NodeServices& services, node::CommandRegistry& commands,
                 node::HttpRouter& routes) override;

  private:
    std::unique_ptr<store::DeviceStore> devices_;
    push::PushOutbox& outbox_;
};

}  // namespace muster::features
