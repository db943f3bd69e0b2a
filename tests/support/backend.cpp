#include "support/backend.hpp"

namespace muster::test {

std::vector<Backend> all_backends() {
    return {Backend::embedded, Backend::redis};
}

std::string backend_name(const testing::TestParamInfo<Backend>& info) {
    return info.param == Backend::embedded ? "embedded" : "redis";
}

NodeUnderTest::NodeUnderTest(Backend backend, ServerOptions options)
    : backend_(backend), options_(std::move(options)) {
    if (backend_ == Backend::redis) redis_.emplace();
}

testing::AssertionResult NodeUnderTest::start() {
    if (redis_) {
        if (auto started = redis_->start(); !started) return started;
        options_.args.push_back("--redis.url=" + redis_->url());
        options_.args.push_back("--server.node_id=it");
    }
    server_ = std::make_unique<ServerProcess>(options_);
    return server_->start();
}

}  // namespace muster::test
