#pragma once
// Everything an operator can set, with its default. Sources, strongest first: command-line
// options (--section.key=value), environment variables (MUSTER_SECTION_KEY, plus the short
// aliases MUSTER_LISTEN, MUSTER_DATA_DIR, MUSTER_JWT_SECRET, MUSTER_REDIS_URL), then the INI
// file given by --config. Documented key by key in docs/CONFIGURATION.md.

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace muster {

struct ServerConfig {
    std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free one (tests)
    unsigned threads = 0;                   // network threads; 0 = one per core
    bool io_uring = true;  // a loop turn's socket writes in one io_uring submission, if allowed
    std::string node_id;   // empty = hostname-pid
    std::string data_dir = "./var";     // SQLite database and other local state
    std::string log_level = "info";     // debug | info | warn | error | off
    std::string demo_data;              // JSON organisation loaded at start (make run)
    std::string ready_file;             // written with "host:port" once listening (tests)
    unsigned shutdown_grace_ms = 5000;  // SIGTERM: time to flush sessions before closing
    // The built web app served at / (clients/web/dist); empty = the app installed beside musterd
    // (<bin>/../share/muster/web), else the source tree's clients/web/dist
    std::string web_root;
    std::string public_url;  // where users reach the server (links); empty = http://<listen>
};

struct AuthConfig {
    std::string jwt_algorithm = "HS256";  // HS256 | RS256 | ES256
    std::string jwt_secret;               // HS256 shared secret
    std::string jwt_public_key_file;      // RS256/ES256: PEM public key
    std::string jwt_issuer;               // checked when set
    std::string jwt_audience;             // checked when set
    bool require_exp = true;              // refuse tokens without an exp claim
    unsigned leeway_s = 0;                // tolerated clock skew for exp and nbf
    // Tokens this server issues itself (invitations, device sessions).
    std::string signing_key_file;       // ES256 private key (PEM); empty = HS256 with jwt_secret
    unsigned access_ttl_s = 900;        // lifetime of an access token
    unsigned session_idle_s = 7776000;  // a device session not refreshed for this long ends
    unsigned redeem_failures_per_minute = 10;  // per address; beyond: 429
    unsigned refresh_per_minute = 60;          // refreshes per address; beyond: 429
    unsigned max_name_chars = 32;              // display names typed at sign-in
};

struct LimitsConfig {
    std::uint32_t max_frame_bytes = 64 * 1024;  // inbound WebSocket message; over: close 1009
    std::uint32_t max_text_bytes = 4096;        // chat text, titles, notes
    std::uint32_t max_mentions = 20;            // users one chat message calls by name; <= 100
    std::uint32_t outbound_queue_bytes = 1024 * 1024;  // per session; over: close 4000
    double commands_per_second = 50;                   // token bucket rate per connection
    std::uint32_t command_burst = 300;            // token bucket size; >= max_subscriptions + 8
    std::uint32_t rate_limit_strikes = 20;        // consecutive limited commands: close 4029
    std::uint32_t max_subscriptions = 256;        // per connection
    std::uint32_t max_connections = 18000;        // per node; the fd limit is the real cap
    std::uint32_t max_connections_per_user = 16;  // over: RATE_LIMITED and close 1008
    std::uint32_t max_inflight_commands = 64;     // per connection; reading pauses beyond
    std::uint32_t max_protocol_violations = 10;   // malformed frames before close 1008
    std::uint32_t connect_timeout_s =
        10;  // the first frame must be connect within this; else close 1008
    std::uint32_t ping_interval_s = 25;  // server pings a connection silent for this long
    std::uint32_t idle_timeout_s = 60;   // no inbound traffic (incl. pong)
    std::uint32_t close_timeout_s = 5;   // how long to wait for the peer's close frame
    std::uint32_t history_default_limit =
        50;  // events per history page when the client gives no limit
    std::uint32_t history_max_limit = 1000;  // the most events one history page returns
    std::uint32_t history_max_bytes =
        256 * 1024;  // a history page's events, as encoded; at most outbound_queue_bytes / 2
    std::uint32_t http_max_body_bytes = 1024 * 1024;  // over: HTTP 413
    std::uint32_t http_idle_timeout_s = 30;  // keep-alive HTTP connections idle longer are closed
    std::uint32_t max_id_bytes = 128;        // group ids, user ids, client_msg_id
    // Connections not (yet) upgraded to WebSocket, at once; at the cap the one idle the longest
    // is closed for a newcomer (503 when none is idle). At most a quarter of the fd limit.
    std::uint32_t max_http_connections = 4096;
    double connections_per_ip_per_second = 50;    // new TCP connections per client address
    std::uint32_t connection_burst_per_ip = 200;  // over rate and burst: HTTP 429 and close
    double handshakes_per_ip_per_second = 20;     // WebSocket upgrades per client address
    std::uint32_t handshake_burst_per_ip = 100;   // over rate and burst: HTTP 429
    // Loopback peers are exempt from the per-IP rates unless set: behind a reverse proxy on the
    // same host every client is 127.0.0.1 (limit in the proxy then).
    bool per_ip_limits_on_loopback = false;
    std::uint32_t max_name_bytes = 256;  // display names (the token's name claim)
};

struct LogConfig {
    std::uint64_t retention_events = 100000;  // per group; older events are trimmed
    std::uint64_t retention_age_s = 0;        // 0 = keep by count only
    std::uint32_t replay_page = 256;          // events per store read while resuming
    std::uint64_t idempotency_ttl_s = 86400;  // how long a client_msg_id is remembered
    std::uint32_t recent_cache_events = 256;  // per group, kept in memory for fast resume
};

struct PresenceConfig {
    std::uint32_t batch_window_ms = 200;  // presence notices are coalesced this long; 0 = none
    // A group with more users online gets PresenceCount instead of per-user notices; also the
    // largest `presence` page. A full page must fit in limits.outbound_queue_bytes.
    std::uint32_t list_max_members = 200;
};

struct StoreConfig {
    std::string sqlite_path;             // empty = <data_dir>/muster.db
    std::string synchronous = "full";    // SQLite PRAGMA synchronous: full (power-safe) | normal
    std::uint32_t max_batch = 1024;      // requests committed in one transaction
    std::uint32_t queue_max = 100000;    // queued requests; over: UNAVAILABLE
    std::uint32_t trim_interval_s = 60;  // how often retention runs
    // WAL frames (pages) after which a checkpoint copies the WAL into the file, on a thread of
    // its own; smaller: shorter bursts of disk writes beside the commits, more of them
    std::uint32_t checkpoint_frames = 1000;
    // Member ids of duty-call audiences read ahead of their changes and not yet written (a
    // 10,000-member call holds 10,000 per change in flight); over it, a change reads its
    // audience inside the writer's transaction, as with 0
    std::uint32_t read_ahead_ids = 100000;
};

struct RedisConfig {
    std::string url;  // redis://host:port[/db]; empty = embedded (SQLite)
    std::uint32_t connect_timeout_ms = 2000;
    std::uint32_t command_timeout_ms = 2000;
    std::uint32_t reconnect_min_ms = 100;
    std::uint32_t reconnect_max_ms = 5000;
    std::uint32_t health_interval_ms = 1000;  // subscriber health check publish
    std::uint32_t presence_ttl_s = 30;  // a dead node's presence and meeting joins lapse after this
    std::uint32_t startup_wait_s = 60;  // at start, wait this long for Redis (starting, loading)
    std::string key_prefix = "muster";
    // Redis Cluster (detected at connect: redis.url may name any node). A command follows at
    // most this many -MOVED/-ASK redirections, then fails with UNAVAILABLE (1..16)
    std::uint32_t cluster_max_redirects = 5;
    // Pause before trying again a slot whose master is down or a cluster that is not ok (a
    // failover takes about cluster-node-timeout); the slot map is read again meanwhile, at most
    // once per pause. Below redis.command_timeout_ms, which bounds the whole command (retries
    // included: raise it above the cluster's failover time to ride a failover out)
    std::uint32_t cluster_retry_ms = 200;
    // On a Redis Cluster, an append is acknowledged once this many replicas of its master have
    // it (WAIT after the append script), so that a failover does not lose it; 0 = off (a
    // failover may then lose the last writes before the replica had them)
    std::uint32_t cluster_wait_replicas = 1;
    // The longest WAIT for those replicas (a replica down must not stop the group: past this the
    // append is acknowledged anyway and counted in muster_redis_wait_short_total). Below
    // redis.command_timeout_ms
    std::uint32_t cluster_wait_ms = 500;
};

struct DutyConfig {
    std::uint32_t remind_interval_s = 1800;  // first reminder after, then every; 0 = never
    std::uint32_t max_reminders = 3;         // reminder rounds per call; 0 = never
    std::uint32_t max_slots = 10000;
    std::uint32_t max_title_bytes = 256;    // title and location (description: max_text_bytes)
    std::uint32_t max_target_groups = 256;  // a subtree call reaches at most this many groups
    std::uint32_t sweep_interval_s = 60;    // re-reads open calls to arm timers missing here
};

struct MeetingConfig {
    std::uint32_t drop_grace_s = 60;  // a lost connection ends attendance after this
    std::uint32_t max_roll_window_s = 3600;
    std::uint32_t max_agenda_items = 100;
    std::uint32_t default_roll_window_s = 60;  // a roll call without window_s
    std::uint32_t max_co_hosts = 20;
    std::uint32_t max_shared_items = 100;  // per meeting
    // Voice and video (WebRTC; the server carries signalling only).
    // Up to this many participants send each other video directly (a mesh); in larger meetings
    // without an SFU only the hosts and the floor holder send video
    std::uint32_t max_mesh_peers = 4;
    // meeting_signal payload; over: TOO_LARGE. With 1 KiB of framing it must fit in
    // limits.max_frame_bytes
    std::uint32_t max_signal_bytes = 16384;
    double signals_per_second = 10;  // meeting_signal token bucket rate per connection
    // meeting_signal token bucket size; signal_burst x (max_signal_bytes + 1 KiB) must fit in
    // half of limits.outbound_queue_bytes, so that one sender's burst cannot close the receiver
    std::uint32_t signal_burst = 24;
    std::string stun_urls;    // comma-separated stun: URLs given to participants (ice-servers)
    std::string turn_urls;    // comma-separated turn:/turns: URLs of the TURN server (coturn)
    std::string turn_secret;  // coturn's static-auth-secret (use-auth-secret); needs turn_urls
    std::uint32_t turn_ttl_s = 43200;  // lifetime of the TURN credentials handed out
    std::string sfu_url;     // Janus HTTP API, e.g. http://127.0.0.1:8088/janus; empty = no SFU
    std::string sfu_secret;  // Janus admin_key (creates rooms) and token secret; needs sfu_url
    // Janus API address handed to browsers (meeting media sfu_url); empty = meeting.sfu_url
    std::string sfu_public_url;
    // Senders at once in a meeting's VideoRoom (its `publishers`)
    std::uint32_t sfu_max_publishers = 50;
    // Janus operations (create, admit, send out, destroy) waiting; more are refused and logged
    std::uint32_t sfu_queue = 1000;
    std::uint32_t sfu_timeout_ms = 5000;  // each HTTP request to Janus gives up after this
    // tries of one Janus operation when Janus cannot be reached (0.25 s, 0.5 s, 1 s... apart)
    std::uint32_t sfu_attempts = 3;
};

struct PushConfig {
    bool worker = true;  // deliver the outbox from this node; false: intents wait in it
                         // (tests that read it)
    std::string vapid_private_key_file;  // Web Push: P-256 key (PEM, SEC1 or PKCS#8); empty = off
    std::string vapid_subject = "mailto:admin@localhost";  // VAPID sub: mailto: or https: URL
    std::string apns_key_file;  // APNs: the .p8 key (PKCS#8); empty = off
    std::string apns_key_id;    // APNs: the key's id (JWT kid)
    std::string apns_team_id;   // APNs: the team id (JWT iss)
    std::string apns_url;       // empty = Apple's production or sandbox host, as the device says
    std::string fcm_service_account_file;  // FCM: the service-account JSON; empty = off
    std::string fcm_url = "https://fcm.googleapis.com";         // FCM HTTP v1 base URL
    std::string hms_app_id;                                     // HMS Push Kit: app id (client id)
    std::string hms_client_secret;                              // HMS: the app secret; empty = off
    std::string hms_url = "https://push-api.cloud.huawei.com";  // HMS v1 base URL
    std::string hms_token_url = "https://oauth-login.cloud.huawei.com/oauth2/v3/token";
    std::string ca_file;                // extra trusted CA (PEM), beside the system's
    bool allow_http_endpoints = false;  // accept http:// device endpoints (loopback tests only)
    std::uint32_t max_attempts = 8;     // delivery rounds of an intent before it is dropped
    std::uint32_t backoff_initial_ms = 1000;  // first retry after; doubles each attempt
    std::uint32_t backoff_max_ms = 600000;    // longest wait between attempts
    std::uint32_t lease_s = 60;  // a claimed intent is this node's for this long (then anyone's)
    std::uint32_t poll_interval_ms = 500;      // how often the outbox is read for new intents
    std::uint32_t batch = 256;                 // intents claimed per read
    std::uint32_t max_in_flight = 4096;        // intents being delivered by this node at once
    std::uint32_t provider_concurrency = 256;  // requests in flight per provider
    std::uint32_t connect_timeout_ms = 5000;   // TCP and TLS set-up of a provider connection
    std::uint32_t request_timeout_ms = 15000;  // a whole request, connection included
    std::uint32_t ttl_s = 86400;       // how long a provider keeps an undelivered push (TTL header)
    std::uint32_t outbox_chunk = 256;  // intents written per transaction (a bigger fan-out is
                                       // recorded at once and expanded chunk by chunk)
    std::uint32_t outbox_max_intents = 100000;  // undelivered intents kept; oldest beyond go
    std::uint32_t outbox_max_age_s = 604800;    // an undelivered intent older than this goes
};

struct DebugConfig {
    bool manual_clock = false;  // time moves only by POST /api/v1/debug/clock (tests only)
    std::int64_t manual_clock_start_ms = 0;  // where the manual clock starts; 0 = system time
};

struct Config {
    ServerConfig server;
    AuthConfig auth;
    LimitsConfig limits;
    LogConfig log;
    PresenceConfig presence;
    StoreConfig store;
    RedisConfig redis;
    DutyConfig duty;
    MeetingConfig meeting;
    PushConfig push;
    DebugConfig debug;

    [[nodiscard]] std::string sqlite_path() const;
};

// Reads argv (and the file it names with --config) and the environment. INVALID_ARGUMENT with
// a message naming the key on a bad value or an unknown option; `help` is set on --help.
Result<Config> load_config(int argc, const char* const* argv, bool& help, std::string& help_text);

// Checks values that cannot be checked one by one (ranges, consistency): among them, a
// command burst that lets a client subscribe up to its cap, and an HS256 secret of at least
// `min_hs256_secret_bytes` that is not a sample value unless the node listens on loopback only.
Status validate(const Config& config);

inline constexpr std::size_t min_hs256_secret_bytes = 32;
// Commands a client sends besides its subscriptions at connect (connect itself, a history page
// or two, a presence query): the burst must hold them on top of max_subscriptions.
inline constexpr std::uint32_t command_burst_headroom = 8;

// True when `listen` (host:port) names a loopback address (127.0.0.0/8, ::1, localhost).
bool listens_on_loopback_only(const std::string& listen);

}  // namespace muster
