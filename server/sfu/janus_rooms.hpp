#pragma once
// features::meetings::SfuRooms over Janus's HTTP API (the VideoRoom plugin): one worker thread
// of its own sends the requests with libcurl (http_client::HttpClient), so that no network loop
// ever waits for Janus.
//
// Each operation opens a Janus session, attaches to janus.plugin.videoroom, sends its
// request(s) and destroys the session: nothing to keep alive between meetings, and nothing lost
// when Janus restarts. Rooms are created with `admin_key` and `secret` (both
// meeting.sfu_secret), private (not in the plugin's public `list`), admitting only the tokens
// on their `allowed` list; they are not permanent (Janus forgets them when it restarts).
//
// Order: operations run one at a time, in the order they were queued. Bounds: at most
// `max_queue` operations wait (more: UNAVAILABLE at once); each HTTP request gives up
// after `request_timeout`; an operation is tried `attempts` times when Janus cannot be reached,
// answers 5xx or forgot its session, waiting 0.25 s, 0.5 s, 1 s... between attempts. A refusal
// by the plugin (a wrong secret, say) is not retried: UNAVAILABLE with Janus's reason.
// stop() fails the operations still queued (UNAVAILABLE) and joins the thread.
//
// Janus keeps rooms in memory only: admitting to a room it no longer has (it restarted) makes
// the room again with the tokens being admitted, so that participants who rejoin (each does
// meeting_join again, which admits them) meet again.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <boost/json.hpp>

#include "features/meetings/sfu_rooms.hpp"

namespace muster::http_client {
class HttpClient;
}

namespace muster::sfu {

struct JanusOptions {
    std::string url;     // e.g. http://127.0.0.1:8088/janus
    std::string secret;  // VideoRoom admin_key and every room's secret
    std::size_t max_queue = 1000;
    std::chrono::milliseconds request_timeout{5000};
    std::uint32_t attempts = 3;
    std::uint32_t max_publishers = 50;  // of a room made again (see admit())
};

class JanusRooms final : public features::meetings::SfuRooms {
  public:
    explicit JanusRooms(JanusOptions options);
    ~JanusRooms() override;
    JanusRooms(const JanusRooms&) = delete;
    JanusRooms& operator=(const JanusRooms&) = delete;

    void start();
    void stop();

    void create_room(features::meetings::SfuRoom room, Done<Unit> done) override;
    void admit(std::uint64_t room, std::vector<std::string> tokens, bool admit, std::string user,
               Done<Unit> done) override;
    void destroy_room(std::uint64_t room, Done<Unit> done) override;

  private:
    class Session;
    // Why an attempt failed, and whether trying again may help.
    struct Failure {
        Status status;
        bool transient = false;
    };
    struct Operation {
        std::string what;  // for logs: "create room 123"
        std::function<std::optional<Failure>(Session&)> run;
        Done<Unit> done;
    };

    void enqueue(Operation operation);
    void work();
    void run_one(Operation& operation);

    JanusOptions options_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Operation> queue_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace muster::sfu
