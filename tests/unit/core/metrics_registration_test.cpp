// A metric read at scrape time is listed exactly while its Registration lives, so no callback
// capturing an object outlives it in the process-wide registry.

#include <memory>

#include <gtest/gtest.h>

#include "core/metrics.hpp"

namespace muster::metrics {
namespace {

// What a real owner looks like: reads itself, owns its registration.
class Owner {
  public:
    explicit Owner(const char* name) {
        registration_ = registry().gauge_fn(name, "test gauge", [this] { return value_; });
    }
    double value_ = 5;

  private:
    Registration registration_;
};

TEST(MetricsRegistration, the_series_goes_with_its_owner) {
    const char* name = "muster_test_owned_gauge";
    {
        Owner owner(name);
        EXPECT_TRUE(registry().has(name));
        EXPECT_NE(registry().render().find("muster_test_owned_gauge 5\n"), std::string::npos);
    }
    EXPECT_FALSE(registry().has(name));
    // A scrape after the owner is gone must not call into freed memory (ASan would flag it;
    // without ASan the series is simply absent).
    EXPECT_EQ(registry().render().find(name), std::string::npos);
}

TEST(MetricsRegistration, moves_and_resets) {
    const char* name = "muster_test_moved_counter";
    Registration outer;
    {
        Registration inner = registry().counter_fn(name, "test counter", [] { return 1.0; });
        outer = std::move(inner);
    }
    EXPECT_TRUE(registry().has(name)) << "the moved-from handle must not unregister";
    outer.reset();
    EXPECT_FALSE(registry().has(name));
    outer.reset();  // idempotent
}

TEST(MetricsRegistration, an_older_owner_does_not_remove_a_newer_one) {
    const char* name = "muster_test_replaced_gauge";
    auto older =
        std::make_unique<Registration>(registry().gauge_fn(name, "test gauge", [] { return 1.0; }));
    Registration newer = registry().gauge_fn(name, "test gauge", [] { return 2.0; });
    older.reset();
    EXPECT_TRUE(registry().has(name));
    EXPECT_NE(registry().render().find("muster_test_replaced_gauge 2\n"), std::string::npos);
    newer.reset();
    EXPECT_FALSE(registry().has(name));
}

}  // namespace
}  // namespace muster::metrics
