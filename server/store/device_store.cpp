#include "store/device_store.hpp"

#include <utility>

#include "core/gather.hpp"

namespace muster::store {

void DeviceStore::devices_of_users(std::vector<std::string> users, Done<DeviceLists> done) {
    gather_each<std::vector<DeviceInfo>>(
        std::move(users),
        [this](const std::string& user, Done<std::vector<DeviceInfo>> answer) {
            devices_of(user, std::move(answer));
        },
        std::move(done));
}

}  // namespace muster::store
