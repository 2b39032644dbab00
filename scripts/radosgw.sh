#!/usr/bin/env bash
# A throw-away Ceph radosgw (S3) on 127.0.0.1 for the storage conformance tests: one mon, one memstore OSD and
# radosgw, all state in DIR. Needs Debian's packages: apt-get install -y --no-install-recommends radosgw ceph-mon
# ceph-osd ceph-base.
#   scripts/radosgw.sh start DIR   prints RGW_ENDPOINT=…, RGW_ACCESS_KEY=…, RGW_SECRET_KEY=… (test-only keys)
#   scripts/radosgw.sh stop DIR    stops the daemons by the PIDs in DIR/run and removes DIR
# The OSD keeps every object in memory: MOVALYTICS_RADOSGW_MEMSTORE_BYTES sets its size (default 4 GiB).
set -euo pipefail

cmd=${1:-}
dir=${2:-}
if [[ -z "$cmd" || -z "$dir" ]]; then
  echo "usage: $0 start|stop DIR" >&2
  exit 2
fi

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

stop() {
  [[ -d "$dir/run" ]] || { rm -rf "$dir"; return 0; }
  local pids=()
  for f in "$dir"/run/*.pid; do
    [[ -f "$f" ]] && pids+=("$(cat "$f")")
  done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  # Give them 10 s to go, then kill the stragglers (by their own PIDs only).
  for _ in $(seq 1 100); do
    local alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [[ $alive == 0 ]] && break
    sleep 0.1
  done
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$dir"
}

fail() {
  echo "radosgw.sh: $1 (logs in $dir/log)" >&2
  for f in "$dir"/log/*.log; do [[ -f "$f" ]] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }; done
  stop
  exit 1
}

start() {
  for bin in monmaptool ceph-mon ceph-osd ceph radosgw radosgw-admin; do
    command -v "$bin" >/dev/null || {
      echo "radosgw.sh: $bin not found — apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd ceph-base" >&2
      exit 1
    }
  done
  mkdir -p "$dir"/{run,log,mon,osd/ceph-0,rgw}
  dir=$(cd "$dir" && pwd)
  local fsid mon_port rgw_port access secret conf
  fsid=$(uuidgen)
  mon_port=$(free_port)
  rgw_port=$(free_port)
  access="MOVALYTICS$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr a-f A-F)"
  secret=$(head -c 30 /dev/urandom | base64 | tr -d '/+=' | head -c 40)
  conf="$dir/ceph.conf"
  cat >"$conf" <<EOF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
# Without these radosgw fails mon authentication (get_initial_auth_request returned -13) and retries for 300 s.
ms_mon_client_mode = crc secure
ms_client_mode = crc secure
ms_cluster_mode = crc secure
ms_service_mode = crc secure
ms_mon_cluster_mode = crc secure
ms_mon_service_mode = crc secure
osd objectstore = memstore
memstore device bytes = ${MOVALYTICS_RADOSGW_MEMSTORE_BYTES:-4294967296}
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
run dir = $dir/run
pid file = $dir/run/\$name.pid
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
mon data = $dir/mon/\$name
osd data = $dir/osd/ceph-\$id
keyring = $dir/keyring
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw data = $dir/rgw
EOF
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$dir/monmap" >/dev/null
  ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" >/dev/null 2>&1 || fail "ceph-mon --mkfs failed"
  ceph-mon -c "$conf" -i a || fail "ceph-mon did not start"
  local id
  id=$(timeout 60 ceph -c "$conf" osd create 2>/dev/null) || fail "ceph osd create failed"
  ceph-osd -c "$conf" -i "$id" --mkfs >/dev/null 2>&1 || fail "ceph-osd --mkfs failed"
  ceph-osd -c "$conf" -i "$id" >/dev/null 2>&1 || fail "ceph-osd did not start"
  timeout 120 radosgw-admin -c "$conf" user create --uid movalytics --display-name movalytics \
    --access-key "$access" --secret "$secret" >/dev/null 2>&1 || fail "radosgw-admin user create failed"
  radosgw -c "$conf" -n client.rgw.a || fail "radosgw did not start"
  for _ in $(seq 1 600); do
    if curl -s -o /dev/null "http://127.0.0.1:$rgw_port/"; then
      echo "RGW_ENDPOINT=http://127.0.0.1:$rgw_port"
      echo "RGW_ACCESS_KEY=$access"
      echo "RGW_SECRET_KEY=$secret"
      return 0
    fi
    sleep 0.1
  done
  fail "radosgw did not answer on 127.0.0.1:$rgw_port within 60 s"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
