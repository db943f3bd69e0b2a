#pragma once
// QR codes (libqrencode) for invitation links: the module matrix, as SVG for printing or a
// screen, and as text for a terminal (two rows of modules per line, with half blocks).
// Pure functions; thread-safe (libqrencode keeps no state between calls).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace muster {

struct QrCode {
    int size = 0;                    // modules per side, without the quiet zone
    std::vector<std::uint8_t> dark;  // size * size, row by row: 1 = dark module
    [[nodiscard]] bool at(int x, int y) const {
        return x >= 0 && y >= 0 && x < size && y < size && dark[y * size + x] != 0;
    }
};

// Error correction M (15 % of the code may be damaged: printed at a gate, it will be).
// INVALID_ARGUMENT when the text does not fit a QR code.
Result<QrCode> qr_encode(std::string_view text);

// A standalone SVG: one path of dark squares on white, a 4-module quiet zone, scalable.
std::string qr_svg(const QrCode& code);

// For a terminal: half blocks (▀ ▄ █ and space), dark modules drawn dark on a light
// background (the quiet zone included) so that phones read it on dark and light terminals.
std::string qr_terminal(const QrCode& code);

}  // namespace muster
