#include "redis/reply_reader.hpp"

#include <hiredis/hiredis.h>

namespace muster::redis {

ReplyReader::ReplyReader() : reader_(redisReaderCreate()) {
    if (reader_ == nullptr) broken_ = "out of memory";
}

ReplyReader::~ReplyReader() {
    if (reader_ != nullptr) redisReaderFree(reader_);
}

bool ReplyReader::feed(const char* data, std::size_t size) {
    if (!broken_.empty()) return false;
    if (redisReaderFeed(reader_, data, size) != REDIS_OK) {
        broken_ = "out of memory";
        return false;
    }
    return true;
}

std::variant<Reply, ReplyReader::NeedMore, ReplyReader::Broken> ReplyReader::next() {
    if (!broken_.empty()) return Broken{broken_};
    void* raw = nullptr;
    if (redisReaderGetReply(reader_, &raw) != REDIS_OK) {
        broken_ = std::string("protocol error: ") + reader_->errstr;
        return Broken{broken_};
    }
    if (raw == nullptr) return NeedMore{};
    Reply reply = copy_reply(*static_cast<const redisReply*>(raw));
    freeReplyObject(raw);
    return reply;
}

}  // namespace muster::redis
