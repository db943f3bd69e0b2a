#include "sfu/janus_rooms.hpp"

#include <atomic>
#include <memory>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "http_client/http_client.hpp"

namespace muster::sfu {

namespace json = boost::json;
using features::meetings::SfuRoom;

namespace {

// The VideoRoom's answers that mean "already so": a retry after a lost answer succeeds.
constexpr std::int64_t no_such_room = 426;
constexpr std::int64_t room_exists = 427;

struct Metrics {
    metrics::Counter& done;
    metrics::Counter& failed;
    metrics::Counter& retried;
};

Metrics& counters() {
    auto& r = metrics::registry();
    static Metrics m{
        r.counter("muster_sfu_operations_total", "Janus room operations that succeeded"),
        r.counter("muster_sfu_failures_total",
                  "Janus room operations that failed (after their retries, or refused)"),
        r.counter("muster_sfu_retries_total", "Janus room operations tried again"),
    };
    return m;
}

std::string transaction_id() {
    static std::atomic<std::uint64_t> next{1};
    return "muster-" + std::to_string(next.fetch_add(1));
}

}  // namespace

// One Janus session with a handle on the VideoRoom plugin, on the worker thread.
class JanusRooms::Session {
  public:
    Session(http_client::HttpClient& http, const JanusOptions& options)
        : http_(http), options_(options) {}
    ~Session() { close(); }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    std::optional<Failure> open() {
        json::object reply;
        if (auto f = post(options_.url, json::object{{"janus", "create"}}, reply)) return f;
        session_ = id_of(reply);
        if (session_ == 0) return Failure{{errc::unavailable, "Janus gave no session id"}, false};
        if (auto f = post(session_url(),
                          json::object{{"janus", "attach"}, {"plugin", "janus.plugin.videoroom"}},
                          reply)) {
            return f;
        }
        handle_ = id_of(reply);
        if (handle_ == 0) {
            return Failure{{errc::unavailable, "Janus has no VideoRoom plugin (attach failed)"},
                           false};
        }
        return std::nullopt;
    }

    // A synchronous VideoRoom request: `data` is the plugin's answer (plugindata.data). A
    // plugin error other than those in `tolerated` is a failure that retrying will not mend.
    std::optional<Failure> request(json::object body, json::object& data,
                                   std::initializer_list<std::int64_t> tolerated = {}) {
        json::object reply;
        const std::string url = session_url() + "/" + std::to_string(handle_);
        if (auto f =
                post(url, json::object{{"janus", "message"}, {"body", std::move(body)}}, reply)) {
            return f;
        }
        const json::value* plugin = reply.if_contains("plugindata");
        if (plugin == nullptr || !plugin->is_object() ||
            plugin->as_object().if_contains("data") == nullptr) {
            return Failure{{errc::unavailable, "Janus answered without plugin data"}, false};
        }
        data = plugin->as_object().at("data").as_object();
        if (const json::value* code = data.if_contains("error_code")) {
            const std::int64_t c = code->is_int64() ? code->as_int64() : -1;
            for (std::int64_t ok : tolerated) {
                if (c == ok) return std::nullopt;
            }
            std::string reason = "Janus VideoRoom refused (" + std::to_string(c) + ")";
            if (const json::value* e = data.if_contains("error"); e != nullptr && e->is_string())
                reason += ": " + std::string(e->as_string());
            return Failure{{errc::unavailable, std::move(reason)}, false};
        }
        return std::nullopt;
    }

  private:
    // data.id of a create or attach answer; 0 when there is none.
    static std::uint64_t id_of(const json::object& reply) {
        const json::value* data = reply.if_contains("data");
        if (data == nullptr || !data->is_object()) return 0;
        const json::value* id = data->as_object().if_contains("id");
        if (id == nullptr) return 0;
        if (id->is_uint64()) return id->as_uint64();
        if (id->is_int64() && id->as_int64() > 0) return static_cast<std::uint64_t>(id->as_int64());
        return 0;
    }

    std::string session_url() const { return options_.url + "/" + std::to_string(session_); }

    void close() {
        if (session_ == 0) return;
        json::object ignored;
        (void)post(session_url(), json::object{{"janus", "destroy"}}, ignored);
        session_ = 0;
    }

    // POSTs a Janus API message and waits (on this worker thread) for its answer.
    std::optional<Failure> post(const std::string& url, json::object message, json::object& reply) {
        message["transaction"] = transaction_id();
        http_client::HttpRequest request;
        request.url = url;
        request.headers = {"Content-Type: application/json"};
        request.body = json::serialize(message);
        bool finished = false;
        http_client::HttpReply answer;
        http_.start(std::move(request), [&](http_client::HttpReply r) {
            answer = std::move(r);
            finished = true;
        });
        while (!finished) {
            http_.perform();
            if (!finished) http_.wait(std::chrono::milliseconds(100));
        }
        if (answer.status == 0) {
            return Failure{{errc::unavailable, "Janus unreachable: " + answer.error}, true};
        }
        if (answer.status != 200) {
            return Failure{
                {errc::unavailable, "Janus answered HTTP " + std::to_string(answer.status)},
                answer.status >= 500};
        }
        boost::system::error_code ec;
        json::value parsed = json::parse(answer.body, ec);
        if (ec || !parsed.is_object()) {
            return Failure{{errc::unavailable, "Janus answered something that is not JSON"}, true};
        }
        reply = std::move(parsed.as_object());
        const json::value* janus = reply.if_contains("janus");
        if (janus != nullptr && janus->is_string() && janus->as_string() == "error") {
            std::string reason = "Janus error";
            if (const json::value* e = reply.if_contains("error"); e != nullptr && e->is_object()) {
                if (const json::value* r = e->as_object().if_contains("reason");
                    r != nullptr && r->is_string())
                    reason += ": " + std::string(r->as_string());
            }
            // A session or handle Janus forgot (it restarted): a new attempt opens new ones.
            return Failure{{errc::unavailable, std::move(reason)}, true};
        }
        if (janus == nullptr || !janus->is_string() || janus->as_string() != "success") {
            return Failure{{errc::unavailable, "Janus answered an unexpected message"}, false};
        }
        if (reply.if_contains("data") != nullptr && !reply.at("data").is_object()) {
            return Failure{{errc::unavailable, "Janus answered malformed data"}, false};
        }
        return std::nullopt;
    }

    http_client::HttpClient& http_;
    const JanusOptions& options_;
    std::uint64_t session_ = 0;
    std::uint64_t handle_ = 0;
};

JanusRooms::JanusRooms(JanusOptions options) : options_(std::move(options)) {
    counters();
}

JanusRooms::~JanusRooms() {
    stop();
}

void JanusRooms::start() {
    thread_ = std::thread([this] { work(); });
}

void JanusRooms::stop() {
    std::deque<Operation> left;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    {
        std::lock_guard lock(mutex_);
        left.swap(queue_);
    }
    for (auto& op : left) op.done(Status{errc::unavailable, "the server is stopping"});
}

void JanusRooms::enqueue(Operation operation) {
    {
        std::lock_guard lock(mutex_);
        if (!stopping_ && queue_.size() < options_.max_queue) {
            queue_.push_back(std::move(operation));
            wake_.notify_one();
            return;
        }
    }
    counters().failed.inc();
    MUSTER_LOG_WARN("sfu") << operation.what << ": the Janus queue is full or stopped";
    operation.done(Status{errc::unavailable, "the media server's queue is full"});
}

void JanusRooms::work() {
    http_client::HttpClientOptions http_options;
    http_options.connect_timeout = options_.request_timeout;
    http_options.request_timeout = options_.request_timeout;
    http_options.max_body_bytes = 256 * 1024;
    http_client::HttpClient http(http_options);
    for (;;) {
        Operation operation;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;
            operation = std::move(queue_.front());
            queue_.pop_front();
        }
        std::optional<Failure> failure;
        for (std::uint32_t attempt = 0; attempt < std::max<std::uint32_t>(1, options_.attempts);
             ++attempt) {
            if (attempt > 0) {
                counters().retried.inc();
                std::unique_lock lock(mutex_);
                const auto pause =
                    std::chrono::milliseconds(250) * (1 << std::min(attempt - 1, 5U));
                if (wake_.wait_for(lock, pause, [this] { return stopping_; })) break;
            }
            Session session(http, options_);
            try {
                failure = session.open();
                if (!failure) failure = operation.run(session);
            } catch (const std::exception& e) {  // an answer of an unexpected shape
                failure =
                    Failure{{errc::unavailable, std::string("Janus answer: ") + e.what()}, false};
            }
            if (!failure || !failure->transient) break;
        }
        if (failure) {
            counters().failed.inc();
            MUSTER_LOG_WARN("sfu") << operation.what << " failed: " << failure->status.message();
            operation.done(failure->status);
        } else {
            counters().done.inc();
            operation.done(Unit{});
        }
    }
}

void JanusRooms::create_room(SfuRoom room, Done<Unit> done) {
    const std::string what = "create Janus room " + std::to_string(room.id);
    enqueue(Operation{what,
                      [room = std::move(room), this](Session& s) -> std::optional<Failure> {
                          json::array allowed;
                          for (const auto& token : room.allowed) allowed.emplace_back(token);
                          json::object body{
                              {"request", "create"},
                              {"room", room.id},
                              {"admin_key", options_.secret},
                              {"secret", options_.secret},
                              {"description", room.description},
                              {"is_private", true},
                              {"permanent", false},
                              {"publishers", room.max_publishers},
                              {"allowed", std::move(allowed)},
                          };
                          json::object data;
                          if (auto f = s.request(std::move(body), data, {room_exists})) return f;
                          if (!data.contains("error_code") || room.allowed.empty())
                              return std::nullopt;
                          // It existed (an earlier attempt made it): the tokens still go in.
                          json::array again;
                          for (const auto& token : room.allowed) again.emplace_back(token);
                          return s.request(json::object{{"request", "allowed"},
                                                        {"room", room.id},
                                                        {"secret", options_.secret},
                                                        {"action", "add"},
                                                        {"allowed", std::move(again)}},
                                           data);
                      },
                      std::move(done)});
}

void JanusRooms::admit(std::uint64_t room, std::vector<std::string> tokens, bool admit,
                       std::string user, Done<Unit> done) {
    const std::string what = std::string(admit ? "admit " : "send out ") + user +
                             (admit ? " to" : " of") + " Janus room " + std::to_string(room);
    enqueue(Operation{
        what,
        [room, tokens = std::move(tokens), admit, user = std::move(user),
         this](Session& s) -> std::optional<Failure> {
            json::array allowed;
            for (const auto& token : tokens) allowed.emplace_back(token);
            json::object data;
            if (auto f = s.request(json::object{{"request", "allowed"},
                                                {"room", room},
                                                {"secret", options_.secret},
                                                {"action", admit ? "add" : "remove"},
                                                {"allowed", std::move(allowed)}},
                                   data, {no_such_room})) {
                return f;
            }
            if (admit && data.contains("error_code")) {
                // Janus forgot the room (it restarted): make it again, admitting these.
                json::array again;
                for (const auto& token : tokens) again.emplace_back(token);
                return s.request(json::object{{"request", "create"},
                                              {"room", room},
                                              {"admin_key", options_.secret},
                                              {"secret", options_.secret},
                                              {"description", "Muster meeting"},
                                              {"is_private", true},
                                              {"permanent", false},
                                              {"publishers", options_.max_publishers},
                                              {"allowed", std::move(again)}},
                                 data, {room_exists});
            }
            if (admit || data.contains("error_code")) return std::nullopt;
            // Whoever is in the room under that name leaves it now, not when they hang up.
            if (auto f = s.request(json::object{{"request", "listparticipants"}, {"room", room}},
                                   data, {no_such_room})) {
                return f;
            }
            const json::value* list = data.if_contains("participants");
            if (list == nullptr || !list->is_array()) return std::nullopt;
            for (const auto& p : list->as_array()) {
                if (!p.is_object()) continue;
                const json::value* display = p.as_object().if_contains("display");
                const json::value* id = p.as_object().if_contains("id");
                if (display == nullptr || id == nullptr || !display->is_string() ||
                    display->as_string() != user)
                    continue;
                json::object kicked;
                if (auto f = s.request(json::object{{"request", "kick"},
                                                    {"room", room},
                                                    {"secret", options_.secret},
                                                    {"id", *id}},
                                       kicked, {no_such_room, 428 /* gone already */})) {
                    return f;
                }
            }
            return std::nullopt;
        },
        std::move(done)});
}

void JanusRooms::destroy_room(std::uint64_t room, Done<Unit> done) {
    enqueue(Operation{
        "destroy Janus room " + std::to_string(room),
        [room, this](Session& s) -> std::optional<Failure> {
            json::object data;
            return s.request(
                json::object{{"request", "destroy"}, {"room", room}, {"secret", options_.secret}},
                data, {no_such_room});
        },
        std::move(done)});
}

}  // namespace muster::sfu
