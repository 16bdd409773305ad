# shellcheck shell=bash
# A cluster of Jumpstart hosts on one machine, for the benchmarks and the demo (sourced, not run): a switch namespace
# with a bridge, every host a network namespace on a veth pair to it, each running a real jumpstart-hostd with its own
# configuration, state and runtime directories; host 0 (host-a) runs `cluster init`, the others join it with a token
# and the CA pin. With CL_BRIDGE set (clones), each host's uplink veth is a port of a bridge of that name which carries
# the host's address, so the clones' taps on every host share one L2 segment through the switch.
#
# Set before cl_network_up: CL_TAG (namespace prefix, short), CL_WORK (directory), CL_HOSTS (count), CL_JUMPSTART and
# CL_HOSTD (programs, cl_programs sets them); optional CL_SUBNET (10.78.0), CL_PORT (7443), CL_MTU (1500),
# CL_BRIDGE ("" : the address stays on the veth), CL_EXTRA_ADDRESS (CIDR added on host 0's uplink, e.g. the CMS's).
#
#   cl_programs ROOT               sets CL_JUMPSTART CL_HOSTD (Release, or JUMPSTART_CONFIGURATION); 69 when not built
#   cl_name I / cl_ns I / cl_addr I / cl_dir I / cl_uplink I     host I's cluster name, namespace, address, directory, uplink
#   cl_cli I ARGS...               the jumpstart CLI on host I's control socket
#   cl_in_ns I CMD...              a command inside host I's namespace
#   cl_network_up                  the switch and the hosts' namespaces
#   cl_hostds_start CONFIG_FN      writes CONFIG_FN I's output (JSON) as host I's hostd.json and starts every hostd
#   cl_cluster_form [INIT_ARGS...] cluster init on host 0 (with INIT_ARGS, e.g. --store etcd://...), waits until it leads
#                                  (a manager on etcd campaigns first), every other host joins; waits until all are up
#   cl_stop                        kills the hostds, CL_OTHER_PIDS and anything left in the namespaces; deletes them
# One cluster's processes and namespaces are in CL_HOSTD_PIDS, CL_OTHER_PIDS and CL_NAMESPACES: a script that runs
# several clusters at once keeps each one's copies and puts them back (with its CL_TAG and CL_WORK) before a call.
CL_SUBNET=${CL_SUBNET:-10.78.0}
CL_PORT=${CL_PORT:-7443}
CL_MTU=${CL_MTU:-1500}
CL_BRIDGE=${CL_BRIDGE:-}
CL_EXTRA_ADDRESS=${CL_EXTRA_ADDRESS:-}
CL_HOSTD_PIDS=()
CL_OTHER_PIDS=()
CL_NAMESPACES=()

cl_log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

cl_programs() {
  local configuration=${JUMPSTART_CONFIGURATION:-Release}
  CL_JUMPSTART="$1/hostd/Cli/bin/$configuration/net10.0/jumpstart"
  CL_HOSTD="$1/hostd/Programs/jumpstart-hostd/bin/$configuration/net10.0/jumpstart-hostd"
  [[ -x "$CL_JUMPSTART" && -x "$CL_HOSTD" ]] || { cl_log "error: $CL_JUMPSTART or $CL_HOSTD is not built; run packaging/setup"; return 69; }
}

cl_name() { printf 'host-%b' "\\x$(printf %x $((97 + $1)))"; }
cl_ns() { echo "$CL_TAG-h$1"; }
cl_addr() { echo "$CL_SUBNET.$((10 + $1))"; }
cl_dir() { echo "$CL_WORK/$(cl_name "$1")"; }
cl_uplink() { if [[ -n $CL_BRIDGE ]]; then echo "$CL_BRIDGE"; else echo eth0; fi; }
cl_cli() { local i=$1; shift; "$CL_JUMPSTART" "$@" --socket "$(cl_dir "$i")/run/hostd.sock"; }
cl_in_ns() { local i=$1; shift; ip netns exec "$(cl_ns "$i")" "$@"; }

cl_network_up() {
  local switch_ns="$CL_TAG-sw" i ns dev
  ip netns add "$switch_ns"
  CL_NAMESPACES+=("$switch_ns")
  ip netns exec "$switch_ns" ip link add br0 type bridge
  # Forward at once: STP's listening/learning delay would drop a fresh clone's first frames.
  ip netns exec "$switch_ns" ip link set br0 type bridge forward_delay 0 stp_state 0
  ip netns exec "$switch_ns" ip address add "$CL_SUBNET.1/24" dev br0
  ip netns exec "$switch_ns" ip link set br0 up
  ip netns exec "$switch_ns" ip link set lo up
  for ((i = 0; i < CL_HOSTS; i++)); do
    ns=$(cl_ns "$i")
    ip netns add "$ns"
    CL_NAMESPACES+=("$ns")
    ip link add eth0 netns "$ns" type veth peer name "port$i" netns "$switch_ns"
    ip netns exec "$switch_ns" ip link set "port$i" mtu "$CL_MTU"
    cl_in_ns "$i" ip link set eth0 mtu "$CL_MTU"
    ip netns exec "$switch_ns" ip link set "port$i" master br0 up
    dev=eth0
    if [[ -n $CL_BRIDGE ]]; then
      cl_in_ns "$i" ip link add "$CL_BRIDGE" type bridge
      cl_in_ns "$i" ip link set "$CL_BRIDGE" type bridge forward_delay 0 stp_state 0
      cl_in_ns "$i" ip link set "$CL_BRIDGE" mtu "$CL_MTU"
      cl_in_ns "$i" ip link set eth0 master "$CL_BRIDGE"
      cl_in_ns "$i" ip link set "$CL_BRIDGE" up
      dev=$CL_BRIDGE
    fi
    cl_in_ns "$i" ip address add "$(cl_addr "$i")/24" dev "$dev"
    ((i == 0)) && [[ -n $CL_EXTRA_ADDRESS ]] && cl_in_ns "$i" ip address add "$CL_EXTRA_ADDRESS" dev "$dev"
    cl_in_ns "$i" ip link set eth0 up
    cl_in_ns "$i" ip link set lo up
  done
}

cl_hostds_start() {
  local config_fn=$1 i dir
  for ((i = 0; i < CL_HOSTS; i++)); do
    dir=$(cl_dir "$i")
    mkdir -p "$dir/state" "$dir/run"
    "$config_fn" "$i" > "$dir/hostd.json"
    env -u JUMPSTART_HOSTD_CONFIG -u NOTIFY_SOCKET ip netns exec "$(cl_ns "$i")" \
      "$CL_HOSTD" --config "$dir/hostd.json" --state-dir "$dir/state" --runtime-dir "$dir/run" > "$dir/hostd.log" 2>&1 &
    CL_HOSTD_PIDS+=($!)
  done
  for ((i = 0; i < CL_HOSTS; i++)); do
    for _ in $(seq 600); do
      [[ -S "$(cl_dir "$i")/run/hostd.sock" ]] && cl_cli "$i" status > /dev/null 2>&1 && break
      kill -0 "${CL_HOSTD_PIDS[$i]}" 2> /dev/null || { cl_log "error: hostd of $(cl_name "$i") exited"; tail -20 "$(cl_dir "$i")/hostd.log" >&2; return 70; }
      sleep 0.2
    done
    cl_cli "$i" status > /dev/null || { cl_log "error: hostd of $(cl_name "$i") does not answer"; return 70; }
  done
}

cl_json_field() { python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }

cl_cluster_form() {
  local ca_hash token i up=0 leading=false
  ca_hash=$(cl_cli 0 cluster init "$@" --json | cl_json_field "['caHash']")
  # SQLite: no election (leading is null); etcd: the manager admits hosts once it leads.
  for _ in $(seq 150); do
    leading=$(cl_cli 0 cluster status --json | cl_json_field ".get('leading')")
    [[ $leading != False ]] && break
    sleep 0.2
  done
  [[ $leading != False ]] || { cl_log "error: the manager does not lead"; return 70; }
  for ((i = 1; i < CL_HOSTS; i++)); do
    token=$(cl_cli 0 cluster token create --ttl 1h --uses 1 --json | cl_json_field "['token']")
    cl_cli "$i" cluster join "$(cl_addr 0):$CL_PORT" --token "$token" --ca-hash "$ca_hash" --json > /dev/null
  done
  for _ in $(seq 300); do
    up=$(cl_cli 0 cluster hosts --json | python3 -c "import json, sys; print(sum(1 for h in json.load(sys.stdin) if h['state'] == 'up'))")
    ((up == CL_HOSTS)) && break
    sleep 0.5
  done
  ((up == CL_HOSTS)) || { cl_log "error: only $up of $CL_HOSTS hosts up"; return 70; }
}

cl_stop() {
  local pid ns alive
  for pid in "${CL_OTHER_PIDS[@]}"; do kill "$pid" 2> /dev/null || true; done
  for pid in "${CL_HOSTD_PIDS[@]}"; do kill -TERM "$pid" 2> /dev/null || true; done
  for _ in $(seq 100); do
    alive=0
    for pid in "${CL_HOSTD_PIDS[@]}" "${CL_OTHER_PIDS[@]}"; do kill -0 "$pid" 2> /dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for pid in "${CL_HOSTD_PIDS[@]}" "${CL_OTHER_PIDS[@]}"; do kill -KILL "$pid" 2> /dev/null || true; done
  # Anything else still running in the namespaces this run made (a QEMU, a copy, a session) goes too.
  for ns in "${CL_NAMESPACES[@]}"; do
    for pid in $(ip netns pids "$ns" 2> /dev/null); do kill -KILL "$pid" 2> /dev/null || true; done
  done
  # Only this cluster's processes: another cluster of the same script may still be running.
  for pid in "${CL_HOSTD_PIDS[@]}" "${CL_OTHER_PIDS[@]}"; do wait "$pid" 2> /dev/null || true; done
  for ns in "${CL_NAMESPACES[@]}"; do ip netns del "$ns" 2> /dev/null || true; done
  CL_HOSTD_PIDS=()
  CL_OTHER_PIDS=()
  CL_NAMESPACES=()
}
