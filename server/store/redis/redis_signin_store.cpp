#include "store/redis/redis_signin_store.hpp"

#include <utility>

#include "core/secrets.hpp"
#include "store/redis/lua_call.hpp"
#include "store/redis/record_scripts.hpp"

namespace muster::store {

namespace signin = features::signin;
using signin::DeviceSession;
using signin::Invitation;

namespace {

constexpr bool wait_for_connection = true;

Status busy() {
    return {errc::unavailable, "the record keeps changing: try again"};
}

Status no_such(const char* what) {
    return {errc::not_found, std::string("no such ") + what};
}

// A rule on a decoded record, as the generic change() runs it.
template <class T, class Decode, class Rule>
Result<std::pair<bool, std::string>> run_rule(const std::string& json, std::int64_t now,
                                              const char* what, Decode decode, Rule& rule) {
    if (json.empty()) return no_such(what);
    Result<T> record = decode(json);
    if (!record) return record.status();
    Result<bool> changed = rule(*record, now);
    if (!changed) return changed.status();
    return std::pair<bool, std::string>{*changed, *changed ? signin::encode(*record) : json};
}

}  // namespace

// ---- the generic parts ------------------------------------------------------------------------

void RedisSigninStore::read(std::vector<std::string> keys, Done<std::vector<Stored>> done) {
    if (keys.empty()) {
        done(std::vector<Stored>{});
        return;
    }
    RecordsRead read{.records = std::move(keys), .lists = {}};
    std::move(read).run(client_, [done = std::move(done)](Result<RecordsRead::Outcome> got) {
        if (!got) {
            done(got.status());
            return;
        }
        std::vector<Stored> out(got->records.size());
        for (std::size_t i = 0; i < out.size(); ++i) {
            out[i].json = std::move(got->records[i].value);
            out[i].version = std::move(got->records[i].version);
        }
        done(std::move(out));
    });
}

void RedisSigninStore::swap(std::vector<Write> writes, std::vector<Index> indexes,
                            Done<bool> done) {
    RecordSwap swap;
    for (auto& w : writes) {
        swap.records.push_back({std::move(w.key), std::move(w.version), std::move(w.json)});
    }
    for (auto& i : indexes) {
        swap.indexes.push_back({std::move(i.key), i.kind, std::move(i.field), std::move(i.value)});
    }
    std::move(swap).run(client_, keys_,
                        [done = std::move(done)](Result<RecordSwap::Outcome> outcome) {
                            if (!outcome) {
                                done(outcome.status());
                            } else {
                                done(outcome->kind == RecordSwap::Outcome::Kind::written);
                            }
                        });
}

void RedisSigninStore::change(std::string key, Apply apply, Done<std::string> done, int attempt) {
    if (attempt >= RecordSwap::max_attempts) {
        done(busy());
        return;
    }
    read({key}, [this, key, apply = std::move(apply), done = std::move(done),
                 attempt](Result<std::vector<Stored>> stored) mutable {
        if (!stored) {
            done(stored.status());
            return;
        }
        Stored& read = (*stored)[0];
        auto after = apply(read.json, clock_.now_ms());
        if (!after) {
            done(after.status());
            return;
        }
        if (!after->first) {
            done(std::move(after->second));
            return;
        }
        std::string json = after->second;
        swap({Write{key, read.version, std::move(after->second)}}, {},
             [this, key, apply = std::move(apply), done = std::move(done), attempt,
              json = std::move(json)](Result<bool> swapped) mutable {
                 if (!swapped) {
                     done(swapped.status());
                 } else if (*swapped) {
                     done(std::move(json));
                 } else {
                     change(std::move(key), std::move(apply), std::move(done), attempt + 1);
                 }
             });
    });
}

void RedisSigninStore::listed(std::string index,
                              std::function<std::string(const std::string&)> key_of,
                              Done<std::vector<std::string>> done) {
    client_.command(
        {"ZRANGE", std::move(index), "0", "-1"},
        [this, key_of = std::move(key_of), done = std::move(done)](Result<redis::Reply> reply) {
            if (!reply) {
                done(reply.status());
                return;
            }
            std::vector<std::string> keys;
            for (const auto& id : reply->elements) keys.push_back(key_of(id.str));
            read(std::move(keys), [done](Result<std::vector<Stored>> stored) {
                if (!stored) {
                    done(stored.status());
                    return;
                }
                std::vector<std::string> out;
                for (auto& s : *stored) {
                    if (!s.json.empty()) out.push_back(std::move(s.json));
                }
                done(std::move(out));
            });
        },
        wait_for_connection);
}

// ---- invitations ----------------------------------------------------------------------------

void RedisSigninStore::add_invitation(Invitation invitation, Done<Unit> done) {
    std::vector<Write> writes{
        {keys_.signin_invitation(invitation.id), "", signin::encode(invitation)}};
    std::vector<Index> indexes{
        {keys_.signin_codes(), 'h', sha256_hex(invitation.code), invitation.id},
        {keys_.signin_group(invitation.group), 'z', invitation.id,
         std::to_string(invitation.created_ms)}};
    swap(std::move(writes), std::move(indexes), [done = std::move(done)](Result<bool> swapped) {
        if (!swapped) {
            done(swapped.status());
        } else if (!*swapped) {
            done(Status{errc::conflict, "the invitation exists"});
        } else {
            done(Unit{});
        }
    });
}

void RedisSigninStore::invitation(std::string id, Done<Invitation> done) {
    read({keys_.signin_invitation(id)},
         [done = std::move(done)](Result<std::vector<Stored>> stored) {
             if (!stored) {
                 done(stored.status());
             } else if ((*stored)[0].json.empty()) {
                 done(no_such("invitation"));
             } else {
                 done(signin::decode_invitation((*stored)[0].json));
             }
         });
}

void RedisSigninStore::invitations_of(std::string group, Done<std::vector<Invitation>> done) {
    listed(
        keys_.signin_group(group),
        [this](const std::string& id) { return keys_.signin_invitation(id); },
        [done = std::move(done)](Result<std::vector<std::string>> records) {
            if (!records) {
                done(records.status());
                return;
            }
            std::vector<Invitation> out;
            for (const auto& json : *records) {
                auto invitation = signin::decode_invitation(json);
                if (!invitation) {
                    done(invitation.status());
                    return;
                }
                out.push_back(std::move(*invitation));
            }
            done(std::move(out));
        });
}

void RedisSigninStore::change_invitation(std::string id, signin::InvitationRule rule,
                                         Done<Invitation> done) {
    Apply apply = [rule = std::move(rule)](const std::string& json, std::int64_t now) {
        auto as_change = [&rule](Invitation& i, std::int64_t at) -> Result<bool> {
            if (Status s = rule(i, at); !s) return s;
            return true;
        };
        return run_rule<Invitation>(json, now, "invitation", signin::decode_invitation, as_change);
    };
    change(
        keys_.signin_invitation(id), std::move(apply),
        [done = std::move(done)](Result<std::string> json) {
            if (!json) {
                done(json.status());
            } else {
                done(signin::decode_invitation(*json));
            }
        },
        0);
}

void RedisSigninStore::redeem(std::string code, signin::InvitationRule rule, DeviceSession session,
                              Done<Invitation> done) {
    client_.command(
        {"HGET", keys_.signin_codes(), sha256_hex(code)},
        [this, rule = std::move(rule), session = std::move(session),
         done = std::move(done)](Result<redis::Reply> reply) mutable {
            if (!reply) {
                done(reply.status());
                return;
            }
            if (!reply->is_string()) {
                done(no_such("invitation"));
                return;
            }
            redeem_attempt(std::move(reply->str), std::move(rule), std::move(session),
                           std::move(done), 0);
        },
        wait_for_connection);
}

void RedisSigninStore::redeem_attempt(std::string id, signin::InvitationRule rule,
                                      DeviceSession session, Done<Invitation> done, int attempt) {
    if (attempt >= RecordSwap::max_attempts) {
        done(busy());
        return;
    }
    read({keys_.signin_invitation(id)},
         [this, id, rule = std::move(rule), session = std::move(session), done = std::move(done),
          attempt](Result<std::vector<Stored>> stored) mutable {
             if (!stored) {
                 done(stored.status());
                 return;
             }
             const Stored& read = (*stored)[0];
             if (read.json.empty()) {
                 done(no_such("invitation"));
                 return;
             }
             auto invitation = signin::decode_invitation(read.json);
             if (!invitation) {
                 done(invitation.status());
                 return;
             }
             if (Status s = rule(*invitation, clock_.now_ms()); !s) {
                 done(std::move(s));
                 return;
             }
             std::vector<Write> writes{
                 {keys_.signin_invitation(id), read.version, signin::encode(*invitation)},
                 {keys_.signin_session(session.id), "", signin::encode(session)}};
             std::vector<Index> indexes{{keys_.signin_user(session.user), 'z', session.id,
                                         std::to_string(session.created_ms)}};
             swap(std::move(writes), std::move(indexes),
                  [this, id = std::move(id), rule = std::move(rule), session = std::move(session),
                   done = std::move(done), attempt,
                   invitation = std::move(*invitation)](Result<bool> swapped) mutable {
                      if (!swapped) {
                          done(swapped.status());
                      } else if (*swapped) {
                          done(std::move(invitation));
                      } else {
                          redeem_attempt(std::move(id), std::move(rule), std::move(session),
                                         std::move(done), attempt + 1);
                      }
                  });
         });
}

// ---- sessions -------------------------------------------------------------------------------

void RedisSigninStore::session(std::string id, Done<DeviceSession> done) {
    read({keys_.signin_session(id)}, [done = std::move(done)](Result<std::vector<Stored>> stored) {
        if (!stored) {
            done(stored.status());
        } else if ((*stored)[0].json.empty()) {
            done(no_such("session"));
        } else {
            done(signin::decode_session((*stored)[0].json));
        }
    });
}

void RedisSigninStore::sessions_of(std::string user, Done<std::vector<DeviceSession>> done) {
    listed(
        keys_.signin_user(user), [this](const std::string& id) { return keys_.signin_session(id); },
        [done = std::move(done)](Result<std::vector<std::string>> records) {
            if (!records) {
                done(records.status());
                return;
            }
            std::vector<DeviceSession> out;
            for (const auto& json : *records) {
                auto session = signin::decode_session(json);
                if (!session) {
                    done(session.status());
                    return;
                }
                out.push_back(std::move(*session));
            }
            done(std::move(out));
        });
}

void RedisSigninStore::change_session(std::string id, signin::SessionRule rule,
                                      Done<DeviceSession> done) {
    Apply apply = [rule = std::move(rule)](const std::string& json, std::int64_t now) {
        return run_rule<DeviceSession>(json, now, "session", signin::decode_session, rule);
    };
    change(
        keys_.signin_session(id), std::move(apply),
        [done = std::move(done)](Result<std::string> json) {
            if (!json) {
                done(json.status());
            } else {
                done(signin::decode_session(*json));
            }
        },
        0);
}

}  // namespace muster::store
