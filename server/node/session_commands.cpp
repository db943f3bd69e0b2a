#include "node/session_commands.hpp"

#include <algorithm>
#include <unordered_set>

#include <boost/asio/use_awaitable.hpp>

#include "core/ids.hpp"
#include "core/log.hpp"
#include "node/client.hpp"
#include "node/internal/node_internals.hpp"
#include "node/public_status.hpp"
#include "node/replay_metrics.hpp"
#include "node/validate.hpp"
#include "protocol/event_bytes.hpp"

namespace muster::node {

namespace asio = boost::asio;
namespace v1 = muster::v1;
using store::Role;

namespace {

asio::awaitable<Status> hub_subscribe(hub::Hub& hub, net::Loop& loop, const std::string& group,
                                      hub::Subscriber* subscriber) {
    co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(Status)>(
        [&](auto handler) {
            auto shared = std::make_shared<decltype(handler)>(std::move(handler));
            hub.subscribe(loop, group, subscriber,
                          [shared](Status status) { (*shared)(std::move(status)); });
        },
        asio::use_awaitable);
}

}  // namespace

// ---- connect --------------------------------------------------------------------------------

asio::awaitable<void> Client::connect(std::uint32_t id, const v1::Connect& command) {
    if (authenticated_ || connecting_) {
        reply_error(id, {errc::invalid_argument, "already connected"});
        co_return;
    }
    // Every resumed group becomes a subscription: the list is bounded like them.
    const std::uint32_t max_subscriptions = services_.config().limits.max_subscriptions;
    if (static_cast<std::uint32_t>(command.resume_size()) > max_subscriptions) {
        reply_error(id, {errc::too_large, "at most " + std::to_string(max_subscriptions) +
                                              " resume entries (limits.max_subscriptions)"});
        violation_counted_only();
        co_return;
    }
    Result<Claims> claims =
        services_.verifier().verify(command.token(), services_.clock().now_ms());
    if (!claims) {
        reply_error(id, claims.status());
        violation_counted_only();
        co_return;
    }
    connecting_ = true;
    const std::string user = claims->subject;
    if (!claims->session_id.empty() && services_.session_check()) {
        const Status live = co_await services_.session_check()(*claims);
        if (!live) {
            connecting_ = false;
            if (!is_open()) co_return;
            reply_error(id, live);
            violation_counted_only();
            co_return;
        }
    }
    auto profile = co_await co_call<store::UserProfile>([&](Done<store::UserProfile> done) {
        services_.store().directory().profile_of(user, std::move(done));
    });
    connecting_ = false;
    if (!is_open()) co_return;
    if (!profile) {
        reply_error(id, profile.status());
        co_return;
    }
    // The directory's name is the one people know (王晓光, not the token's wangxg).
    if (!profile->name.empty()) claims->name = profile->name;
    if (!services_.users().attach(user, self())) {
        reply_error(
            id, {errc::rate_limited,
                 "at most " + std::to_string(services_.config().limits.max_connections_per_user) +
                     " connections per user"});
        close(net::close_code::policy, "too many connections for this user");
        co_return;
    }
    attached_ = true;
    authenticated_ = true;
    auto map = std::make_shared<Memberships>();
    for (const auto& m : profile->memberships) (*map)[m.group] = m.role;
    caller_ = Caller{std::move(*claims), std::move(map)};
    session_id_ = new_id("s_", services_.clock().now_ms());
    services_.store().presence().connection_opened(user);
    services_.store().directory().remember_user(user, caller_.name());

    // Subscriptions to restore: opened before the reply (it carries their outcome), streamed
    // after, one at a time. Opening reads only where each log stands, no events: a connect holds
    // no replay page while it opens the others (at most one page is held, by the stream being
    // sent). A group listed twice is answered once; its repetitions get INVALID_ARGUMENT.
    struct Resumed {
        std::string group;
        std::uint32_t generation;
        bool full;
    };
    std::vector<Resumed> streams;
    std::unordered_set<std::string> listed;
    v1::ServerFrame frame;
    auto* reply_body = frame.mutable_connect();
    for (const auto& entry : command.resume()) {
        auto* resumed = reply_body->add_resumed();
        if (!listed.insert(entry.group()).second) {
            resumed->set_group(entry.group());
            resumed->mutable_error()->set_code(v1::Error::INVALID_ARGUMENT);
            resumed->mutable_error()->set_message("group " + entry.group() +
                                                  " is listed more than once in resume");
            continue;
        }
        std::vector<SharedBytes> no_page;
        bool full = false;
        Result<v1::SubscribeReply> opened =
            co_await open_subscription(entry, no_page, full, FirstPage::later);
        if (!is_open()) co_return;
        if (!opened) {
            const Status shown = public_status(opened.status(), "connect.resume");
            resumed->set_group(entry.group());
            resumed->mutable_error()->set_code(static_cast<v1::Error::Code>(shown.code()));
            resumed->mutable_error()->set_message(shown.message());
            continue;
        }
        *resumed = std::move(*opened);
        if (const Subscription* s = find_subscription(entry.group())) {
            streams.push_back({entry.group(), s->generation, full});
        }
    }
    reply_body->set_user_id(user);
    reply_body->set_session_id(session_id_);
    reply_body->set_node(services_.node_id());
    reply_body->set_expires_at_ms(caller_.claims.expires_at_ms);
    reply_body->set_ping_interval_s(services_.config().limits.ping_interval_s);
    reply(id, std::move(frame));
    for (auto& stream : streams) {
        co_await catch_up(stream.group, stream.generation, {}, stream.full);
    }
}

// ---- subscribe ------------------------------------------------------------------------------

asio::awaitable<void> Client::subscribe(std::uint32_t id, const v1::Subscribe& command) {
    std::vector<SharedBytes> page;
    bool full = false;
    Result<v1::SubscribeReply> opened = co_await open_subscription(command, page, full);
    if (!opened) {
        reply_error(id, opened.status());
        co_return;
    }
    const Subscription* s = find_subscription(command.group());
    if (s == nullptr) co_return;  // unsubscribed meanwhile
    const std::uint32_t generation = s->generation;
    v1::ServerFrame frame;
    *frame.mutable_subscribe() = std::move(*opened);
    reply(id, std::move(frame));
    co_await catch_up(command.group(), generation, std::move(page), full);
}

asio::awaitable<Result<v1::SubscribeReply>> Client::open_subscription(
    const v1::Subscribe& command, std::vector<SharedBytes>& first_page, bool& page_was_full,
    FirstPage when) {
    const auto& config = services_.config();
    const std::string& group = command.group();
    if (Status s = check_id("group", group, config.limits.max_id_bytes); !s) co_return s;
    if (Status s = require_role(*services_.tree(), caller_, group, Role::member); !s) co_return s;
    if (find_subscription(group) != nullptr)
        drop_subscription(group);  // a re-subscribe starts over
    if (subscriptions_.size() >= config.limits.max_subscriptions) {
        co_return Status{errc::too_large, "at most " +
                                              std::to_string(config.limits.max_subscriptions) +
                                              " subscriptions per connection"};
    }
    const std::uint32_t generation = next_generation_++;
    Subscription fresh;
    fresh.group = group;
    fresh.generation = generation;
    subscriptions_.push_back(std::move(fresh));

    // First the hub, so that nothing appended from now on can be missed; then the log.
    Status active = co_await hub_subscribe(services_.hub(), loop(), group, this);
    if (find_subscription(group, generation) == nullptr || !is_open()) {
        co_return Status{errc::conflict, "unsubscribed while subscribing"};
    }
    if (!active) {
        drop_subscription(group);
        co_return active;
    }
    const std::uint32_t page = config.log.replay_page;
    auto& log = services_.store().log();
    Result<store::LogRange> range =
        co_await co_call<store::LogRange>([&](Done<store::LogRange> done) {
            if (command.has_since() && when == FirstPage::now) {
                log.read_after(group, command.since(), page, std::move(done));
            } else {
                log.read_before(group, store::newest, 0, std::move(done));
            }
        });
    Subscription* s = find_subscription(group, generation);
    if (s == nullptr || !is_open())
        co_return Status{errc::conflict, "unsubscribed while subscribing"};
    if (!range) {
        drop_subscription(group);
        co_return range.status();
    }

    // Presence after the first read: the subscription is past `activating`, so the client's
    // own join notice reaches it too, after the reply to subscribe.
    s->state = Subscription::State::recovering;
    s->presence_joined = true;
    services_.store().presence().join(group, caller_.user(), caller_.name(),
                                      [&services = services_, group, user = caller_.user(),
                                       name = caller_.name()](Result<bool> r) {
                                          if (r && *r)
                                              services.publish_presence(group, user, name, true);
                                      });

    v1::SubscribeReply reply;
    reply.set_group(group);
    reply.set_oldest_seq(range->oldest_seq);
    reply.set_latest_seq(range->latest_seq);
    if (command.has_since()) {
        const std::uint64_t since = command.since();
        // Recovered: nothing after `since` was trimmed, and the client is not ahead of the log.
        const bool ahead = since > range->latest_seq;
        reply.set_recovered(!ahead && since + 1 >= range->oldest_seq);
        s->last_sent = ahead ? range->latest_seq : since;
        if (when == FirstPage::now) {
            replay_pages_read().inc();
            page_was_full = range->events.size() >= page;
            first_page = std::move(range->events);
        } else {
            page_was_full = s->last_sent < range->latest_seq;  // catch_up reads it
        }
    } else {
        s->last_sent = range->latest_seq;
        page_was_full = false;
    }
    co_return reply;
}

asio::awaitable<void> Client::catch_up(std::string group, std::uint32_t generation,
                                       std::vector<SharedBytes> page, bool page_was_full) {
    const auto keep_alive = self();
    const std::uint32_t page_size = services_.config().log.replay_page;
    const std::size_t high_water = limits().outbound_queue_bytes / 2;
    const std::size_t low_water = limits().outbound_queue_bytes / 4;  // where wait_drained ends
    for (;;) {
        Subscription* s = find_subscription(group, generation);
        if (s == nullptr || !is_open()) co_return;
        // As fast as the client reads, and never past half the outbound bound: a replay must
        // not turn its own client into a slow consumer.
        for (const auto& event : page) {
            // Woken when the queue drains, and when a subscription is dropped: a replay that
            // was dropped (unsubscribed, subscribed again) ends then and frees its page.
            while (queued_bytes() + event->size() > high_water && queued_bytes() > low_water) {
                replays_waiting().add();
                co_await wait_drained();
                replays_waiting().sub();
                s = find_subscription(group, generation);
                if (s == nullptr || !is_open()) co_return;
            }
            send_event_bytes(*s, event, protocol::peek_event_seq(*event));
        }
        if (!page_was_full && s->live_seen <= s->last_sent) {
            s->state = Subscription::State::live;
            co_return;
        }
        const std::uint64_t after = s->last_sent;
        Result<store::LogRange> range =
            co_await co_call<store::LogRange>([&](Done<store::LogRange> done) {
                services_.store().log().read_after(group, after, page_size, std::move(done));
            });
        if (find_subscription(group, generation) == nullptr || !is_open()) co_return;
        if (!range) {
            const Status shown = public_status(range.status(), "catching up group " + group);
            send_error(
                0, {shown.code(), "catching up group " + group + " failed: " + shown.message()});
            drop_subscription(group);
            co_return;
        }
        replay_pages_read().inc();
        page_was_full = range->events.size() >= page_size;
        page = std::move(range->events);
    }
}

void Client::drop_subscription(const std::string& group) {
    const auto it = std::find_if(subscriptions_.begin(), subscriptions_.end(),
                                 [&group](const Subscription& s) { return s.group == group; });
    if (it == subscriptions_.end()) return;
    wake_replays();  // the dropped one's replay, if waiting, ends now instead of at a drain
    services_.hub().unsubscribe(loop(), group, this);
    if (it->presence_joined) {
        services_.store().presence().leave(group, caller_.user(),
                                           [&services = services_, group, user = caller_.user(),
                                            name = caller_.name()](Result<bool> r) {
                                               if (r && *r)
                                                   services.publish_presence(group, user, name,
                                                                             false);
                                           });
    }
    subscriptions_.erase(it);
}

asio::awaitable<Result<v1::ServerFrame>> Client::unsubscribe(const v1::Unsubscribe& command) {
    if (Status s = check_id("group", command.group(), services_.config().limits.max_id_bytes); !s)
        co_return s;
    drop_subscription(command.group());
    v1::ServerFrame frame;
    frame.mutable_unsubscribe();
    co_return frame;
}

// ---- access changes -------------------------------------------------------------------------

asio::awaitable<Result<v1::ServerFrame>> Client::refresh(const v1::Refresh& command) {
    Result<Claims> claims =
        services_.verifier().verify(command.token(), services_.clock().now_ms());
    if (!claims) co_return claims.status();
    if (claims->subject != caller_.user()) {
        co_return Status{errc::unauthenticated, "the new token is for another user"};
    }
    if (!claims->session_id.empty() && services_.session_check()) {
        if (Status live = co_await services_.session_check()(*claims); !live) co_return live;
    }
    claims->name = caller_.claims.name;  // the name stays the directory's (or the first token's)
    caller_.claims = std::move(*claims);
    recheck_access();
    v1::ServerFrame frame;
    frame.mutable_refresh()->set_expires_at_ms(caller_.claims.expires_at_ms);
    co_return frame;
}

void Client::set_memberships(SharedMemberships memberships) {
    caller_.memberships = std::move(memberships);
    recheck_access();
}

void Client::recheck_access() {
    if (!authenticated_ || !is_open()) return;
    const SharedTree tree = services_.tree();
    std::vector<std::string> revoked;
    for (const auto& s : subscriptions_) {
        if (!require_role(*tree, caller_, s.group, Role::member)) revoked.push_back(s.group);
    }
    for (const auto& group : revoked) {
        notify_error({errc::forbidden, "no longer a member of group " + group});
        drop_subscription(group);
    }
}

// ---- registration ---------------------------------------------------------------------------

void register_session_commands(CommandRegistry& commands) {
    using Cmd = v1::ClientFrame;
    commands.add(Cmd::kConnect, [](const std::shared_ptr<Client>& c, std::uint32_t id,
                                   const Cmd& f) { return c->connect(id, f.connect()); });
    commands.add(Cmd::kSubscribe, [](const std::shared_ptr<Client>& c, std::uint32_t id,
                                     const Cmd& f) { return c->subscribe(id, f.subscribe()); });
    commands.add_simple(Cmd::kUnsubscribe, [](const std::shared_ptr<Client>& c, const Cmd& f) {
        return c->unsubscribe(f.unsubscribe());
    });
    commands.add_simple(Cmd::kRefresh, [](const std::shared_ptr<Client>& c, const Cmd& f) {
        return c->refresh(f.refresh());
    });

    commands.add_simple(
        Cmd::kPresence,
        [](std::shared_ptr<Client> c, const Cmd& f) -> asio::awaitable<Result<v1::ServerFrame>> {
            const std::string& group = f.presence().group();
            auto& services = c->services();
            if (Status s = check_id("group", group, services.config().limits.max_id_bytes); !s)
                co_return s;
            if (Status s = require_role(*services.tree(), c->caller(), group, Role::member); !s)
                co_return s;
            // One page: a large group is never read whole (presence.list_max_members at most).
            const std::uint32_t page_max = services.config().presence.list_max_members;
            const std::uint32_t limit =
                f.presence().limit() == 0 ? page_max : std::min(f.presence().limit(), page_max);
            const std::string& after = f.presence().after();
            if (Status s = check_optional_id("after", after, services.config().limits.max_id_bytes);
                !s)
                co_return s;
            Result<store::PresencePage> page =
                co_await co_call<store::PresencePage>([&](Done<store::PresencePage> done) {
                    services.store().presence().list(group, after, limit, std::move(done));
                });
            if (!page) co_return page.status();
            v1::ServerFrame frame;
            auto* body = frame.mutable_presence();
            for (const auto& entry : page->entries) {
                auto* user = body->add_users();
                user->set_user_id(entry.user);
                user->set_name(entry.name);
            }
            body->set_next(page->next);
            body->set_online(page->online);
            co_return frame;
        });
}

}  // namespace muster::node
