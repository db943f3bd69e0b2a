// SqliteDeviceStore: the devices of a page of users, read together, come back in the order the
// users were asked for, each as devices_of gives it.

#include "store/sqlite/sqlite_device_store.hpp"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bus/local_bus.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "unit/store/store_test_util.hpp"

namespace muster::store {
namespace {

using test::wait_for;

class SqliteDeviceStoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        bus_.set_handler(&handler_);
        config_.server.data_dir = dir_.path();
        config_.store.trim_interval_s = 0;
        store_ = std::make_unique<SqliteStore>(config_, bus_, clock_);
        devices_ = std::make_unique<SqliteDeviceStore>(store_->database());
    }
    void TearDown() override {
        store_->close();  // before the device store its jobs capture
        devices_.reset();
        store_.reset();
    }

    void put(const std::string& user, const std::string& id) {
        DevicePut request;
        request.device = {id, user, "webhook", "https://relay.example/" + user + "/" + id,
                          "", "",   1};
        auto done = wait_for<DevicePutResult>(
            [&](Done<DevicePutResult> d) { devices_->put(std::move(request), std::move(d)); });
        ASSERT_TRUE(done.ok()) << done.status().message();
    }

    Result<DeviceStore::DeviceLists> lists_of(std::vector<std::string> users) {
        return wait_for<DeviceStore::DeviceLists>([&](Done<DeviceStore::DeviceLists> d) {
            devices_->devices_of_users(std::move(users), std::move(d));
        });
    }

    test::TempDir dir_;
    Config config_;
    test::RecordingHandler handler_;
    bus::LocalBus bus_;
    ManualClock clock_{1'700'000'000'000};
    std::unique_ptr<SqliteStore> store_;
    std::unique_ptr<SqliteDeviceStore> devices_;
};

std::vector<std::string> ids(const Result<std::vector<DeviceInfo>>& devices) {
    std::vector<std::string> out;
    if (!devices) return {"failed: " + devices.status().message()};
    for (const auto& device : *devices) out.push_back(device.id);
    return out;
}

TEST_F(SqliteDeviceStoreTest, a_page_of_users_gets_each_users_devices_in_the_order_asked) {
    put("ann", "phone");
    put("ann", "laptop");
    put("carl", "tablet");
    auto lists = lists_of({"carl", "bob", "ann", "carl"});
    ASSERT_TRUE(lists.ok()) << lists.status().message();
    ASSERT_EQ(lists->size(), 4U);
    EXPECT_EQ(ids((*lists)[0]), (std::vector<std::string>{"tablet"}));
    EXPECT_EQ(ids((*lists)[1]), (std::vector<std::string>{}));                   // bob has none
    EXPECT_EQ(ids((*lists)[2]), (std::vector<std::string>{"laptop", "phone"}));  // by id
    EXPECT_EQ(ids((*lists)[3]), (std::vector<std::string>{"tablet"}));
    EXPECT_EQ((*lists)[2]->at(1).endpoint, "https://relay.example/ann/phone");
    EXPECT_EQ((*lists)[2]->at(1).user, "ann");

    auto none = lists_of({});
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace muster::store
