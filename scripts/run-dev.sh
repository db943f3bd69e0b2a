#!/usr/bin/env bash
# `make run`: starts one node on the embedded defaults with the demo organisation and says how
# to talk to it. Stops with Ctrl-C (SIGINT: a graceful shutdown).
set -euo pipefail
build_dir=${1:-build}
config=${2:-deploy/muster.dev.conf}
cli="$build_dir/bin/muster-cli"
listen=${MUSTER_LISTEN:-127.0.0.1:8080}

cat <<MSG

Muster: one node on $listen, SQLite under ./var, in-process bus, demo organisation
(南京西路街道: residential areas, "two new" organisations, office branches, liaison groups).

The web app: http://$listen/ — open it signed in as a demo user with a development token, e.g.
  http://$listen/#token=\$($cli token --config $config --user wangxg)
(王晓光, coordinator of 重华: he makes invitation links for volunteers under 管理).

In other terminals:
  # a token (the dev secret is in $config)
  $cli token --config $config --user wangxg
  # 李明 listens to 重华居民区 (chonghua); 王晓光 (its coordinator) writes to it
  $cli listen --config $config --server $listen --user liming --group chonghua
  $cli send   --config $config --server $listen --user wangxg --group chonghua "今天下午门岗需要两位志愿者"
  # a duty call: 王晓光 asks for three people at the gate (it prints the call id); 李明 accepts
  $cli duty create  --config $config --server $listen --user wangxg --group chonghua \\
      --title "门岗: 登记, 测体温" --location "北门" --starts +12h --ends +16h --slots 3
  $cli duty respond --config $config --server $listen --user liming CALL_ID accept --note "我先上"
  $cli duty show    --config $config --server $listen --user wangxg CALL_ID
  # the groups, over HTTP
  $cli http   --config $config --server $listen --user zhouli GET /api/v1/groups

Demo users: zhouli (coordinator of the whole sub-district), wangxg (chonghua), maowq (yanzhong),
sunlei (lianhua), caocr (oocl-shipping), volunteers liming, zhangfang, chenwei, liuyang, zhaojing,
wangxia, hujun, xuting, heping. Add --role admin to a token to manage groups and members.

MSG
exec "$build_dir/bin/musterd" --config "$config"
