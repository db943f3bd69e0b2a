#include "node/node.hpp"

#include "node/internal/node_core.hpp"

namespace muster::node {

Node::Node(Config config, Clock& clock, store::Store& store, bus::Bus& bus)
    : core_(std::make_unique<NodeCore>(std::move(config), clock, store, bus)) {}

Node::~Node() = default;

void Node::add_feature(std::unique_ptr<Feature> feature) {
    core_->add_feature(std::move(feature));
}

boost::asio::ip::tcp::endpoint Node::start() {
    return core_->start();
}

void Node::run() {
    core_->run();
}

void Node::stop() {
    core_->stop();
}

}  // namespace muster::node
