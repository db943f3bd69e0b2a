#pragma once
// Invitations and device sessions in Redis, shared by the nodes (the contract:
// features/signin/signin_store.hpp; the keys: redis/keys.hpp, under the tag {signin}).
//
// Every record is a hash {record (JSON), version}. A change reads the record and its version,
// runs the feature's rule here, then writes with record_swap (store/redis/record_scripts.hpp)
// only if the version is unchanged; otherwise it reads and runs the rule again, up to
// RecordSwap::max_attempts times (each lost attempt means another change was stored: the record is
// busy, not stuck). A redeem swaps the invitation and creates the session in the same script, so
// fifty nodes redeeming a code with ten uses store exactly ten sessions.
//
// Completions run on the Redis client's thread.

#include <functional>
#include <utility>

#include "core/clock.hpp"
#include "features/signin/signin_store.hpp"
#include "redis/client.hpp"
#include "redis/keys.hpp"

namespace muster::store {

class RedisSigninStore final : public features::signin::SigninStore {
  public:
    // `client`, `keys` and `clock` must outlive this.
    RedisSigninStore(redis::Client& client, const redis::Keys& keys, const Clock& clock)
        : client_(client), keys_(keys), clock_(clock) {}

    void add_invitation(features::signin::Invitation invitation, Done<Unit> done) override;
    void invitation(std::string id, Done<features::signin::Invitation> done) override;
    void invitations_of(std::string group,
                        Done<std::vector<features::signin::Invitation>> done) override;
    void change_invitation(std::string id, features::signin::InvitationRule rule,
                           Done<features::signin::Invitation> done) override;
    void redeem(std::string code, features::signin::InvitationRule rule,
                features::signin::DeviceSession session,
                Done<features::signin::Invitation> done) override;
    void session(std::string id, Done<features::signin::DeviceSession> done) override;
    void sessions_of(std::string user,
                     Done<std::vector<features::signin::DeviceSession>> done) override;
    void change_session(std::string id, features::signin::SessionRule rule,
                        Done<features::signin::DeviceSession> done) override;

    // One record as read: its JSON ('' when absent) and version.
    struct Stored {
        std::string json;
        std::string version;
    };
    // A write of record_swap: the record's key, the version it was read at, the new JSON.
    struct Write {
        std::string key;
        std::string version;
        std::string json;
    };
    // An index entry record_swap adds: 'h' (hash field = value) or 'z' (member, score).
    struct Index {
        std::string key;
        char kind = 'h';
        std::string field;
        std::string value;
    };

  private:
    void read(std::vector<std::string> keys, Done<std::vector<Stored>> done);
    // true: written; false: a record changed since it was read (nothing written).
    void swap(std::vector<Write> writes, std::vector<Index> indexes, Done<bool> done);
    // The records listed in a sorted-set index, oldest first.
    void listed(std::string index, std::function<std::string(const std::string&)> key_of,
                Done<std::vector<std::string>> done);
    // Runs `apply` on the record's JSON ('' when absent) until its swap holds: (whether to
    // write, the JSON after). Answers the JSON after.
    using Apply = std::function<Result<std::pair<bool, std::string>>(const std::string& json,
                                                                     std::int64_t now_ms)>;
    void change(std::string key, Apply apply, Done<std::string> done, int attempt);
    void redeem_attempt(std::string id, features::signin::InvitationRule rule,
                        features::signin::DeviceSession session,
                        Done<features::signin::Invitation> done, int attempt);

    redis::Client& client_;
    const redis::Keys& keys_;
    const Clock& clock_;
};

}  // namespace muster::store
