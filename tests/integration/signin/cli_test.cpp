// `muster-cli invite` and `muster-cli sessions`: a coordinator invites from the terminal (with
// the QR code drawn there), a volunteer signs in with the link's code, the coordinator sees the
// device and revokes it.

#include "signin_fixture.hpp"

namespace muster::test {
namespace {

class SigninCliTest : public SigninTest {
  protected:
    // Runs muster-cli as `user` to the end; the test fails unless it exits 0. Its stdout.
    std::string run(const std::string& user, std::vector<std::string> args) {
        SpawnSpec spec;
        spec.program = bin_path("muster-cli").string();
        spec.args = std::move(args);
        spec.args.insert(spec.args.end(), {"--server", server().endpoint(), "--user", user});
        spec.env = {{"MUSTER_JWT_SECRET", server().jwt_secret()}};
        ChildProcess child;
        std::string error;
        EXPECT_TRUE(child.spawn(spec, error)) << error;
        const auto status = child.wait(default_wait);
        EXPECT_TRUE(status && status->clean()) << child.output();
        return child.output();
    }
};

TEST_P(SigninCliTest, a_coordinator_invites_and_revokes_from_the_terminal) {
    start();
    const std::string created =
        run("coord", {"invite", "create", "--group", "g1", "--uses", "3", "--expires", "2d",
                      "--note", "重华 门岗志愿者", "--qr"});
    const std::string prefix = "http://" + server().endpoint() + "/join/";
    const auto at = created.find(prefix);
    ASSERT_NE(at, std::string::npos) << created;
    const std::string code =
        created.substr(at + prefix.size(), created.find('\n', at) - at - prefix.size());
    EXPECT_NE(created.find("0/3 used"), std::string::npos) << created;
    EXPECT_NE(created.find("\u2588"), std::string::npos) << "no QR code drawn";

    const Redeemed li = redeem(code, "李明");
    ASSERT_EQ(li.status, 201) << li.body;
    EXPECT_NE(run("coord", {"invite", "list", "--group", "g1"}).find("1/3 used"),
              std::string::npos);
    const std::string devices = run("coord", {"sessions", "list", "--of", li.user});
    EXPECT_NE(devices.find(li.session), std::string::npos) << devices;
    run("coord", {"sessions", "revoke", li.session});
    EXPECT_EQ(refresh(li.refresh).status, 401);

    const auto invitation_id = created.substr(0, created.find(' '));
    run("coord", {"invite", "revoke", invitation_id});
    EXPECT_EQ(redeem(code, "王芳").status, 404);
}

INSTANTIATE_TEST_SUITE_P(Backends, SigninCliTest, testing::ValuesIn(all_backends()), backend_name);

}  // namespace
}  // namespace muster::test
