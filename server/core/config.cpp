#include "core/config.hpp"

#include <cctype>
#include <fstream>
#include <sstream>

#include <boost/program_options.hpp>

namespace muster {

namespace po = boost::program_options;

std::string Config::sqlite_path() const {
    return store.sqlite_path.empty() ? server.data_dir + "/muster.db" : store.sqlite_path;
}

namespace {

// Declares every key with its default, bound to the field it sets.
po::options_description describe(Config& c) {
    po::options_description d("musterd options");
    auto add = d.add_options();
    add("help,h", "print this help");
    add("config,c", po::value<std::string>(), "INI configuration file");

    auto& s = c.server;
    add("server.listen", po::value(&s.listen)->default_value(s.listen), "host:port to listen on");
    add("server.threads", po::value(&s.threads)->default_value(s.threads),
        "network threads (0 = cores)");
    add("server.io_uring", po::value(&s.io_uring)->default_value(s.io_uring),
        "batch each loop turn's socket writes in one io_uring submission (if the kernel allows)");
    add("server.node_id", po::value(&s.node_id)->default_value(s.node_id),
        "node name (empty = host-pid)");
    add("server.data_dir", po::value(&s.data_dir)->default_value(s.data_dir),
        "local state directory");
    add("server.log_level", po::value(&s.log_level)->default_value(s.log_level),
        "debug|info|warn|error");
    add("server.demo_data", po::value(&s.demo_data)->default_value(s.demo_data),
        "organisation JSON to load");
    add("server.ready_file", po::value(&s.ready_file)->default_value(s.ready_file),
        "file to write host:port to");
    add("server.shutdown_grace_ms",
        po::value(&s.shutdown_grace_ms)->default_value(s.shutdown_grace_ms), "");
    add("server.web_root", po::value(&s.web_root)->default_value(s.web_root),
        "built web app folder served at / (empty = installed or source tree's)");
    add("server.public_url", po::value(&s.public_url)->default_value(s.public_url),
        "base URL of invitation links (empty = http://<listen>)");

    auto& a = c.auth;
    add("auth.jwt_algorithm", po::value(&a.jwt_algorithm)->default_value(a.jwt_algorithm),
        "HS256|RS256|ES256");
    add("auth.jwt_secret", po::value(&a.jwt_secret)->default_value(a.jwt_secret), "HS256 secret");
    add("auth.jwt_public_key_file",
        po::value(&a.jwt_public_key_file)->default_value(a.jwt_public_key_file), "");
    add("auth.jwt_issuer", po::value(&a.jwt_issuer)->default_value(a.jwt_issuer), "");
    add("auth.jwt_audience", po::value(&a.jwt_audience)->default_value(a.jwt_audience), "");
    add("auth.require_exp", po::value(&a.require_exp)->default_value(a.require_exp), "");
    add("auth.leeway_s", po::value(&a.leeway_s)->default_value(a.leeway_s), "");
    add("auth.signing_key_file", po::value(&a.signing_key_file)->default_value(a.signing_key_file),
        "ES256 private key (PEM) for the tokens this server issues; empty = HS256");
    add("auth.access_ttl_s", po::value(&a.access_ttl_s)->default_value(a.access_ttl_s),
        "lifetime of issued access tokens");
    add("auth.session_idle_s", po::value(&a.session_idle_s)->default_value(a.session_idle_s),
        "device sessions not refreshed for this long end");
    add("auth.redeem_failures_per_minute",
        po::value(&a.redeem_failures_per_minute)->default_value(a.redeem_failures_per_minute),
        "failed redeems per address and minute before 429");
    add("auth.refresh_per_minute",
        po::value(&a.refresh_per_minute)->default_value(a.refresh_per_minute),
        "refreshes per address and minute before 429");
    add("auth.max_name_chars", po::value(&a.max_name_chars)->default_value(a.max_name_chars),
        "longest display name typed at sign-in (characters)");

    auto& l = c.limits;
    add("limits.max_frame_bytes", po::value(&l.max_frame_bytes)->default_value(l.max_frame_bytes),
        "");
    add("limits.max_text_bytes", po::value(&l.max_text_bytes)->default_value(l.max_text_bytes), "");
    add("limits.max_mentions", po::value(&l.max_mentions)->default_value(l.max_mentions), "");
    add("limits.outbound_queue_bytes",
        po::value(&l.outbound_queue_bytes)->default_value(l.outbound_queue_bytes), "");
    add("limits.commands_per_second",
        po::value(&l.commands_per_second)->default_value(l.commands_per_second), "");
    add("limits.command_burst", po::value(&l.command_burst)->default_value(l.command_burst), "");
    add("limits.rate_limit_strikes",
        po::value(&l.rate_limit_strikes)->default_value(l.rate_limit_strikes), "");
    add("limits.max_subscriptions",
        po::value(&l.max_subscriptions)->default_value(l.max_subscriptions), "");
    add("limits.max_connections", po::value(&l.max_connections)->default_value(l.max_connections),
        "");
    add("limits.max_connections_per_user",
        po::value(&l.max_connections_per_user)->default_value(l.max_connections_per_user), "");
    add("limits.max_inflight_commands",
        po::value(&l.max_inflight_commands)->default_value(l.max_inflight_commands), "");
    add("limits.max_protocol_violations",
        po::value(&l.max_protocol_violations)->default_value(l.max_protocol_violations), "");
    add("limits.connect_timeout_s",
        po::value(&l.connect_timeout_s)->default_value(l.connect_timeout_s), "");
    add("limits.ping_interval_s", po::value(&l.ping_interval_s)->default_value(l.ping_interval_s),
        "");
    add("limits.idle_timeout_s", po::value(&l.idle_timeout_s)->default_value(l.idle_timeout_s), "");
    add("limits.close_timeout_s", po::value(&l.close_timeout_s)->default_value(l.close_timeout_s),
        "");
    add("limits.history_default_limit",
        po::value(&l.history_default_limit)->default_value(l.history_default_limit), "");
    add("limits.history_max_limit",
        po::value(&l.history_max_limit)->default_value(l.history_max_limit), "");
    add("limits.history_max_bytes",
        po::value(&l.history_max_bytes)->default_value(l.history_max_bytes), "");
    add("limits.http_max_body_bytes",
        po::value(&l.http_max_body_bytes)->default_value(l.http_max_body_bytes), "");
    add("limits.http_idle_timeout_s",
        po::value(&l.http_idle_timeout_s)->default_value(l.http_idle_timeout_s), "");
    add("limits.max_id_bytes", po::value(&l.max_id_bytes)->default_value(l.max_id_bytes), "");
    add("limits.max_http_connections",
        po::value(&l.max_http_connections)->default_value(l.max_http_connections), "");
    add("limits.connections_per_ip_per_second",
        po::value(&l.connections_per_ip_per_second)->default_value(l.connections_per_ip_per_second),
        "");
    add("limits.connection_burst_per_ip",
        po::value(&l.connection_burst_per_ip)->default_value(l.connection_burst_per_ip), "");
    add("limits.handshakes_per_ip_per_second",
        po::value(&l.handshakes_per_ip_per_second)->default_value(l.handshakes_per_ip_per_second),
        "");
    add("limits.handshake_burst_per_ip",
        po::value(&l.handshake_burst_per_ip)->default_value(l.handshake_burst_per_ip), "");
    add("limits.per_ip_limits_on_loopback",
        po::value(&l.per_ip_limits_on_loopback)->default_value(l.per_ip_limits_on_loopback), "");
    add("limits.max_name_bytes", po::value(&l.max_name_bytes)->default_value(l.max_name_bytes), "");

    auto& g = c.log;
    add("log.retention_events", po::value(&g.retention_events)->default_value(g.retention_events),
        "");
    add("log.retention_age_s", po::value(&g.retention_age_s)->default_value(g.retention_age_s), "");
    add("log.replay_page", po::value(&g.replay_page)->default_value(g.replay_page), "");
    add("log.idempotency_ttl_s",
        po::value(&g.idempotency_ttl_s)->default_value(g.idempotency_ttl_s), "");
    add("log.recent_cache_events",
        po::value(&g.recent_cache_events)->default_value(g.recent_cache_events), "");

    add("presence.batch_window_ms",
        po::value(&c.presence.batch_window_ms)->default_value(c.presence.batch_window_ms), "");
    add("presence.list_max_members",
        po::value(&c.presence.list_max_members)->default_value(c.presence.list_max_members), "");

    auto& st = c.store;
    add("store.sqlite_path", po::value(&st.sqlite_path)->default_value(st.sqlite_path), "");
    add("store.synchronous", po::value(&st.synchronous)->default_value(st.synchronous),
        "full|normal");
    add("store.max_batch", po::value(&st.max_batch)->default_value(st.max_batch), "");
    add("store.queue_max", po::value(&st.queue_max)->default_value(st.queue_max), "");
    add("store.checkpoint_frames",
        po::value(&st.checkpoint_frames)->default_value(st.checkpoint_frames), "");
    add("store.read_ahead_ids", po::value(&st.read_ahead_ids)->default_value(st.read_ahead_ids),
        "");
    add("store.trim_interval_s", po::value(&st.trim_interval_s)->default_value(st.trim_interval_s),
        "");

    auto& r = c.redis;
    add("redis.url", po::value(&r.url)->default_value(r.url),
        "redis://host:port (empty = embedded)");
    add("redis.connect_timeout_ms",
        po::value(&r.connect_timeout_ms)->default_value(r.connect_timeout_ms), "");
    add("redis.command_timeout_ms",
        po::value(&r.command_timeout_ms)->default_value(r.command_timeout_ms), "");
    add("redis.reconnect_min_ms", po::value(&r.reconnect_min_ms)->default_value(r.reconnect_min_ms),
        "");
    add("redis.reconnect_max_ms", po::value(&r.reconnect_max_ms)->default_value(r.reconnect_max_ms),
        "");
    add("redis.health_interval_ms",
        po::value(&r.health_interval_ms)->default_value(r.health_interval_ms), "");
    add("redis.presence_ttl_s", po::value(&r.presence_ttl_s)->default_value(r.presence_ttl_s), "");
    add("redis.startup_wait_s", po::value(&r.startup_wait_s)->default_value(r.startup_wait_s), "");
    add("redis.key_prefix", po::value(&r.key_prefix)->default_value(r.key_prefix), "");
    add("redis.cluster_max_redirects",
        po::value(&r.cluster_max_redirects)->default_value(r.cluster_max_redirects), "");
    add("redis.cluster_retry_ms", po::value(&r.cluster_retry_ms)->default_value(r.cluster_retry_ms),
        "");
    add("redis.cluster_wait_replicas",
        po::value(&r.cluster_wait_replicas)->default_value(r.cluster_wait_replicas), "");
    add("redis.cluster_wait_ms", po::value(&r.cluster_wait_ms)->default_value(r.cluster_wait_ms),
        "");

    auto& du = c.duty;
    add("duty.remind_interval_s",
        po::value(&du.remind_interval_s)->default_value(du.remind_interval_s), "");
    add("duty.max_reminders", po::value(&du.max_reminders)->default_value(du.max_reminders), "");
    add("duty.max_slots", po::value(&du.max_slots)->default_value(du.max_slots), "");
    add("duty.max_title_bytes", po::value(&du.max_title_bytes)->default_value(du.max_title_bytes),
        "");
    add("duty.max_target_groups",
        po::value(&du.max_target_groups)->default_value(du.max_target_groups), "");
    add("duty.sweep_interval_s",
        po::value(&du.sweep_interval_s)->default_value(du.sweep_interval_s), "0 = no sweep");

    auto& pu = c.push;
    for (auto [key, value] : {std::pair{"push.vapid_private_key_file", &pu.vapid_private_key_file},
                              {"push.vapid_subject", &pu.vapid_subject},
                              {"push.apns_key_file", &pu.apns_key_file},
                              {"push.apns_key_id", &pu.apns_key_id},
                              {"push.apns_team_id", &pu.apns_team_id},
                              {"push.apns_url", &pu.apns_url},
                              {"push.fcm_service_account_file", &pu.fcm_service_account_file},
                              {"push.fcm_url", &pu.fcm_url},
                              {"push.hms_app_id", &pu.hms_app_id},
                              {"push.hms_client_secret", &pu.hms_client_secret},
                              {"push.hms_url", &pu.hms_url},
                              {"push.hms_token_url", &pu.hms_token_url},
                              {"push.ca_file", &pu.ca_file}}) {
        add(key, po::value(value)->default_value(*value), "");
    }
    add("push.worker", po::value(&pu.worker)->default_value(pu.worker), "");
    add("push.allow_http_endpoints",
        po::value(&pu.allow_http_endpoints)->default_value(pu.allow_http_endpoints), "");
    for (auto [key, value] : {std::pair{"push.max_attempts", &pu.max_attempts},
                              {"push.backoff_initial_ms", &pu.backoff_initial_ms},
                              {"push.backoff_max_ms", &pu.backoff_max_ms},
                              {"push.lease_s", &pu.lease_s},
                              {"push.poll_interval_ms", &pu.poll_interval_ms},
                              {"push.batch", &pu.batch},
                              {"push.max_in_flight", &pu.max_in_flight},
                              {"push.provider_concurrency", &pu.provider_concurrency},
                              {"push.connect_timeout_ms", &pu.connect_timeout_ms},
                              {"push.request_timeout_ms", &pu.request_timeout_ms},
                              {"push.ttl_s", &pu.ttl_s},
                              {"push.outbox_chunk", &pu.outbox_chunk},
                              {"push.outbox_max_intents", &pu.outbox_max_intents},
                              {"push.outbox_max_age_s", &pu.outbox_max_age_s}}) {
        add(key, po::value(value)->default_value(*value), "");
    }

    auto& m = c.meeting;
    add("meeting.drop_grace_s", po::value(&m.drop_grace_s)->default_value(m.drop_grace_s), "");
    add("meeting.max_roll_window_s",
        po::value(&m.max_roll_window_s)->default_value(m.max_roll_window_s), "");
    add("meeting.max_agenda_items",
        po::value(&m.max_agenda_items)->default_value(m.max_agenda_items), "");
    add("meeting.default_roll_window_s",
        po::value(&m.default_roll_window_s)->default_value(m.default_roll_window_s), "");
    add("meeting.max_co_hosts", po::value(&m.max_co_hosts)->default_value(m.max_co_hosts), "");
    add("meeting.max_shared_items",
        po::value(&m.max_shared_items)->default_value(m.max_shared_items), "");
    add("meeting.max_mesh_peers", po::value(&m.max_mesh_peers)->default_value(m.max_mesh_peers),
        "");
    add("meeting.max_signal_bytes",
        po::value(&m.max_signal_bytes)->default_value(m.max_signal_bytes), "");
    add("meeting.signals_per_second",
        po::value(&m.signals_per_second)->default_value(m.signals_per_second), "");
    add("meeting.signal_burst", po::value(&m.signal_burst)->default_value(m.signal_burst), "");
    add("meeting.stun_urls", po::value(&m.stun_urls)->default_value(m.stun_urls), "");
    add("meeting.turn_urls", po::value(&m.turn_urls)->default_value(m.turn_urls), "");
    add("meeting.turn_secret", po::value(&m.turn_secret)->default_value(m.turn_secret), "");
    add("meeting.turn_ttl_s", po::value(&m.turn_ttl_s)->default_value(m.turn_ttl_s), "");
    add("meeting.sfu_url", po::value(&m.sfu_url)->default_value(m.sfu_url), "");
    add("meeting.sfu_secret", po::value(&m.sfu_secret)->default_value(m.sfu_secret), "");
    add("meeting.sfu_public_url", po::value(&m.sfu_public_url)->default_value(m.sfu_public_url),
        "");
    add("meeting.sfu_max_publishers",
        po::value(&m.sfu_max_publishers)->default_value(m.sfu_max_publishers), "");
    add("meeting.sfu_queue", po::value(&m.sfu_queue)->default_value(m.sfu_queue), "");
    add("meeting.sfu_timeout_ms", po::value(&m.sfu_timeout_ms)->default_value(m.sfu_timeout_ms),
        "");
    add("meeting.sfu_attempts", po::value(&m.sfu_attempts)->default_value(m.sfu_attempts), "");

    add("debug.manual_clock", po::value(&c.debug.manual_clock)->default_value(c.debug.manual_clock),
        "");
    add("debug.manual_clock_start_ms",
        po::value(&c.debug.manual_clock_start_ms)->default_value(c.debug.manual_clock_start_ms),
        "Unix ms the manual clock starts at (a restarted test node keeps its timeline)");
    return d;
}

// MUSTER_LIMITS_MAX_FRAME_BYTES -> limits.max_frame_bytes; the four documented short names.
std::string env_to_option(const std::string& env, const po::options_description& d) {
    static const std::pair<const char*, const char*> aliases[] = {
        {"MUSTER_LISTEN", "server.listen"},       {"MUSTER_DATA_DIR", "server.data_dir"},
        {"MUSTER_JWT_SECRET", "auth.jwt_secret"}, {"MUSTER_REDIS_URL", "redis.url"},
        {"MUSTER_LOG_LEVEL", "server.log_level"},
    };
    for (const auto& [from, to] : aliases) {
        if (env == from) return to;
    }
    static const std::string prefix = "MUSTER_";
    if (env.rfind(prefix, 0) != 0) return {};
    std::string name = env.substr(prefix.size());
    for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const auto underscore = name.find('_');
    if (underscore == std::string::npos) return {};
    name[underscore] = '.';
    return d.find_nothrow(name, false) != nullptr ? name : std::string{};
}

// Voice and video: signals must fit in an inbound frame, and a burst of the largest in half of
// a receiver's outbound queue.
Status validate_meeting_media(const Config& c) {
    auto bad = [](std::string message) {
        return Status{errc::invalid_argument, std::move(message)};
    };
    const auto& m = c.meeting;
    constexpr std::uint64_t framing = 1024;
    if (m.max_mesh_peers < 2) return bad("meeting.max_mesh_peers must be at least 2");
    if (m.max_signal_bytes == 0 || m.max_signal_bytes + framing > c.limits.max_frame_bytes) {
        return bad(
            "meeting.max_signal_bytes must be positive and, with 1 KiB of framing, fit in "
            "limits.max_frame_bytes");
    }
    if (m.signals_per_second <= 0 || m.signal_burst == 0)
        return bad("meeting.signals_per_second and meeting.signal_burst must be positive");
    if (std::uint64_t{m.signal_burst} * (m.max_signal_bytes + framing) >
        c.limits.outbound_queue_bytes / 2) {
        return bad(
            "meeting.signal_burst x (meeting.max_signal_bytes + 1 KiB) must be at most half "
            "of limits.outbound_queue_bytes");
    }
    if (!m.turn_urls.empty() && m.turn_secret.empty())
        return bad("meeting.turn_urls needs meeting.turn_secret (coturn's static-auth-secret)");
    if (!m.turn_secret.empty() && m.turn_urls.empty())
        return bad("meeting.turn_secret needs meeting.turn_urls");
    if (m.turn_ttl_s < 60) return bad("meeting.turn_ttl_s must be at least 60");
    if (!m.sfu_url.empty() && m.sfu_url.rfind("http://", 0) != 0 &&
        m.sfu_url.rfind("https://", 0) != 0)
        return bad("meeting.sfu_url must start with http:// or https://");
    if (m.sfu_url.empty() != m.sfu_secret.empty())
        return bad("meeting.sfu_url and meeting.sfu_secret go together");
    if (!m.sfu_public_url.empty() && m.sfu_public_url.rfind("http://", 0) != 0 &&
        m.sfu_public_url.rfind("https://", 0) != 0)
        return bad("meeting.sfu_public_url must start with http:// or https://");
    if (m.sfu_max_publishers < 2 || m.sfu_max_publishers > 1000)
        return bad("meeting.sfu_max_publishers must be between 2 and 1000");
    if (m.sfu_queue == 0 || m.sfu_queue > 100000)
        return bad("meeting.sfu_queue must be between 1 and 100000");
    if (m.sfu_timeout_ms < 100 || m.sfu_timeout_ms > 60000)
        return bad("meeting.sfu_timeout_ms must be between 100 and 60000");
    if (m.sfu_attempts == 0 || m.sfu_attempts > 10)
        return bad("meeting.sfu_attempts must be between 1 and 10");
    return {};
}

}  // namespace

Result<Config> load_config(int argc, const char* const* argv, bool& help, std::string& help_text) {
    Config config;
    const po::options_description d = describe(config);
    po::variables_map vm;
    try {
        // The first source to set a key wins: command line, then environment, then file.
        po::store(po::parse_command_line(argc, argv, d), vm);
        po::store(po::parse_environment(
                      d, [&d](const std::string& env) { return env_to_option(env, d); }),
                  vm);
        if (vm.count("config") != 0U) {
            const auto path = vm["config"].as<std::string>();
            std::ifstream file(path);
            if (!file) return Status{errc::invalid_argument, "cannot read config file " + path};
            po::store(po::parse_config_file(file, d), vm);
        }
        po::notify(vm);
    } catch (const po::error& e) {
        return Status{errc::invalid_argument, e.what()};
    }
    help = vm.count("help") != 0U;
    if (help) {
        std::ostringstream out;
        out << d;
        help_text = out.str();
    }
    return config;
}

bool listens_on_loopback_only(const std::string& listen) {
    const auto colon = listen.rfind(':');
    std::string host = colon == std::string::npos ? listen : listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

namespace {

// A value copied from a sample configuration: deploy/systemd/musterd.conf, the docs.
bool is_sample_secret(const std::string& secret) {
    std::string lower;
    for (char ch : secret) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return lower.find("change-me") != std::string::npos ||
           lower.find("changeme") != std::string::npos;
}

}  // namespace

Status validate(const Config& c) {
    auto bad = [](std::string message) {
        return Status{errc::invalid_argument, std::move(message)};
    };
    if (c.auth.jwt_algorithm != "HS256" && c.auth.jwt_algorithm != "RS256" &&
        c.auth.jwt_algorithm != "ES256") {
        return bad("auth.jwt_algorithm must be HS256, RS256 or ES256");
    }
    if (c.auth.jwt_algorithm == "HS256" && c.auth.jwt_secret.empty()) {
        return bad("auth.jwt_secret (MUSTER_JWT_SECRET) is required for HS256");
    }
    if (c.auth.jwt_algorithm == "HS256" && !listens_on_loopback_only(c.server.listen)) {
        if (c.auth.jwt_secret.size() < min_hs256_secret_bytes) {
            return bad("auth.jwt_secret is shorter than " + std::to_string(min_hs256_secret_bytes) +
                       " bytes: anyone could guess it and sign tokens. Generate one (openssl "
                       "rand -base64 48) or listen on loopback only");
        }
        if (is_sample_secret(c.auth.jwt_secret)) {
            return bad(
                "auth.jwt_secret is the sample value: set your own (openssl rand -base64 48)");
        }
    }
    if (c.auth.jwt_algorithm != "HS256" && c.auth.jwt_public_key_file.empty()) {
        return bad("auth.jwt_public_key_file is required for " + c.auth.jwt_algorithm);
    }
    if (c.auth.access_ttl_s < 10) return bad("auth.access_ttl_s must be at least 10");
    if (c.auth.session_idle_s < c.auth.access_ttl_s)
        return bad("auth.session_idle_s must be at least auth.access_ttl_s");
    if (c.auth.redeem_failures_per_minute == 0 || c.auth.refresh_per_minute == 0)
        return bad("auth.redeem_failures_per_minute and auth.refresh_per_minute must be positive");
    if (c.auth.max_name_chars == 0 || c.auth.max_name_chars > 256)
        return bad("auth.max_name_chars must be between 1 and 256");
    if (!c.server.public_url.empty() && c.server.public_url.rfind("http://", 0) != 0 &&
        c.server.public_url.rfind("https://", 0) != 0)
        return bad("server.public_url must start with http:// or https://");
    if (c.limits.max_frame_bytes < 256) return bad("limits.max_frame_bytes must be at least 256");
    if (c.limits.outbound_queue_bytes < c.limits.max_frame_bytes) {
        return bad("limits.outbound_queue_bytes must be at least limits.max_frame_bytes");
    }
    if (c.limits.commands_per_second <= 0)
        return bad("limits.commands_per_second must be positive");
    if (c.limits.command_burst == 0) return bad("limits.command_burst must be positive");
    if (c.limits.command_burst < c.limits.max_subscriptions + command_burst_headroom) {
        return bad("limits.command_burst (" + std::to_string(c.limits.command_burst) +
                   ") must be at least limits.max_subscriptions + " +
                   std::to_string(command_burst_headroom) + " (" +
                   std::to_string(c.limits.max_subscriptions + command_burst_headroom) +
                   "): a client subscribing to every group it may would be rate-limited");
    }
    if (c.limits.max_name_bytes == 0) return bad("limits.max_name_bytes must be positive");
    // Each mention may cost a directory read and a push: a message calls a few people by name,
    // never a whole group (that is what a duty call or a meeting is for).
    if (c.limits.max_mentions > 100) return bad("limits.max_mentions must be 0..100");
    if (c.limits.history_max_limit == 0 || c.limits.history_default_limit == 0) {
        return bad("limits.history_*_limit must be positive");
    }
    if (c.limits.history_max_bytes == 0 ||
        c.limits.history_max_bytes > c.limits.outbound_queue_bytes / 2) {
        return bad(
            "limits.history_max_bytes must be positive and at most half of "
            "limits.outbound_queue_bytes (a history page must never fill the queue)");
    }
    if (c.limits.connect_timeout_s == 0 || c.limits.idle_timeout_s == 0 ||
        c.limits.ping_interval_s == 0) {
        return bad("limits.*_timeout_s and limits.ping_interval_s must be positive");
    }
    if (c.limits.idle_timeout_s <= c.limits.ping_interval_s) {
        return bad("limits.idle_timeout_s must exceed limits.ping_interval_s");
    }
    if (c.limits.max_http_connections == 0)
        return bad("limits.max_http_connections must be positive");
    if (c.limits.connections_per_ip_per_second <= 0 || c.limits.handshakes_per_ip_per_second <= 0 ||
        c.limits.connection_burst_per_ip == 0 || c.limits.handshake_burst_per_ip == 0) {
        return bad("limits.*_per_ip_per_second and limits.*_burst_per_ip must be positive");
    }
    if (c.redis.cluster_max_redirects < 1 || c.redis.cluster_max_redirects > 16)
        return bad("redis.cluster_max_redirects must be 1..16");
    if (c.redis.cluster_retry_ms == 0 || c.redis.cluster_retry_ms >= c.redis.command_timeout_ms)
        return bad("redis.cluster_retry_ms must be positive and below redis.command_timeout_ms");
    if (c.redis.cluster_wait_replicas > 16) return bad("redis.cluster_wait_replicas must be 0..16");
    if (c.redis.cluster_wait_replicas > 0 &&
        (c.redis.cluster_wait_ms == 0 || c.redis.cluster_wait_ms >= c.redis.command_timeout_ms))
        return bad("redis.cluster_wait_ms must be positive and below redis.command_timeout_ms");
    if (c.log.replay_page == 0) return bad("log.replay_page must be positive");
    if (c.presence.list_max_members == 0 || c.presence.list_max_members > 10000)
        return bad("presence.list_max_members must be 1..10000");
    // A full presence page (ids and names at their limits, JSON's field names) must fit in the
    // outbound bound, or asking for it would close the asker as a slow consumer.
    const std::uint64_t presence_entry_bytes =
        std::uint64_t{c.limits.max_id_bytes} + 4ULL * c.auth.max_name_chars + 32;
    if (c.presence.list_max_members * presence_entry_bytes > c.limits.outbound_queue_bytes) {
        return bad(
            "presence.list_max_members x (limits.max_id_bytes + 4 x auth.max_name_chars + "
            "32) must fit in limits.outbound_queue_bytes (a presence page)");
    }
    if (c.log.retention_events == 0) return bad("log.retention_events must be positive");
    if (c.store.synchronous != "full" && c.store.synchronous != "normal") {
        return bad("store.synchronous must be full or normal");
    }
    if (c.store.max_batch == 0 || c.store.queue_max == 0)
        return bad("store.max_batch and store.queue_max must be positive");
    if (c.store.checkpoint_frames < 16 || c.store.checkpoint_frames > 1000000)
        return bad("store.checkpoint_frames must be between 16 and 1000000");
    if (c.store.read_ahead_ids > 10000000)
        return bad("store.read_ahead_ids must be at most 10000000");
    if (c.duty.max_slots == 0 || c.duty.max_title_bytes == 0 || c.duty.max_target_groups == 0)
        return bad(
            "duty.max_slots, duty.max_title_bytes and duty.max_target_groups must be positive");
    const auto& pu = c.push;
    if (pu.max_attempts == 0 || pu.lease_s == 0 || pu.poll_interval_ms == 0 || pu.batch == 0 ||
        pu.max_in_flight == 0 || pu.provider_concurrency == 0 || pu.connect_timeout_ms == 0 ||
        pu.request_timeout_ms == 0 || pu.backoff_initial_ms == 0) {
        return bad(
            "push.max_attempts, lease_s, poll_interval_ms, batch, max_in_flight, "
            "provider_concurrency, *_timeout_ms and backoff_initial_ms must be positive");
    }
    if (pu.backoff_max_ms < pu.backoff_initial_ms)
        return bad("push.backoff_max_ms must be at least push.backoff_initial_ms");
    if (pu.request_timeout_ms >= pu.lease_s * 1000ULL) {
        return bad(
            "push.request_timeout_ms must be shorter than push.lease_s (a request must "
            "end while its lease holds)");
    }
    if (pu.batch > 10000) return bad("push.batch must be at most 10000");
    if (pu.outbox_chunk == 0 || pu.outbox_chunk > 10000)
        return bad("push.outbox_chunk must be between 1 and 10000");
    if (pu.outbox_max_intents < pu.max_in_flight) {
        return bad(
            "push.outbox_max_intents must be at least push.max_in_flight (the outbox holds "
            "what is in flight)");
    }
    if (pu.outbox_max_age_s * 1000ULL <= pu.backoff_max_ms) {
        return bad(
            "push.outbox_max_age_s must be longer than push.backoff_max_ms (an intent must "
            "outlive its retries)");
    }
    if (Status s = validate_meeting_media(c); !s) return s;
    return ok_status();
}

}  // namespace muster
