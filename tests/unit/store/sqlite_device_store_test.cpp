// SqliteDeviceStore: the devices of a page of users, read together, come back in the order the
// users were asked for, each as devices_of gives it; the kinds index (users_listing_kind) holds
// its contract, and is filled from the devices stored before it existed.

#include "store/sqlite/sqlite_device_store.hpp"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bus/local_bus.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "support/device_kinds_contract.hpp"
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

TEST_F(SqliteDeviceStoreTest, the_kinds_index_follows_what_devices_list) {
    muster::test::expect_users_listing_kind_contract(*devices_);
}

TEST_F(SqliteDeviceStoreTest, the_kinds_index_is_filled_from_devices_stored_before_it) {
    DevicePut request;
    request.device = {"phone", "ann", "webhook", "https://relay.example/ann", "", "", 1};
    request.device.kinds = {"chat", "duty"};
    ASSERT_TRUE(wait_for<DevicePutResult>([&](Done<DevicePutResult> d) {
                    devices_->put(std::move(request), std::move(d));
                }).ok());
    // As a database from before the index: the index empty and its migration not yet run.
    auto rewind = wait_for<Unit>([&](Done<Unit> d) {
        store_->database().write(
            [d](sqlite::Transaction& txn) -> Status {
                for (const char* sql :
                     {"DROP TABLE device_kinds",
                      "UPDATE feature_schema SET version = 2 WHERE feature = 'devices'"}) {
                    if (Status s = txn.db().exec(sql); !s) return s;
                }
                txn.after_commit([d] { d(Unit{}); });
                return ok_status();
            },
            [d](Status s) {
                if (!s) d(std::move(s));
            });
    });
    ASSERT_TRUE(rewind.ok()) << rewind.status().message();
    SqliteDeviceStore reopened(store_->database());
    auto chat = wait_for<std::vector<std::string>>([&](Done<std::vector<std::string>> d) {
        reopened.users_listing_kind("chat", std::move(d));
    });
    ASSERT_TRUE(chat.ok()) << chat.status().message();
    EXPECT_EQ(*chat, std::vector<std::string>{"ann"});
}

}  // namespace
}  // namespace muster::store
