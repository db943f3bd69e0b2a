#pragma once
// The subcommands of muster-cli, one file each (cmd_<name>.cpp). To add one: write its run
// function, declare it here and add a row to the table in main.cpp.

namespace muster::cli {

// Each takes the arguments after "muster-cli", argv[0] being the subcommand's name, and
// returns the process exit code.
int run_token(int argc, char** argv);
int run_send(int argc, char** argv);
int run_listen(int argc, char** argv);
int run_history(int argc, char** argv);
int run_presence(int argc, char** argv);
int run_http(int argc, char** argv);
int run_duty(int argc, char** argv);
int run_meeting(int argc, char** argv);
int run_invite(int argc, char** argv);
int run_sessions(int argc, char** argv);
int run_push(int argc, char** argv);

}  // namespace muster::cli
