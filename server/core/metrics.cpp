#include "core/metrics.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace muster::metrics {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds))
    , counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::observe(double value) {
    std::size_t i = 0;
    while (i < bounds_.size() && value > bounds_[i]) ++i;
    counts_[i].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    sum_micro_.fetch_add(static_cast<std::int64_t>(std::llround(value * 1e6)),
                         std::memory_order_relaxed);
}

double Histogram::sum() const {
    return static_cast<double>(sum_micro_.load(std::memory_order_relaxed)) / 1e6;
}

Registry::Series& Registry::series(std::string_view name, std::string_view help, Kind kind,
                                   std::string_view labels) {
    std::lock_guard lock(mutex_);
    auto it = families_.find(name);
    if (it == families_.end()) {
        it = families_.emplace(std::string(name), Family{kind, std::string(help), {}}).first;
    } else if (it->second.kind != kind) {
        throw std::logic_error("metric " + std::string(name) + " registered with two kinds");
    }
    for (auto& s : it->second.series) {
        if (s->labels == labels) return *s;
    }
    auto& s = it->second.series.emplace_back(std::make_unique<Series>());
    s->labels = std::string(labels);
    return *s;
}

Counter& Registry::counter(std::string_view name, std::string_view help, std::string_view labels) {
    auto& s = series(name, help, Kind::counter, labels);
    std::lock_guard lock(mutex_);
    if (!s.counter) s.counter = std::make_unique<Counter>();
    return *s.counter;
}

Gauge& Registry::gauge(std::string_view name, std::string_view help, std::string_view labels) {
    auto& s = series(name, help, Kind::gauge, labels);
    std::lock_guard lock(mutex_);
    if (!s.gauge) s.gauge = std::make_unique<Gauge>();
    return *s.gauge;
}

Histogram& Registry::histogram(std::string_view name, std::string_view help,
                               std::vector<double> bounds, std::string_view labels) {
    auto& s = series(name, help, Kind::histogram, labels);
    std::lock_guard lock(mutex_);
    if (!s.histogram) s.histogram = std::make_unique<Histogram>(std::move(bounds));
    return *s.histogram;
}

Registration Registry::read_at_scrape(std::string_view name, std::string_view help, Kind kind,
                                      std::function<double()> read) {
    auto& s = series(name, help, kind, {});
    std::lock_guard lock(mutex_);
    s.read = std::move(read);
    s.owner = next_registration_++;
    return {this, std::string(name), s.owner};
}

Registration Registry::gauge_fn(std::string_view name, std::string_view help,
                                std::function<double()> read) {
    return read_at_scrape(name, help, Kind::gauge_fn, std::move(read));
}

Registration Registry::counter_fn(std::string_view name, std::string_view help,
                                  std::function<double()> read) {
    return read_at_scrape(name, help, Kind::counter_fn, std::move(read));
}

void Registry::unregister(const std::string& name, std::uint64_t id) {
    std::function<double()> dropped;  // destroyed after the lock: it may own anything
    std::lock_guard lock(mutex_);
    auto it = families_.find(name);
    if (it == families_.end()) return;
    auto& series = it->second.series;
    for (auto s = series.begin(); s != series.end(); ++s) {
        if ((*s)->owner != id) continue;
        dropped = std::move((*s)->read);
        series.erase(s);
        break;
    }
    if (series.empty()) families_.erase(it);
}

bool Registry::has(std::string_view name) const {
    std::lock_guard lock(mutex_);
    return families_.find(name) != families_.end();
}

Registration::~Registration() {
    reset();
}

Registration::Registration(Registration&& other) noexcept
    : registry_(std::exchange(other.registry_, nullptr))
    , name_(std::move(other.name_))
    , id_(std::exchange(other.id_, 0)) {}

Registration& Registration::operator=(Registration&& other) noexcept {
    if (this != &other) {
        reset();
        registry_ = std::exchange(other.registry_, nullptr);
        name_ = std::move(other.name_);
        id_ = std::exchange(other.id_, 0);
    }
    return *this;
}

void Registration::reset() {
    if (registry_ == nullptr) return;
    registry_->unregister(name_, id_);
    registry_ = nullptr;
}

std::string Registry::render() const {
    std::ostringstream out;
    out.precision(9);
    std::lock_guard lock(mutex_);
    for (const auto& [name, family] : families_) {
        static constexpr const char* types[] = {"counter", "gauge", "histogram", "gauge",
                                                "counter"};
        out << "# HELP " << name << ' ' << family.help << '\n'
            << "# TYPE " << name << ' ' << types[static_cast<int>(family.kind)] << '\n';
        for (const auto& s : family.series) {
            const std::string braces = s->labels.empty() ? "" : "{" + s->labels + "}";
            switch (family.kind) {
                case Kind::counter:
                    out << name << braces << ' ' << s->counter->value() << '\n';
                    break;
                case Kind::gauge:
                    out << name << braces << ' ' << s->gauge->value() << '\n';
                    break;
                case Kind::gauge_fn:
                case Kind::counter_fn:
                    out << name << braces << ' ' << (s->read ? s->read() : 0.0) << '\n';
                    break;
                case Kind::histogram: {
                    const auto& h = *s->histogram;
                    const std::string sep = s->labels.empty() ? "" : s->labels + ",";
                    std::uint64_t cumulative = 0;
                    for (std::size_t i = 0; i < h.bounds().size(); ++i) {
                        cumulative += h.bucket(i);
                        out << name << "_bucket{" << sep << "le=\"" << h.bounds()[i] << "\"} "
                            << cumulative << '\n';
                    }
                    cumulative += h.bucket(h.bounds().size());
                    out << name << "_bucket{" << sep << "le=\"+Inf\"} " << cumulative << '\n'
                        << name << "_sum" << braces << ' ' << h.sum() << '\n'
                        << name << "_count" << braces << ' ' << h.count() << '\n';
                    break;
                }
            }
        }
    }
    return out.str();
}

Registry& registry() {
    static Registry instance;
    return instance;
}

std::vector<double> latency_buckets() {
    return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
            0.025,   0.05,   0.1,     0.25,   0.5,   1,      2.5,   5};
}

}  // namespace muster::metrics
