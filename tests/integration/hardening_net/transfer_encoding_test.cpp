// Transfer-Encoding other than chunked is answered (400 when the body's end is unknown, 501
// for codings we do not decode) and the connection closed: the bytes after the headers never
// run as a second request (request smuggling behind a permissive proxy).

#include "net_fixture.hpp"

namespace muster::test {
namespace {

class TransferEncodingTest : public NetTest {};

// A POST whose "body" is a complete second request, as a smuggler sends it.
std::string smuggling(const std::string& transfer_encoding_lines) {
    const std::string inner = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    return "POST /api/v1/groups/g/messages HTTP/1.1\r\nHost: x\r\n" + transfer_encoding_lines +
           "Content-Type: application/json\r\n\r\n" + inner;
}

TEST_F(TransferEncodingTest, a_last_coding_other_than_chunked_is_400_and_nothing_runs_after) {
    start();
    for (const std::string te :
         {"Transfer-Encoding: gzip\r\n", "Transfer-Encoding: identity\r\n",
          "Transfer-Encoding: chunked, gzip\r\n",
          "Transfer-Encoding: gzip\r\nContent-Length: 0\r\n", "Transfer-Encoding: \r\n"}) {
        const RawHttp reply = raw_http(server(), smuggling(te));
        EXPECT_TRUE(reply.eof) << te;
        EXPECT_EQ(reply.statuses(), std::vector<int>{400}) << te << reply.all;
    }
}

TEST_F(TransferEncodingTest, codings_before_chunked_are_501) {
    start();
    for (const std::string te : {"Transfer-Encoding: gzip, chunked\r\n",
                                 "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"}) {
        const RawHttp reply = raw_http(server(), smuggling(te) + "0\r\n\r\n");
        EXPECT_TRUE(reply.eof) << te;
        EXPECT_EQ(reply.statuses(), std::vector<int>{501}) << te << reply.all;
    }
}

TEST_F(TransferEncodingTest, chunked_alone_still_works) {
    start();
    const std::string body = R"({"name":"g"})";
    char size[16];
    std::snprintf(size, sizeof size, "%zx", body.size());
    const RawHttp reply =
        raw_http(server(), "PUT /api/v1/groups/g HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                               server().admin_token() +
                               "\r\nContent-Type: application/json\r\nTransfer-Encoding: "
                               "chunked\r\nConnection: close\r\n\r\n" +
                               size + "\r\n" + body + "\r\n0\r\n\r\n");
    ASSERT_EQ(reply.statuses().size(), 1U) << reply.all;
    EXPECT_LT(reply.statuses()[0], 300) << reply.all;
}

}  // namespace
}  // namespace muster::test
