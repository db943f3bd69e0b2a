// muster-cli listen: print a group's events as they come, one line each, for as long as it
// runs. When the connection drops (node restart, 1001; slow consumer, 4000; network) it
// reconnects with backoff and resubscribes with `since` = the last seq it printed per group,
// so the output has no gap and no repeat across reconnects.

#include <map>
#include <random>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/format.hpp"
#include "cli/signals.hpp"

namespace muster::cli {

namespace {

using namespace std::chrono_literals;
using Kind = client::Failure::Kind;

// Doubles from 100 ms to 5 s, with jitter so that listeners cut off together do not all
// come back in the same millisecond.
class Backoff {
  public:
    std::chrono::milliseconds next() {
        const auto base = delay_;
        delay_ = std::min(delay_ * 2, std::chrono::milliseconds{5000});
        std::uniform_int_distribution<long> jitter(0, base.count() / 2);
        return base + std::chrono::milliseconds{jitter(random_)};
    }
    void reset() { delay_ = 100ms; }

  private:
    std::chrono::milliseconds delay_{100};
    std::mt19937 random_{std::random_device{}()};
};

// Worth reconnecting after, or final? Refusals of the request itself are final: retrying
// sends the same request.
bool retryable(const client::Failure& failure, bool can_mint) {
    switch (failure.kind) {
        case Kind::timeout:
        case Kind::io:
        case Kind::handshake:
            return true;
        case Kind::closed:
            if (failure.close_code == 1008) return false;     // we broke the protocol
            if (failure.close_code == 4001) return can_mint;  // token expired
            return true;
        case Kind::server: {
            const auto code = failure.error.code();
            if (code == v1::Error::UNAVAILABLE || code == v1::Error::RATE_LIMITED) return true;
            if (code == v1::Error::UNAUTHENTICATED) return can_mint;
            return false;
        }
        default:
            return false;
    }
}

struct Listener {
    NetworkOptions network;
    std::vector<std::string> groups;
    bool json = false;
    // Per group: the last seq printed, or the latest seq when we subscribed; nullopt before
    // the first subscription without --since (live only).
    std::map<std::string, std::optional<std::uint64_t>> last_seq;

    // One connection's life: the failure that ended it, or nullopt when it is time to exit
    // (SIGINT/SIGTERM, or stdout closed).
    std::optional<client::Failure> listen_once(Backoff& backoff) {
        v1::ConnectReply connected;
        auto session = open_session(network, &connected);
        if (!session) return std::move(session).failure();
        for (const auto& group : groups) {
            auto reply = session->subscribe(group, last_seq[group]);
            if (!reply) return std::move(reply).failure();
            if (reply->has_recovered() && !reply->recovered()) {
                report("warning: events of " + group + " after seq " +
                       std::to_string(last_seq[group].value_or(0)) +
                       " are no longer retained; resuming from seq " +
                       std::to_string(reply->oldest_seq()));
            }
            // From here on a reconnect resumes where this subscription started.
            if (!last_seq[group]) last_seq[group] = reply->latest_seq();
        }
        backoff.reset();
        std::fprintf(stderr, "muster-cli: listening as %s on node %s\n",
                     connected.user_id().c_str(), connected.node().c_str());

        while (!stop_requested()) {
            auto event = session->next_event(250ms);  // short: to notice SIGINT
            if (!event) {
                if (event.failure().is(Kind::timeout)) continue;
                if (event.failure().is(Kind::server)) {  // e.g. the token is expiring
                    report(event.failure());
                    continue;
                }
                return std::move(event).failure();
            }
            if (!print(*event)) return std::nullopt;
        }
        (void)session->connection().close(1000, "bye");
        return std::nullopt;
    }

    // False when stdout is gone.
    bool print(const v1::Event& event) {
        if (event.seq() != 0) {  // presence has no seq and is never replayed
            auto& last = last_seq[event.group()];
            if (last && event.seq() <= *last) return true;  // already printed before a reconnect
            last = event.seq();
        }
        return print_line(json ? format_event_json(event) : format_event(event));
    }
};

}  // namespace

int run_listen(int argc, char** argv) {
    Listener listener;
    auto options = make_options("muster-cli listen");
    options.add_options()("group,g", po::value(&listener.groups)->required()->composing(),
                          "group to follow, repeatable")(
        "since", po::value<std::uint64_t>(),
        "also replay retained events with seq > N (0 = from the start)")(
        "json", po::bool_switch(&listener.json), "one canonical-JSON Event per line");
    listener.network.add_to(options);
    po::variables_map values;
    if (auto exit = parse_command_line(argc, argv, options, {},
                                       "muster-cli listen --group G [--group G2]... [--since N] "
                                       "[--json]",
                                       values)) {
        return *exit;
    }
    for (const auto& group : listener.groups) {
        listener.last_seq[group] = values.count("since")
                                       ? std::optional(values["since"].as<std::uint64_t>())
                                       : std::nullopt;
    }
    install_stop_handlers();
    const bool can_mint = !listener.network.minting.user.empty();

    Backoff backoff;
    while (!stop_requested()) {
        const auto failure = listener.listen_once(backoff);
        if (!failure || stop_requested()) break;
        if (!retryable(*failure, can_mint)) return report(*failure);
        const auto delay = backoff.next();
        report(failure->describe() + "; reconnecting in " + std::to_string(delay.count()) + " ms");
        if (!pause_unless_stopped(delay)) break;
    }
    return exit_ok;
}

}  // namespace muster::cli
