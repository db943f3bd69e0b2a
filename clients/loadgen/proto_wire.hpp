#pragma once
// The few protobuf wire-format operations the hot path needs, by hand: the generated classes
// allocate a sub-message per parse for a oneof (ServerFrame.body), and a receiver parses one
// frame per delivery. Setup frames (connect, subscribe) still use the generated classes.

#include <cstdint>
#include <string>
#include <string_view>

namespace muster::loadgen::wire {

enum WireType : std::uint32_t { varint = 0, fixed64 = 1, length = 2, fixed32 = 5 };

// Bytes of `value` as a varint.
std::size_t varint_size(std::uint64_t value);
void put_varint(std::string& out, std::uint64_t value);
void put_tag(std::string& out, std::uint32_t field, WireType type);
void put_bytes(std::string& out, std::uint32_t field, std::string_view bytes);
// Size of a length-delimited field with a one-byte tag (field < 16) and `n` payload bytes.
std::size_t bytes_field_size(std::size_t n);

// A forward-only reader over one message.
class Reader {
  public:
    explicit Reader(std::string_view data) : p_(data.data()), end_(data.data() + data.size()) {}

    // The next field; false at the end or on malformed input (then ok() is false).
    bool next(std::uint32_t& field, WireType& type);
    bool read_varint(std::uint64_t& value);
    bool read_bytes(std::string_view& value);
    bool skip(WireType type);
    [[nodiscard]] bool ok() const { return ok_; }

  private:
    const char* p_;
    const char* end_;
    bool ok_ = true;
};

}  // namespace muster::loadgen::wire
