# shellcheck shell=bash
# A Jumpstart host in a network namespace, for the demo and the clone benchmark (sourced, not run).
# The namespace holds a bridge with an address; jumpstart-hostd runs inside it (its own state and
# runtime directories under $CH_WORK, the CMS enabled on the bridge), so the taps and QEMU processes
# it creates live there too. clone_host_stop undoes everything, also after a failure.
#
#   clone_host_start WORKDIR NAME   sets CH_NS CH_SOCKET CH_TOKEN CH_CMS CH_STATE CH_RUN
#   clone_host_spec FILE            writes the template's VM spec for the test guest (needs CH_GUEST)
#   clone_host_qemu_pids            pids of the QEMU processes this host started (from their pidfiles)
#   clone_host_memory PID...        "pss_kib rss_kib" summed over the pids (/proc/PID/smaps_rollup)
#   clone_host_stop                 kills its QEMUs and hostd, deletes the namespace

CH_BRIDGE=jsbr0
CH_BRIDGE_IP=10.99.0.1
CH_CMS_PORT=7070
CH_TEMPLATE_MAC=52:54:00:4a:53:01
CH_HOSTD_PID=""
CH_NS=""

ch_say() { printf '%s: %s\n' "${CH_TAG:-clone-host}" "$*" >&2; }

# clone_host_programs ROOT: sets CH_BIN, CH_CONFIGURATION (JUMPSTART_CONFIGURATION, default Release)
# and CH_JUMPSTART, the built CLI; returns 69 when it is not built.
clone_host_programs() {
  CH_BIN="$1/hostd/Programs"
  CH_CONFIGURATION=${JUMPSTART_CONFIGURATION:-Release}  # Debug: run an unreleased build
  CH_JUMPSTART="$1/hostd/Cli/bin/$CH_CONFIGURATION/net10.0/jumpstart"
  [[ -x "$CH_JUMPSTART" ]] || { ch_say "error: $CH_JUMPSTART is not built; run packaging/setup first"; return 69; }
}

# js ARGS...: the jumpstart CLI inside the host's namespace, on its control socket.
js() { ip netns exec "$CH_NS" "$CH_JUMPSTART" "$@" --socket "$CH_SOCKET"; }

clone_host_start() {
  CH_WORK=$1
  CH_NS=$2
  CH_STATE="$CH_WORK/state"
  CH_RUN="$CH_WORK/run"
  CH_SOCKET="$CH_RUN/hostd.sock"
  CH_TOKEN="$CH_STATE/cms/admin.token"
  CH_CMS="$CH_BRIDGE_IP:$CH_CMS_PORT"
  local hostd="$CH_BIN/jumpstart-hostd/bin/${CH_CONFIGURATION:-Release}/net10.0/jumpstart-hostd"
  [[ -x "$hostd" ]] || { ch_say "error: $hostd is not built; run packaging/setup"; return 69; }
  mkdir -p "$CH_STATE" "$CH_RUN"
  ip netns add "$CH_NS"
  ip -n "$CH_NS" link set lo up
  ip -n "$CH_NS" link add "$CH_BRIDGE" type bridge
  # Forward at once: STP's listening/learning delay would drop a fresh clone's first frames.
  ip -n "$CH_NS" link set "$CH_BRIDGE" type bridge forward_delay 0 stp_state 0
  ip -n "$CH_NS" address add "$CH_BRIDGE_IP/24" dev "$CH_BRIDGE"
  ip -n "$CH_NS" link set "$CH_BRIDGE" up
  cat >"$CH_WORK/hostd.json" <<JSON
{
  "Logging": { "LogLevel": { "Default": "Warning" } },
  "Hostd": { "NodeName": "$CH_NS" },
  "Vm": { "Bridge": "$CH_BRIDGE", "Accelerator": "${CH_ACCELERATOR:-auto}" },
  "Cms": { "Enabled": true, "Listen": "$CH_CMS", "DatabasePath": "$CH_STATE/cms/cms.db", "AdminTokenFile": "$CH_TOKEN" }
}
JSON
  JUMPSTART_HOSTD_CONFIG= NOTIFY_SOCKET= ip netns exec "$CH_NS" "$hostd" --config "$CH_WORK/hostd.json" \
    --state-dir "$CH_STATE" --runtime-dir "$CH_RUN" >"$CH_WORK/hostd.log" 2>&1 &
  CH_HOSTD_PID=$!
  local _
  for _ in $(seq 1 300); do
    if [[ -S "$CH_SOCKET" ]] && "$CH_JUMPSTART" status --socket "$CH_SOCKET" >/dev/null 2>&1; then return 0; fi
    kill -0 "$CH_HOSTD_PID" 2>/dev/null || { ch_say "error: jumpstart-hostd exited: $(tail -n 5 "$CH_WORK/hostd.log")"; return 69; }
    sleep 0.1
  done
  ch_say "error: jumpstart-hostd did not answer within 30 s"
  return 69
}

clone_host_spec() {
  local file=$1
  local memory append
  memory=$(jq -r '.memoryMiB' "$CH_GUEST/guest.json")
  append=$(jq -r '.cmdline' "$CH_GUEST/guest.json")
  jq -n --arg kernel "$CH_GUEST/vmlinuz" --arg initrd "$CH_GUEST/initrd.img" --arg append "$append" \
    --argjson memory "$memory" --arg mac "$CH_TEMPLATE_MAC" \
    '{memoryMiB: $memory, vcpus: 1, cpuModel: "max", kernel: $kernel, initrd: $initrd, append: $append,
      cdrom: {}, nic: {mac: $mac, pciSlot: 3}, vmGenId: true}' >"$file"
}

clone_host_qemu_pids() {
  local f pid
  for f in $(find "$CH_RUN" -name '*.pid' 2>/dev/null); do
    pid=$(cat "$f" 2>/dev/null || true)
    [[ "$pid" =~ ^[0-9]+$ ]] || continue
    # Only a live QEMU whose command line names this host's directory.
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "qemu-system.*$CH_WORK" && echo "$pid"
  done
  return 0
}

clone_host_memory() {
  local pss=0 rss=0 pid p r
  for pid in "$@"; do
    read -r p r < <(awk '/^Pss:/ {p=$2} /^Rss:/ {r=$2} END {print p+0, r+0}' "/proc/$pid/smaps_rollup" 2>/dev/null || echo "0 0")
    pss=$((pss + p)); rss=$((rss + r))
  done
  echo "$pss $rss"
}

clone_host_stop() {
  local pid
  [[ -n "$CH_NS" ]] || return 0
  if [[ -n "$CH_HOSTD_PID" ]]; then kill "$CH_HOSTD_PID" 2>/dev/null || true; wait "$CH_HOSTD_PID" 2>/dev/null || true; fi
  for pid in $(clone_host_qemu_pids); do kill -9 "$pid" 2>/dev/null || true; done
  ip netns delete "$CH_NS" 2>/dev/null || true
  CH_NS=""
}
