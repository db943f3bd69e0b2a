// muster-cli duty: create, answer, close and look at duty calls.
//   muster-cli duty create --group chonghua --title "Gate duty" --location "North gate"
//       --starts 2024-03-15T08:00 --ends 2024-03-15T12:00 --slots 3 [--urgent] [--subgroups]
//   muster-cli duty respond CALL accept|decline [--note TEXT]
//   muster-cli duty close CALL [--cancel] [--reason TEXT]
//   muster-cli duty show CALL [--json]
//   muster-cli duty list [--group G [--subtree]] [--state OPEN] [--json]
// create, respond and close go over WebSocket (the commands of docs/PROTOCOL.md); show and list
// read the HTTP API.

#include <chrono>
#include <cstring>
#include <ctime>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/format.hpp"
#include "muster/codec.hpp"
#include "muster/http.hpp"
#include "muster/v1/error.pb.h"

namespace muster::cli {

namespace {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Unix ms from "1710489600000", "+90m" / "+2h" / "+1d" (from now), or local
// "YYYY-MM-DDTHH:MM[:SS]" / "YYYY-MM-DD HH:MM[:SS]". nullopt when it is none of these.
std::optional<std::int64_t> parse_time(const std::string& text) {
    if (text.empty()) return std::nullopt;
    if (text[0] == '+' && text.size() > 2) {
        const char unit = text.back();
        std::int64_t scale = unit == 's'   ? 1000
                             : unit == 'm' ? 60000
                             : unit == 'h' ? 3600000
                             : unit == 'd' ? 86400000
                                           : 0;
        if (scale == 0) return std::nullopt;
        try {
            std::size_t used = 0;
            const auto amount = std::stoll(text.substr(1, text.size() - 2), &used);
            if (used != text.size() - 2 || amount < 0) return std::nullopt;
            return now_ms() + amount * scale;
        } catch (const std::exception&) {
            return std::nullopt;
        }
    }
    if (text.find_first_not_of("0123456789") == std::string::npos) {
        try {
            return std::stoll(text);
        } catch (const std::exception&) {
            return std::nullopt;
        }
    }
    std::tm local{};
    const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M", &local);
    if (end == nullptr) end = strptime(text.c_str(), "%Y-%m-%d %H:%M", &local);
    if (end == nullptr) return std::nullopt;
    if (*end == ':') end = strptime(end, ":%S", &local);
    if (end == nullptr || *end != '\0') return std::nullopt;
    local.tm_isdst = -1;
    const std::time_t seconds = std::mktime(&local);
    if (seconds == -1) return std::nullopt;
    return static_cast<std::int64_t>(seconds) * 1000;
}

constexpr const char* time_help = "Unix ms, +90m / +2h / +1d from now, or YYYY-MM-DDTHH:MM";

// The HTTP API with the resolved token; a response with an error body is a failure.
client::Outcome<client::HttpResponse> http(const NetworkOptions& network,
                                           const std::string& target) {
    auto token = network.resolve_token(/*required=*/true);
    if (!token) return std::move(token).failure();
    client::HttpRequest request;
    request.method = "GET";
    request.target = target;
    request.bearer_token = *token;
    auto response = network.http(std::move(request));
    if (!response) return response;
    if (response->status >= 400) {
        v1::Error error;
        if (client::from_json(response->body, error) &&
            error.code() != v1::Error::CODE_UNSPECIFIED) {
            return client::Failure::from_error(error);
        }
        return client::Failure::make(client::Failure::Kind::io,
                                     "HTTP " + std::to_string(response->status));
    }
    return response;
}

std::string describe_tally(const v1::DutyUpdate& tally) {
    std::string text = v1::DutyCall::State_Name(tally.state()) + ", " +
                       std::to_string(tally.accepted()) + "/" + std::to_string(tally.slots()) +
                       " accepted, " + std::to_string(tally.declined()) + " declined, " +
                       std::to_string(tally.pending()) + " pending";
    if (tally.waitlisted_users_size() > 0)
        text += ", " + std::to_string(tally.waitlisted_users_size()) + " waiting";
    return text;
}

std::string describe_call(const v1::DutyCall& call) {
    std::string text = call.call_id() + " \"" + call.title() + "\"";
    if (!call.location().empty()) text += " at " + call.location();
    text += " in " + call.group() + (call.include_subgroups() ? " and its subgroups" : "");
    if (call.urgency() == v1::DutyCall::URGENT) text += ", URGENT";
    return text;
}

void print_record(const v1::DutyCallRecord& record) {
    const auto& call = record.call();
    print_line(describe_call(call));
    std::string when;
    if (call.starts_at_ms() != 0) when += "starts " + format_clock(call.starts_at_ms());
    if (call.ends_at_ms() != 0)
        when += (when.empty() ? "" : ", ") + std::string("ends ") + format_clock(call.ends_at_ms());
    when += (when.empty() ? "" : ", ") + std::string("answers until ") +
            format_clock(call.deadline_ms());
    print_line("  " + when + "; created by " + call.created_by());
    print_line("  " + describe_tally(record.tally()));
    if (!record.tally().reason().empty()) print_line("  reason: " + record.tally().reason());
    for (const auto& response : record.responses()) {
        std::string line = "  " + format_clock(response.time_ms()) + " " +
                           (response.name().empty() ? response.user() : response.name()) + " " +
                           v1::DutyRespond::Answer_Name(response.answer());
        if (response.waitlisted()) line += " (waiting list)";
        if (!response.note().empty()) line += ": " + response.note();
        print_line(line);
    }
}

int run_create(int argc, char** argv) {
    NetworkOptions network;
    std::string group;
    std::string title;
    std::string location;
    std::string description;
    std::string starts;
    std::string ends;
    std::string deadline;
    std::uint32_t slots = 1;
    bool urgent = false;
    bool subgroups = false;
    bool waitlist = false;
    std::string client_msg_id;
    auto options = make_options("muster-cli duty create");
    options.add_options()("group,g", po::value(&group)->required(), "group the call is for")(
        "title", po::value(&title)->required(), "what to do")(
        "location", po::value(&location), "where")("description", po::value(&description),
                                                   "more words")(
        "starts", po::value(&starts), time_help)("ends", po::value(&ends), time_help)(
        "deadline", po::value(&deadline), "when answers close (default: --starts)")(
        "slots", po::value(&slots)->default_value(1), "how many people")(
        "urgent", po::bool_switch(&urgent), "URGENT instead of ROUTINE")(
        "subgroups", po::bool_switch(&subgroups), "the group's whole subtree")(
        "waitlist", po::bool_switch(&waitlist), "keep late accepts on a waiting list")(
        "id", po::value(&client_msg_id),
        "client_msg_id: creating again with the same id returns the first call");
    network.add_to(options);
    po::variables_map values;
    if (auto exit = parse_command_line(argc, argv, options, {},
                                       "muster-cli duty create --group G --title T --starts WHEN "
                                       "[--ends WHEN] [--deadline WHEN] [--slots N] ...",
                                       values)) {
        return *exit;
    }
    v1::ClientFrame frame;
    auto* create = frame.mutable_duty_create();
    create->set_group(group);
    create->set_title(title);
    create->set_location(location);
    create->set_description(description);
    create->set_slots(slots);
    create->set_urgency(urgent ? v1::DutyCall::URGENT : v1::DutyCall::ROUTINE);
    create->set_include_subgroups(subgroups);
    create->set_waitlist(waitlist);
    create->set_client_msg_id(client_msg_id);
    for (auto [text, name, setter] :
         {std::tuple{&starts, "--starts", &v1::DutyCreate::set_starts_at_ms},
          std::tuple{&ends, "--ends", &v1::DutyCreate::set_ends_at_ms},
          std::tuple{&deadline, "--deadline", &v1::DutyCreate::set_deadline_ms}}) {
        if (text->empty()) continue;
        const auto ms = parse_time(*text);
        if (!ms) {
            report(std::string(name) + ": " + time_help);
            return exit_usage;
        }
        (create->*setter)(*ms);
    }
    auto session = open_session(network);
    if (!session) return report(session.failure());
    auto reply = session->call_as<v1::DutyCreateReply>(std::move(frame));
    if (!reply) return report(reply.failure());
    print_line(reply->call_id() + " (seq " + std::to_string(reply->seq()) + ")" +
               (reply->duplicate() ? " created before" : ""));
    (void)session->connection().close();
    return exit_ok;
}

int run_respond(int argc, char** argv) {
    NetworkOptions network;
    std::string call_id;
    std::string answer;
    std::string note;
    auto options = make_options("muster-cli duty respond");
    options.add_options()("call", po::value(&call_id)->required(), "the call id")(
        "answer", po::value(&answer)->required(), "accept or decline")(
        "note", po::value(&note), "a word for the coordinator");
    network.add_to(options);
    po::positional_options_description positional;
    positional.add("call", 1).add("answer", 1);
    po::variables_map values;
    if (auto exit =
            parse_command_line(argc, argv, options, positional,
                               "muster-cli duty respond CALL accept|decline [--note N]", values)) {
        return *exit;
    }
    v1::ClientFrame frame;
    auto* respond = frame.mutable_duty_respond();
    respond->set_call_id(call_id);
    if (answer == "accept" || answer == "ACCEPT") {
        respond->set_answer(v1::DutyRespond::ACCEPT);
    } else if (answer == "decline" || answer == "DECLINE") {
        respond->set_answer(v1::DutyRespond::DECLINE);
    } else {
        report("the answer is accept or decline");
        return exit_usage;
    }
    respond->set_note(note);
    auto session = open_session(network);
    if (!session) return report(session.failure());
    auto reply = session->call_as<v1::DutyRespondReply>(std::move(frame));
    if (!reply) return report(reply.failure());
    print_line((reply->waitlisted() ? "on the waiting list: " : "recorded: ") +
               describe_tally(reply->tally()) + " (seq " + std::to_string(reply->seq()) + ")");
    (void)session->connection().close();
    return exit_ok;
}

int run_close(int argc, char** argv) {
    NetworkOptions network;
    std::string call_id;
    std::string reason;
    bool cancel = false;
    auto options = make_options("muster-cli duty close");
    options.add_options()("call", po::value(&call_id)->required(), "the call id")(
        "cancel", po::bool_switch(&cancel), "CANCELLED rather than CLOSED")(
        "reason", po::value(&reason), "why, for the volunteers");
    network.add_to(options);
    po::positional_options_description positional;
    positional.add("call", 1);
    po::variables_map values;
    if (auto exit =
            parse_command_line(argc, argv, options, positional,
                               "muster-cli duty close CALL [--cancel] [--reason R]", values)) {
        return *exit;
    }
    v1::ClientFrame frame;
    auto* close = frame.mutable_duty_close();
    close->set_call_id(call_id);
    close->set_cancel(cancel);
    close->set_reason(reason);
    auto session = open_session(network);
    if (!session) return report(session.failure());
    auto reply = session->call_as<v1::DutyCloseReply>(std::move(frame));
    if (!reply) return report(reply.failure());
    print_line(describe_tally(reply->tally()) + " (seq " + std::to_string(reply->seq()) + ")");
    (void)session->connection().close();
    return exit_ok;
}

int run_show(int argc, char** argv) {
    NetworkOptions network;
    std::string call_id;
    bool json = false;
    auto options = make_options("muster-cli duty show");
    options.add_options()("call", po::value(&call_id)->required(), "the call id")(
        "json", po::bool_switch(&json), "the HTTP API's JSON as is");
    network.add_to(options);
    po::positional_options_description positional;
    positional.add("call", 1);
    po::variables_map values;
    if (auto exit = parse_command_line(argc, argv, options, positional,
                                       "muster-cli duty show CALL [--json]", values)) {
        return *exit;
    }
    auto response = http(network, "/api/v1/duty-calls/" + call_id);
    if (!response) return report(response.failure());
    if (json) {
        print_line(response->body);
        return exit_ok;
    }
    v1::DutyCallRecord record;
    if (auto parsed = client::from_json(response->body, record); !parsed)
        return report(parsed.failure());
    print_record(record);
    return exit_ok;
}

int run_list(int argc, char** argv) {
    NetworkOptions network;
    std::string group;
    std::string state;
    bool subtree = false;
    bool json = false;
    std::uint32_t limit = 0;
    auto options = make_options("muster-cli duty list");
    options.add_options()("group,g", po::value(&group), "calls sent to this group")(
        "subtree", po::bool_switch(&subtree), "and to its subgroups (coordinators)")(
        "state", po::value(&state), "OPEN, FILLED, CLOSED, CANCELLED or EXPIRED")(
        "limit", po::value(&limit)->default_value(0), "at most this many (0: server default)")(
        "json", po::bool_switch(&json), "the HTTP API's JSON as is");
    network.add_to(options);
    po::variables_map values;
    if (auto exit = parse_command_line(argc, argv, options, {},
                                       "muster-cli duty list [--group G [--subtree]] [--state S]",
                                       values)) {
        return *exit;
    }
    std::string target = "/api/v1/duty-calls?limit=" + std::to_string(limit);
    if (!group.empty()) target += "&group=" + group;
    if (subtree) target += "&subtree=true";
    if (!state.empty()) target += "&state=" + state;
    auto response = http(network, target);
    if (!response) return report(response.failure());
    if (json) {
        print_line(response->body);
        return exit_ok;
    }
    v1::DutyCallList list;
    if (auto parsed = client::from_json(response->body, list); !parsed)
        return report(parsed.failure());
    for (const auto& record : list.calls()) {
        print_line(describe_call(record.call()) + ": " + describe_tally(record.tally()));
    }
    return exit_ok;
}

}  // namespace

int run_duty(int argc, char** argv) {
    static constexpr const char* usage =
        "usage: muster-cli duty create|respond|close|show|list [options]   "
        "(muster-cli duty <sub> --help)\n";
    if (argc < 2) {
        std::cerr << usage;
        return exit_usage;
    }
    const std::string sub = argv[1];
    if (sub == "--help" || sub == "-h") {
        std::cout << usage;
        return exit_ok;
    }
    if (sub == "create") return run_create(argc - 1, argv + 1);
    if (sub == "respond") return run_respond(argc - 1, argv + 1);
    if (sub == "close") return run_close(argc - 1, argv + 1);
    if (sub == "show") return run_show(argc - 1, argv + 1);
    if (sub == "list") return run_list(argc - 1, argv + 1);
    std::cerr << "muster-cli duty: unknown subcommand '" << sub << "'\n" << usage;
    return exit_usage;
}

}  // namespace muster::cli
