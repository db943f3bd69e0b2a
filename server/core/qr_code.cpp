#include "core/qr_code.hpp"

#include <memory>
#include <qrencode.h>

namespace muster {

namespace {

constexpr int quiet_zone = 4;  // modules of white around the code (ISO/IEC 18004)

}  // namespace

Result<QrCode> qr_encode(std::string_view text) {
    const std::string copy(text);  // libqrencode wants a NUL-terminated string
    std::unique_ptr<QRcode, decltype(&QRcode_free)> encoded(
        QRcode_encodeString8bit(copy.c_str(), 0, QR_ECLEVEL_M), &QRcode_free);
    if (!encoded) return Status{errc::invalid_argument, "text too long for a QR code"};
    QrCode code;
    code.size = encoded->width;
    code.dark.resize(static_cast<std::size_t>(code.size) * static_cast<std::size_t>(code.size));
    for (std::size_t i = 0; i < code.dark.size(); ++i) code.dark[i] = encoded->data[i] & 1U;
    return code;
}

std::string qr_svg(const QrCode& code) {
    const int side = code.size + 2 * quiet_zone;
    std::string svg = R"(<?xml version="1.0" encoding="UTF-8"?>)"
                      "\n"
                      R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 )" +
                      std::to_string(side) + ' ' + std::to_string(side) +
                      R"(" shape-rendering="crispEdges">)"
                      "\n"
                      R"(<rect width="100%" height="100%" fill="#fff"/>)"
                      "\n"
                      R"(<path fill="#000" d=")";
    for (int y = 0; y < code.size; ++y) {
        for (int x = 0; x < code.size; ++x) {
            if (!code.at(x, y)) continue;
            // One run of dark modules per rectangle: shorter than one square each.
            int run = 1;
            while (code.at(x + run, y)) ++run;
            svg += 'M' + std::to_string(x + quiet_zone) + ' ' + std::to_string(y + quiet_zone) +
                   'h' + std::to_string(run) + "v1h-" + std::to_string(run) + 'z';
            x += run - 1;
        }
    }
    svg += "\"/>\n</svg>\n";
    return svg;
}

std::string qr_terminal(const QrCode& code) {
    // Light is what is printed: the terminal's glyphs draw "light" (the paper), dark modules
    // stay the background. That reverses on a light terminal, so draw with explicit colours:
    // black foreground on white background (ANSI), which both kinds of terminal show alike.
    static constexpr std::string_view upper = "\u2580";  // ▀
    static constexpr std::string_view lower = "\u2584";  // ▄
    static constexpr std::string_view full = "\u2588";   // █
    std::string out;
    for (int y = -quiet_zone; y < code.size + quiet_zone; y += 2) {
        out += "\x1b[30;47m";
        for (int x = -quiet_zone; x < code.size + quiet_zone; ++x) {
            const bool top = code.at(x, y);
            const bool bottom = code.at(x, y + 1);
            if (top && bottom)
                out += full;
            else if (top)
                out += upper;
            else if (bottom)
                out += lower;
            else
                out += ' ';
        }
        out += "\x1b[0m\n";
    }
    return out;
}

}  // namespace muster
