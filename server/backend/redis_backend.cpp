#include "backend/redis_backend.hpp"

#include <chrono>

#include "bus/redis_bus.hpp"
#include "redis/endpoint.hpp"
#include "redis/keys.hpp"
#include "store/redis/redis_device_store.hpp"
#include "store/redis/redis_duty_store.hpp"
#include "store/redis/redis_meeting_store.hpp"
#include "store/redis/redis_push_outbox.hpp"
#include "store/redis/redis_signin_store.hpp"
#include "store/redis/redis_store.hpp"

namespace muster::backend {
namespace {

class RedisBackend final : public Backend {
  public:
    RedisBackend(const Config& config, Clock& clock, const redis::Endpoint& endpoint,
                 const std::string& process_id)
        : bus_(config.redis, endpoint, process_id)
        , store_(config, endpoint, process_id, clock)
        , outbox_(store_.client(), store_.keys(), clock, store::PushOutboxLimits::from(config.push))
        ,
        // A dead node's heartbeat lapses within the presence TTL: its meeting participants
        // are recovered by the others then.
        meetings_(store_.client(), store_.keys(), store_.redis_presence(), config.log, clock,
                  std::chrono::seconds(config.redis.presence_ttl_s))
        , duty_(store_.client(), store_.keys(), config.log, outbox_.limits())
        , devices_(store_.client(), store_.keys())
        , signin_(store_.client(), store_.keys(), clock)
        , where_("redis://" + endpoint.describe() + " as " + process_id) {}

    store::Store& store() override { return store_; }
    bus::Bus& bus() override { return bus_; }
    features::duty::DutyStore& duty() override { return duty_; }
    features::meetings::MeetingStore& meetings() override { return meetings_; }
    store::DeviceStore& devices() override { return devices_; }
    features::signin::SigninStore& signin() override { return signin_; }
    push::PushOutbox& outbox() override { return outbox_; }
    // The bus delivers on its own thread: it must stop before its handler, the node, goes.
    void stop_delivery() override { bus_.stop(); }
    [[nodiscard]] std::string describe() const override { return where_; }

  private:
    // Destroyed in reverse order: the feature stores (on the store's connection), the store,
    // the bus.
    bus::RedisBus bus_;
    store::RedisStore store_;
    store::RedisPushOutbox outbox_;  // the duty store writes to it
    store::RedisMeetingStore meetings_;
    store::RedisDutyStore duty_;
    store::RedisDeviceStore devices_;
    store::RedisSigninStore signin_;
    std::string where_;
};

}  // namespace

Result<std::unique_ptr<Backend>> open_redis(const Config& config, Clock& clock,
                                            const std::string& process_id) {
    auto endpoint = redis::parse_endpoint(config.redis.url);
    if (!endpoint) return endpoint.status();
    if (Status s = redis::validate_prefix(config.redis.key_prefix); !s) return s;
    return std::unique_ptr<Backend>(new RedisBackend(config, clock, *endpoint, process_id));
}

}  // namespace muster::backend
