#include "store/device_store.hpp"

#include <cstddef>
#include <memory>
#include <mutex>
#include <utility>

namespace muster::store {

void DeviceStore::devices_of_users(std::vector<std::string> users, Done<DeviceLists> done) {
    if (users.empty()) {
        done(DeviceLists{});
        return;
    }
    struct Gathered {
        std::mutex mutex;
        DeviceLists lists;
        std::size_t left = 0;
        Done<DeviceLists> done;
    };
    auto gathered = std::make_shared<Gathered>();
    gathered->lists.assign(users.size(), Status(errc::internal, "no answer"));
    gathered->left = users.size();
    gathered->done = std::move(done);
    for (std::size_t i = 0; i < users.size(); ++i) {
        devices_of(std::move(users[i]), [gathered, i](Result<std::vector<DeviceInfo>> devices) {
            std::unique_lock lock(gathered->mutex);
            gathered->lists[i] = std::move(devices);
            if (--gathered->left != 0) return;
            lock.unlock();  // the last answer: nobody else touches the lists now
            gathered->done(std::move(gathered->lists));
        });
    }
}

}  // namespace muster::store
