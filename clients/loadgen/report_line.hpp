#pragma once
// The report as one JSON line, with numbers written for people: boost::json writes doubles in
// exponent form (2.4E2), which is valid JSON but hard to read in a results file.

#include <string>

#include <boost/json.hpp>

namespace muster::loadgen {

std::string to_line(const boost::json::value& value);

}  // namespace muster::loadgen
