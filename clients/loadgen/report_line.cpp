#include "loadgen/report_line.hpp"

#include <cmath>
#include <cstdio>

namespace muster::loadgen {
namespace {

void write(std::string& out, const boost::json::value& value) {
    switch (value.kind()) {
        case boost::json::kind::object: {
            out.push_back('{');
            bool first = true;
            for (const auto& [key, item] : value.get_object()) {
                if (!first) out.push_back(',');
                first = false;
                out.append(boost::json::serialize(boost::json::string_view(key)));
                out.push_back(':');
                write(out, item);
            }
            out.push_back('}');
            break;
        }
        case boost::json::kind::array: {
            out.push_back('[');
            bool first = true;
            for (const auto& item : value.get_array()) {
                if (!first) out.push_back(',');
                first = false;
                write(out, item);
            }
            out.push_back(']');
            break;
        }
        case boost::json::kind::double_: {
            const double d = value.get_double();
            if (!std::isfinite(d)) {
                out.append("null");
                break;
            }
            char buffer[64];
            std::snprintf(buffer, sizeof buffer, "%.3f", d);
            std::string text(buffer);
            // 12.500 -> 12.5, 3.000 -> 3
            while (text.back() == '0') text.pop_back();
            if (text.back() == '.') text.pop_back();
            out.append(text);
            break;
        }
        default:
            out.append(boost::json::serialize(value));
            break;
    }
}

}  // namespace

std::string to_line(const boost::json::value& value) {
    std::string out;
    write(out, value);
    return out;
}

}  // namespace muster::loadgen
