#pragma once
// How muster-cli shows events: one line each, for people or (--json) for programs.

#include <cstdint>
#include <string>

#include "muster/v1/event.pb.h"

namespace muster::cli {

// `[group #seq HH:MM:SS] sender_name: text` for chat, a one-liner of the same shape for the
// other payloads, `[group] * name joined|left` for presence.
std::string format_event(const v1::Event& event);

// The event in canonical JSON, on one line.
std::string format_event_json(const v1::Event& event);

// HH:MM:SS in local time.
std::string format_clock(std::int64_t time_ms);

}  // namespace muster::cli
