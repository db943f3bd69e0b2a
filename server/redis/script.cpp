#include "redis/script.hpp"

#include <memory>
#include <string_view>

#include <openssl/sha.h>

namespace muster::redis {

std::string sha1_hex(const std::string& data) {
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * SHA_DIGEST_LENGTH);
    for (const unsigned char byte : digest) {
        out.push_back(hex[byte >> 4]);
        out.push_back(hex[byte & 0xF]);
    }
    return out;
}

namespace {

// The body with every PUBLISH call made an SPUBLISH one; empty when there is none.
std::string sharded_variant(const std::string& body) {
    static constexpr std::string_view plain = "redis.call('PUBLISH',";
    static constexpr std::string_view sharded = "redis.call('SPUBLISH',";
    std::string out;
    std::size_t from = 0;
    for (auto at = body.find(plain); at != std::string::npos; at = body.find(plain, from)) {
        out.append(body, from, at - from).append(sharded);
        from = at + plain.size();
    }
    if (from == 0) return {};
    out.append(body, from, std::string::npos);
    return out;
}

}  // namespace

Script::Script(std::string body)
    : body_(std::move(body))
    , sha1_(sha1_hex(body_))
    , sharded_body_(sharded_variant(body_))
    , sharded_sha1_(sharded_body_.empty() ? std::string() : sha1_hex(sharded_body_)) {}

std::vector<std::string> Script::bodies() const {
    if (sharded_body_.empty()) return {body_};
    return {body_, sharded_body_};
}

void Script::run(Commands& connection, std::vector<std::string> keys, std::vector<std::string> args,
                 ReplyCallback done, bool wait_for_connection) const {
    // [EVALSHA|EVAL, sha|body, numkeys, keys..., args...]; the tail is kept for the fallback.
    auto tail = std::make_shared<std::vector<std::string>>();
    tail->reserve(1 + keys.size() + args.size());
    tail->push_back(std::to_string(keys.size()));
    for (auto& key : keys) tail->push_back(std::move(key));
    for (auto& arg : args) tail->push_back(std::move(arg));

    const bool sharded = !sharded_body_.empty() && connection.sharded_pubsub();
    std::vector<std::string> command;
    command.reserve(2 + tail->size());
    command.push_back("EVALSHA");
    command.push_back(sharded ? sharded_sha1_ : sha1_);
    command.insert(command.end(), tail->begin(), tail->end());
    auto on_reply = [this, &connection, tail, wait_for_connection, sharded,
                     done = std::move(done)](Result<Reply> reply) mutable {
        if (reply.ok() || reply.status().message().find("NOSCRIPT") == std::string::npos) {
            done(std::move(reply));
            return;
        }
        std::vector<std::string> eval;
        eval.reserve(2 + tail->size());
        eval.push_back("EVAL");
        eval.push_back(sharded ? sharded_body_ : body_);
        for (auto& arg : *tail) eval.push_back(std::move(arg));
        connection.command(std::move(eval), std::move(done), wait_for_connection);
    };
    connection.command(std::move(command), std::move(on_reply), wait_for_connection);
}

}  // namespace muster::redis
