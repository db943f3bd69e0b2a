#include "loadgen/proto_wire.hpp"

namespace muster::loadgen::wire {

std::size_t varint_size(std::uint64_t value) {
    std::size_t n = 1;
    while (value >= 0x80) {
        value >>= 7;
        ++n;
    }
    return n;
}

void put_varint(std::string& out, std::uint64_t value) {
    while (value >= 0x80) {
        out.push_back(static_cast<char>((value & 0x7F) | 0x80));
        value >>= 7;
    }
    out.push_back(static_cast<char>(value));
}

void put_tag(std::string& out, std::uint32_t field, WireType type) {
    put_varint(out, (std::uint64_t{field} << 3) | type);
}

void put_bytes(std::string& out, std::uint32_t field, std::string_view bytes) {
    put_tag(out, field, length);
    put_varint(out, bytes.size());
    out.append(bytes);
}

std::size_t bytes_field_size(std::size_t n) {
    return 1 + varint_size(n) + n;
}

bool Reader::read_varint(std::uint64_t& value) {
    value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (p_ == end_) return ok_ = false;
        const auto byte = static_cast<unsigned char>(*p_++);
        value |= std::uint64_t{byte & 0x7Fu} << shift;
        if ((byte & 0x80) == 0) return true;
    }
    return ok_ = false;
}

bool Reader::next(std::uint32_t& field, WireType& type) {
    if (p_ == end_ || !ok_) return false;
    std::uint64_t tag = 0;
    if (!read_varint(tag)) return false;
    field = static_cast<std::uint32_t>(tag >> 3);
    type = static_cast<WireType>(tag & 7);
    return true;
}

bool Reader::read_bytes(std::string_view& value) {
    std::uint64_t size = 0;
    if (!read_varint(size)) return false;
    if (size > static_cast<std::uint64_t>(end_ - p_)) return ok_ = false;
    value = std::string_view(p_, static_cast<std::size_t>(size));
    p_ += size;
    return true;
}

bool Reader::skip(WireType type) {
    std::uint64_t ignored = 0;
    std::string_view bytes;
    switch (type) {
        case varint:
            return read_varint(ignored);
        case length:
            return read_bytes(bytes);
        case fixed64:
            if (end_ - p_ < 8) return ok_ = false;
            p_ += 8;
            return true;
        case fixed32:
            if (end_ - p_ < 4) return ok_ = false;
            p_ += 4;
            return true;
    }
    return ok_ = false;
}

}  // namespace muster::loadgen::wire
