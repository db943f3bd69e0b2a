// muster-cli meeting: schedule, run, join and report on meetings (docs/PROTOCOL.md "Meetings").
//
//   muster-cli meeting schedule --group G --title T [--at TIME] [--agenda ITEM]... [--co-host U]...
//   muster-cli meeting start|leave|end|answer|raise|show ID
//   muster-cli meeting join ID          joins, prints the state, follows it until Ctrl-C, leaves
//   muster-cli meeting roll-call ID [--window S] | lower ID [--user U] | floor ID [USER]
//   muster-cli meeting share ID URL [--title T] | agenda ID INDEX
//   muster-cli meeting report ID [--format table|json|csv] [--output FILE]

#include <ctime>
#include <fstream>
#include <iostream>
#include <thread>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/format.hpp"
#include "cli/meeting_format.hpp"
#include "cli/signals.hpp"
#include "muster/codec.hpp"

namespace muster::cli {

namespace {

using namespace std::chrono_literals;
using Kind = client::Failure::Kind;

// What every action parses: the server and token, the meeting id, --json.
struct Action {
    NetworkOptions network;
    std::string meeting;
    bool json = false;
    po::options_description options;
    po::positional_options_description positional;

    explicit Action(const std::string& name) : options(make_options("muster-cli meeting " + name)) {
        options.add_options()("id", po::value(&meeting)->required(), "meeting id")(
            "json", po::bool_switch(&json), "print the reply as canonical JSON");
        positional.add("id", 1);
    }
    // Returns an exit code when the command should not run.
    std::optional<int> parse(int argc, char** argv, const std::string& usage) {
        network.add_to(options);
        po::variables_map values;
        return parse_command_line(argc, argv, options, positional, usage, values);
    }
};

// "1700000000000" (Unix ms) or local "YYYY-MM-DD HH:MM".
std::optional<std::int64_t> parse_time(const std::string& text) {
    if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos)
        return std::stoll(text);
    std::tm tm{};
    const char* end = strptime(text.c_str(), "%Y-%m-%d %H:%M", &tm);
    if (end == nullptr || *end != '\0') return std::nullopt;
    tm.tm_isdst = -1;
    const std::time_t seconds = std::mktime(&tm);
    if (seconds == -1) return std::nullopt;
    return static_cast<std::int64_t>(seconds) * 1000;
}

int print_reply(const Action& action, const v1::ServerFrame& frame) {
    v1::MeetingReply reply;
    if (auto copied = client::Session::reply_body(frame, reply); !copied)
        return report(copied.failure());
    if (action.json) {
        print_line(client::to_json(reply));
    } else {
        // A reading (meeting show) has no seq; a change that changed nothing says so.
        if (!frame.has_meeting_get()) {
            print_line(reply.seq() != 0 ? "seq " + std::to_string(reply.seq()) : "(no change)");
        }
        print_line(format_meeting(reply.state()));
    }
    return exit_ok;
}

// Sends one meeting command and prints the state it answers with.
int call_and_print(const Action& action, v1::ClientFrame frame) {
    auto session = open_session(action.network);
    if (!session) return report(session.failure());
    auto reply = session->call_checked(std::move(frame));
    if (!reply) return report(reply.failure());
    const int code = print_reply(action, *reply);
    (void)session->connection().close();
    return code;
}

// The actions that take nothing but the id.
template <class Set>
int ref_action(int argc, char** argv, const std::string& name, Set set) {
    Action action(name);
    if (auto exit = action.parse(argc, argv, "muster-cli meeting " + name + " ID")) return *exit;
    v1::ClientFrame frame;
    set(frame)->set_meeting_id(action.meeting);
    return call_and_print(action, std::move(frame));
}

int schedule(int argc, char** argv) {
    NetworkOptions network;
    std::string group;
    std::string title;
    std::string at;
    std::vector<std::string> agenda;
    std::vector<std::string> co_hosts;
    std::string client_msg_id;
    auto options = make_options("muster-cli meeting schedule");
    options.add_options()("group,g", po::value(&group)->required(), "the branch's group")(
        "title", po::value(&title)->required(), "what the meeting is")(
        "at", po::value(&at), "when: Unix ms or local \"YYYY-MM-DD HH:MM\" (default: now)")(
        "agenda", po::value(&agenda)->composing(), "an agenda item, repeatable, in order")(
        "co-host", po::value(&co_hosts)->composing(), "a member who shares host powers")(
        "id", po::value(&client_msg_id),
        "client_msg_id: scheduling again with the same id returns the first meeting");
    network.add_to(options);
    po::variables_map values;
    if (auto exit = parse_command_line(
            argc, argv, options, {},
            "muster-cli meeting schedule --group G --title T [--at TIME] [--agenda ITEM]... "
            "[--co-host USER]...",
            values)) {
        return *exit;
    }
    v1::ClientFrame frame;
    auto* command = frame.mutable_meeting_schedule();
    command->set_group(group);
    command->set_title(title);
    command->set_client_msg_id(client_msg_id);
    if (!at.empty()) {
        const auto when = parse_time(at);
        if (!when) return report("--at must be Unix ms or \"YYYY-MM-DD HH:MM\"");
        command->set_scheduled_at_ms(*when);
    }
    for (auto& item : agenda) command->add_agenda(item);
    for (auto& user : co_hosts) command->add_co_hosts(user);

    auto session = open_session(network);
    if (!session) return report(session.failure());
    auto reply = session->call_as<v1::MeetingScheduleReply>(std::move(frame));
    if (!reply) return report(reply.failure());
    print_line(reply->meeting_id());
    (void)session->connection().close();
    return exit_ok;
}

// Joins and stays: prints the snapshot, then the meeting's updates and in-session chat until
// Ctrl-C, when it leaves. A lost connection is re-established and the meeting rejoined (within
// the server's grace period the attendance goes on uninterrupted).
int join(int argc, char** argv) {
    Action action("join");
    bool once = false;
    action.options.add_options()("once", po::bool_switch(&once),
                                 "join, print the state and exit (the server then counts the "
                                 "connection as lost)");
    if (auto exit = action.parse(argc, argv, "muster-cli meeting join ID [--once]")) return *exit;
    install_stop_handlers();
    std::optional<std::uint64_t> last_seq;
    auto backoff = 100ms;
    while (!stop_requested()) {
        auto failure = [&]() -> std::optional<client::Failure> {
            auto session = open_session(action.network);
            if (!session) return std::move(session).failure();
            v1::ClientFrame get;
            get.mutable_meeting_get()->set_meeting_id(action.meeting);
            auto state = session->call_as<v1::MeetingReply>(std::move(get));
            if (!state) return std::move(state).failure();
            const std::string group = state->state().group();
            auto subscribed = session->subscribe(group, last_seq);
            if (!subscribed) return std::move(subscribed).failure();
            if (!last_seq) last_seq = subscribed->latest_seq();
            v1::ClientFrame join_frame;
            join_frame.mutable_meeting_join()->set_meeting_id(action.meeting);
            auto joined = session->call_checked(std::move(join_frame));
            if (!joined) return std::move(joined).failure();
            print_reply(action, *joined);
            backoff = 100ms;
            if (once) return std::nullopt;
            while (!stop_requested()) {
                auto event = session->next_event(250ms);
                if (!event) {
                    if (event.failure().is(Kind::timeout)) continue;
                    return std::move(event).failure();
                }
                if (event->seq() != 0 && event->seq() <= *last_seq) continue;
                if (event->seq() != 0) last_seq = event->seq();
                const bool ours =
                    (event->has_meeting() && event->meeting().meeting_id() == action.meeting) ||
                    (event->has_chat() && event->chat().meeting_id() == action.meeting);
                if (!ours) continue;
                if (!print_line(action.json ? format_event_json(*event) : format_event(*event)))
                    return std::nullopt;
                if (event->has_meeting() && event->meeting().change() == v1::MeetingUpdate::ENDED)
                    return std::nullopt;  // nothing left to follow, nor to leave
            }
            v1::ClientFrame leave;
            leave.mutable_meeting_leave()->set_meeting_id(action.meeting);
            if (auto left = session->call_checked(std::move(leave)); !left) report(left.failure());
            (void)session->connection().close(1000, "bye");
            return std::nullopt;
        }();
        if (!failure) return exit_ok;
        const bool retry =
            failure->is(Kind::io) || failure->is(Kind::closed) || failure->is(Kind::timeout) ||
            failure->is(Kind::handshake) ||
            (failure->is(Kind::server) && failure->error.code() == v1::Error::UNAVAILABLE);
        if (!retry) return report(*failure);
        report(failure->describe() + "; rejoining in " + std::to_string(backoff.count()) + " ms");
        if (!pause_unless_stopped(backoff)) break;
        backoff = std::min(backoff * 2, std::chrono::milliseconds{5000});
    }
    return exit_ok;
}

int roll_call(int argc, char** argv) {
    Action action("roll-call");
    std::uint32_t window = 0;
    action.options.add_options()("window", po::value(&window)->default_value(0),
                                 "seconds members have to answer (0: the server's default)");
    if (auto exit = action.parse(argc, argv, "muster-cli meeting roll-call ID [--window S]"))
        return *exit;
    v1::ClientFrame frame;
    frame.mutable_meeting_roll_call()->set_meeting_id(action.meeting);
    frame.mutable_meeting_roll_call()->set_window_s(window);
    return call_and_print(action, std::move(frame));
}

int lower(int argc, char** argv) {
    Action action("lower");
    std::string user;
    action.options.add_options()("user", po::value(&user), "whose hand (hosts); default: yours");
    if (auto exit = action.parse(argc, argv, "muster-cli meeting lower ID [--user U]"))
        return *exit;
    v1::ClientFrame frame;
    frame.mutable_meeting_lower_hand()->set_meeting_id(action.meeting);
    frame.mutable_meeting_lower_hand()->set_user(user);
    return call_and_print(action, std::move(frame));
}

int floor(int argc, char** argv) {
    Action action("floor");
    std::string user;
    action.options.add_options()("to", po::value(&user), "who gets the floor; none: take it back");
    action.positional.add("to", 1);
    if (auto exit = action.parse(argc, argv, "muster-cli meeting floor ID [USER]")) return *exit;
    v1::ClientFrame frame;
    frame.mutable_meeting_grant_floor()->set_meeting_id(action.meeting);
    frame.mutable_meeting_grant_floor()->set_user(user);
    return call_and_print(action, std::move(frame));
}

int share(int argc, char** argv) {
    Action action("share");
    std::string url;
    std::string title;
    action.options.add_options()("url", po::value(&url)->required(), "http(s) address")(
        "title", po::value(&title), "what it is (default: the address)");
    action.positional.add("url", 1);
    if (auto exit = action.parse(argc, argv, "muster-cli meeting share ID URL [--title T]"))
        return *exit;
    v1::ClientFrame frame;
    auto* command = frame.mutable_meeting_share();
    command->set_meeting_id(action.meeting);
    command->set_url(url);
    command->set_title(title);
    return call_and_print(action, std::move(frame));
}

int agenda(int argc, char** argv) {
    Action action("agenda");
    std::int32_t index = 0;
    action.options.add_options()("index", po::value(&index)->required(),
                                 "the agenda item to move to, from 0");
    action.positional.add("index", 1);
    if (auto exit = action.parse(argc, argv, "muster-cli meeting agenda ID INDEX")) return *exit;
    v1::ClientFrame frame;
    frame.mutable_meeting_set_agenda_item()->set_meeting_id(action.meeting);
    frame.mutable_meeting_set_agenda_item()->set_index(index);
    return call_and_print(action, std::move(frame));
}

int attendance(int argc, char** argv) {
    Action action("report");
    std::string format;
    std::string output;
    action.options.add_options()("format", po::value(&format)->default_value("table"),
                                 "table, json or csv")("output,o", po::value(&output),
                                                       "write to this file instead of stdout");
    if (auto exit = action.parse(
            argc, argv, "muster-cli meeting report ID [--format table|json|csv] [--output FILE]")) {
        return *exit;
    }
    if (format != "table" && format != "json" && format != "csv")
        return report("--format must be table, json or csv");
    auto token = action.network.resolve_token(/*required=*/true);
    if (!token) return report(token.failure());
    client::HttpRequest request;
    request.target = "/api/v1/meetings/" + action.meeting +
                     "/attendance?format=" + (format == "csv" ? "csv" : "json");
    request.bearer_token = *token;
    auto response = action.network.http(std::move(request));
    if (!response) return report(response.failure());
    if (response->status != 200) {
        v1::Error error;
        if (client::from_json(response->body, error))
            return report(client::Failure::from_error(error));
        return report("HTTP " + std::to_string(response->status));
    }
    std::string body = response->body;
    if (format == "table") {
        v1::AttendanceReport parsed;
        if (auto ok = client::from_json(body, parsed); !ok) return report(ok.failure());
        body = format_attendance(parsed) + "\n";
    }
    if (output.empty()) {
        std::cout << body;
        std::cout.flush();
        return std::cout ? exit_ok : exit_failure;
    }
    std::ofstream file(output, std::ios::binary);
    file << body;
    if (!file) return report("cannot write " + output);
    std::cerr << "muster-cli: wrote " << output << '\n';
    return exit_ok;
}

struct Sub {
    std::string_view name;
    std::string_view summary;
    int (*run)(int argc, char** argv);
};

const Sub subcommands[] = {
    {"schedule", "schedule a meeting for a group (coordinators)", schedule},
    {"start", "start a scheduled meeting (hosts)",
     [](int c, char** v) {
         return ref_action(c, v, "start",
                           [](v1::ClientFrame& f) { return f.mutable_meeting_start(); });
     }},
    {"join", "join, follow the meeting until Ctrl-C, then leave", join},
    {"leave", "leave a meeting",
     [](int c, char** v) {
         return ref_action(c, v, "leave",
                           [](v1::ClientFrame& f) { return f.mutable_meeting_leave(); });
     }},
    {"end", "end a meeting (hosts)",
     [](int c, char** v) {
         return ref_action(c, v, "end", [](v1::ClientFrame& f) { return f.mutable_meeting_end(); });
     }},
    {"show", "print a meeting's state without joining",
     [](int c, char** v) {
         return ref_action(c, v, "show",
                           [](v1::ClientFrame& f) { return f.mutable_meeting_get(); });
     }},
    {"roll-call", "call the roll (hosts)", roll_call},
    {"answer", "answer the roll",
     [](int c, char** v) {
         return ref_action(c, v, "answer",
                           [](v1::ClientFrame& f) { return f.mutable_meeting_answer_roll(); });
     }},
    {"raise", "raise your hand",
     [](int c, char** v) {
         return ref_action(c, v, "raise",
                           [](v1::ClientFrame& f) { return f.mutable_meeting_raise_hand(); });
     }},
    {"lower", "lower your hand (or, hosts, someone's)", lower},
    {"floor", "give someone the floor (hosts)", floor},
    {"share", "share a link: a video, a document (hosts)", share},
    {"agenda", "move to an agenda item (hosts)", agenda},
    {"report", "print or save the attendance report (hosts, coordinators)", attendance},
};

void usage(std::FILE* out) {
    std::fputs("usage: muster-cli meeting <action> [options]   (... <action> --help)\n\nactions:\n",
               out);
    for (const auto& sub : subcommands) {
        std::fprintf(out, "  %-10.*s %.*s\n", static_cast<int>(sub.name.size()), sub.name.data(),
                     static_cast<int>(sub.summary.size()), sub.summary.data());
    }
}

}  // namespace

int run_meeting(int argc, char** argv) {
    if (argc < 2) {
        usage(stderr);
        return exit_usage;
    }
    const std::string_view name = argv[1];
    if (name == "--help" || name == "-h" || name == "help") {
        usage(stdout);
        return exit_ok;
    }
    for (const auto& sub : subcommands) {
        if (sub.name == name) return sub.run(argc - 1, argv + 1);
    }
    std::fprintf(stderr, "muster-cli meeting: unknown action '%s'\n\n", argv[1]);
    usage(stderr);
    return exit_usage;
}

}  // namespace muster::cli
