#include "node/error_metrics.hpp"

#include <array>
#include <string>

#include "core/metrics.hpp"

namespace muster::node {

namespace {

const std::array<metrics::Counter*, 11>& counters() {
    static const auto all = [] {
        std::array<metrics::Counter*, 11> out{};
        for (int i = 0; i < 11; ++i) {
            const std::string label =
                "code=\"" + std::string(errc_name(static_cast<errc>(i))) + "\"";
            out[static_cast<std::size_t>(i)] =
                &metrics::registry().counter("muster_errors_total", "Error replies by code", label);
        }
        return out;
    }();
    return all;
}

}  // namespace

void count_error(errc code) {
    const auto index = static_cast<std::size_t>(code);
    if (index < counters().size()) counters()[index]->inc();
}

void register_error_metrics() {
    (void)counters();
}

}  // namespace muster::node
