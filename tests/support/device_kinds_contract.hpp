#pragma once
// The contract of DeviceStore::users_listing_kind, run on each backend's store (the SQLite unit
// test and the Redis integration test): which users have a device listing a kind, as devices
// are registered, changed, refused and removed. Header-only: the support library does not link
// the stores.

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "store/device_store.hpp"

namespace muster::test {

namespace device_kinds_detail {

template <class T, class Start>
Result<T> answer_of(Start&& start) {
    auto promise = std::make_shared<std::promise<Result<T>>>();
    auto future = promise->get_future();
    start(Done<T>([promise](Result<T> result) { promise->set_value(std::move(result)); }));
    if (future.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
        ADD_FAILURE() << "no answer within 30 s";
        return Status(errc::internal, "test timeout");
    }
    return future.get();
}

}  // namespace device_kinds_detail

// Runs the contract on an empty store. Users "ann", "bob" and "carl"; at most 2 devices each.
inline void expect_users_listing_kind_contract(store::DeviceStore& devices) {
    using device_kinds_detail::answer_of;
    auto put = [&](const std::string& user, const std::string& id, std::vector<std::string> kinds) {
        store::DevicePut request;
        request.device.id = id;
        request.device.user = user;
        request.device.kind = "webhook";
        request.device.endpoint = "https://relay.example/" + user + "/" + id;
        request.device.kinds = std::move(kinds);
        request.max_per_user = 2;
        return answer_of<store::DevicePutResult>(
            [&](Done<store::DevicePutResult> d) { devices.put(std::move(request), std::move(d)); });
    };
    auto remove = [&](const std::string& user, const std::string& id) {
        return answer_of<Unit>([&](Done<Unit> d) { devices.remove(user, id, std::move(d)); });
    };
    auto listing = [&](const std::string& kind) {
        auto users = answer_of<std::vector<std::string>>([&](Done<std::vector<std::string>> d) {
            devices.users_listing_kind(kind, std::move(d));
        });
        if (!users) return std::vector<std::string>{"failed: " + users.status().message()};
        return *users;
    };
    using Users = std::vector<std::string>;

    EXPECT_EQ(listing("chat"), Users{});
    ASSERT_TRUE(put("carl", "phone", {"chat", "duty"}).ok());
    ASSERT_TRUE(put("ann", "phone", {"chat"}).ok());
    ASSERT_TRUE(put("ann", "laptop", {"chat", "mention"}).ok());
    ASSERT_TRUE(put("bob", "tablet", {}).ok());          // the default (all but chat) lists nothing
    EXPECT_EQ(listing("chat"), (Users{"ann", "carl"}));  // each once, ascending
    EXPECT_EQ(listing("duty"), Users{"carl"});
    EXPECT_EQ(listing("mention"), Users{"ann"});
    EXPECT_EQ(listing("meeting"), Users{});
    EXPECT_EQ(listing("cha"), Users{});  // a kind is matched whole

    // A device that stops listing a kind is dropped from it; the user's other device keeps them.
    ASSERT_TRUE(put("ann", "phone", {"duty"}).ok());
    EXPECT_EQ(listing("chat"), (Users{"ann", "carl"}));
    EXPECT_EQ(listing("duty"), (Users{"ann", "carl"}));
    ASSERT_TRUE(remove("ann", "laptop").ok());
    EXPECT_EQ(listing("chat"), Users{"carl"});
    EXPECT_EQ(listing("mention"), Users{});

    // A registration refused by the cap lists nothing.
    ASSERT_TRUE(put("bob", "phone", {}).ok());
    EXPECT_EQ(put("bob", "watch", {"chat"}).status().code(), errc::too_large);
    EXPECT_EQ(listing("chat"), Users{"carl"});

    // Changing to the default, or removing, drops every kind the device listed.
    ASSERT_TRUE(put("carl", "phone", {}).ok());
    EXPECT_EQ(listing("chat"), Users{});
    EXPECT_EQ(listing("duty"), Users{"ann"});
    ASSERT_TRUE(remove("ann", "phone").ok());
    EXPECT_EQ(listing("duty"), Users{});
}

}  // namespace muster::test
