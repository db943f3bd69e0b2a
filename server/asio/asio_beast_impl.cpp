// The one translation unit that compiles Asio and Beast (BOOST_ASIO_SEPARATE_COMPILATION,
// BOOST_BEAST_SEPARATE_COMPILATION are set project-wide). A Beast TU costs ~40 s and ~1 GB at
// -O2 on the CI machine: every other file only instantiates the templates it uses.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
