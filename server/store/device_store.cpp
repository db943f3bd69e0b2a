#include "store/device_store.hpp"

#include <cstddef>
#include <memory>
#include <utility>

#include "core/gather.hpp"

namespace muster::store {

void DeviceStore::devices_of_users(std::vector<std::string> users, Done<DeviceLists> done) {
    auto asked = std::make_shared<std::vector<std::string>>(std::move(users));
    gather_each<std::vector<DeviceInfo>>(
        asked->size(),
        [this, asked](std::size_t i, Done<std::vector<DeviceInfo>> answer) {
            devices_of((*asked)[i], std::move(answer));
        },
        [done = std::move(done)](DeviceLists lists) { done(std::move(lists)); });
}

}  // namespace muster::store
