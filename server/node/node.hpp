#pragma once
// A running node as the program that starts it sees it (main.cpp, tests): made from the
// configuration, a clock and a backend's store and bus, given its features, started, run until
// stopped. Everything else of the node (hub, loops, command table, HTTP router, what its clients
// use: node/internal/) is private to the node module.
//
// Threads: construct, add_feature, start and run on one thread (run blocks it); stop from any.

#include <memory>

#include <boost/asio/ip/tcp.hpp>

#include "bus/bus.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "node/services.hpp"
#include "store/store.hpp"

namespace muster::node {

class NodeCore;

class Node {
  public:
    // `clock`, `store` and `bus` must outlive the node (a backend::Backend owns the store and
    // bus; the node closes the store when it shuts down).
    Node(Config config, Clock& clock, store::Store& store, bus::Bus& bus);
    ~Node();
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;

    // Before start(): the feature installs its commands and routes.
    void add_feature(std::unique_ptr<Feature> feature);

    // Loads the directory (and the demo organisation when configured), starts features, loops
    // and the listener. Throws std::runtime_error with a reason when it cannot.
    boost::asio::ip::tcp::endpoint start();
    // Blocks until stop() or SIGTERM/SIGINT, then shuts down: no new connections, every
    // session told 1001 and flushed, commands finished, the store closed.
    void run();
    // Thread-safe; returns at once.
    void stop();

  private:
    std::unique_ptr<NodeCore> core_;
};

}  // namespace muster::node
