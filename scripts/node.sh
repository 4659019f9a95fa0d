#!/usr/bin/env bash
# A real Kubernetes cluster on this machine, in network namespaces of its own: the control plane
# (etcd, kube-apiserver, kube-controller-manager, kube-scheduler) and one or more nodes, each a
# containerd, a kubelet and a kube-proxy, with CoreDNS as the cluster DNS and metrics-server serving
# the resource metrics API (metrics.k8s.io: `kubectl top`, HorizontalPodAutoscalers on CPU) through the
# API server's aggregation layer. Ferry's images (operator, server, redis) are imported into every
# node's containerd, so `kubectl apply -k deploy/` runs them.
#
#   scripts/node.sh up [--nodes N]     bring the cluster up (N nodes, default 2); idempotent
#   scripts/node.sh down               stop everything it started and restore the host
#   scripts/node.sh status             what runs, the nodes, the system pods and `kubectl top nodes`
#   scripts/node.sh import [IMAGE...]  (re)import images from Podman into every node (default: Ferry's)
#   scripts/node.sh kubectl ARGS...    kubectl against the cluster, from inside its network
#   scripts/node.sh exec CMD...        any command inside the cluster's network and DNS, KUBECONFIG set
#   scripts/node.sh env                print the variables (KUBECONFIG, FERRY_NODE_NETNS, ...)
#
# Addresses: every private address lives inside the namespaces this script creates. The namespace
# "ferry-node" holds the control plane, node 1 and a bridge (10.200.0.0/24) that the other nodes'
# namespaces ("ferry-node-2", ...) join by veth; node k has the address 10.200.0.k and the pod
# subnet 10.244.k.0/24; Services take 10.96.0.0/16 (kube-dns at 10.96.0.10). Clients, tests and
# kubectl reach pods and Services by running inside "ferry-node" (`exec`, `kubectl`). The machine's
# own namespace gets no address, no route and no iptables rule.
#
# Binaries come from scripts/control-plane.sh (Go modules, pinned); containerd, runc and the CNI
# plugins from Debian's packages; the pause, CoreDNS and metrics-server images are built here. The
# manifests of the add-ons are scripts/node/coredns.yaml and scripts/node/metrics-server.yaml.
# Needs root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

NETNS=ferry-node
STATE=${FERRY_NODE_STATE:-/var/lib/ferry-node}
RUN=/run/ferry-node
PKI=$STATE/pki
LOGS=$STATE/logs
KUBECONFIG_FILE=$STATE/admin.kubeconfig
CLUSTER_NET=10.200.0
POD_CIDR=10.244.0.0/16
SERVICE_CIDR=10.96.0.0/16
API_SERVICE_IP=10.96.0.1
DNS_IP=10.96.0.10
API_IP=$CLUSTER_NET.1
API_PORT=6443
PAUSE_IMAGE=registry.k8s.io/pause:3.10
COREDNS_IMAGE=localhost/ferry/coredns:1.14.1
METRICS_SERVER_IMAGE=localhost/ferry/metrics-server:0.8.0
# The images of this checkout's version (the first <version> of pom.xml: the project's); the build also tags each
# VERSION-COMMIT, which `import IMAGE` brings in by name.
FERRY_VERSION=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' pom.xml | head -n1)
FERRY_IMAGES=(localhost/ferry/operator:$FERRY_VERSION localhost/ferry/server:$FERRY_VERSION localhost/ferry/redis:7)
# Host settings the kubelet changes (protectKernelDefaults off) and the bridge plugin's forwarding.
HOST_SYSCTLS=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys
  kernel.keys.root_maxbytes net.ipv4.ip_forward)
DEFAULT_NODES=2

say() { printf '[node %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { printf '[node] ERROR: %s\n' "$*" >&2; exit 1; }
elapsed() { echo "$(( $(date +%s) - $1 )) s"; }

usage() { sed -n '2,27p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

bin_dir() { scripts/control-plane.sh --print-dir; }

node_name() { echo "ferry-node-$1"; }
node_netns() { if [ "$1" = 1 ]; then echo "$NETNS"; else echo "$NETNS-$1"; fi; }
node_ip() { echo "$CLUSTER_NET.$1"; }
node_dir() { echo "$STATE/$(node_name "$1")"; }
node_run() { echo "$RUN/$(node_name "$1")"; }
node_sock() { echo "$(node_run "$1")/containerd.sock"; }
node_count() { cat "$RUN/nodes" 2>/dev/null || echo 0; }

in_netns() { # netns cmd... : run in the namespace's network only (the mount namespace stays the host's,
  # so the kubelet's volume mounts are seen by containerd and runc)
  local ns=$1; shift
  nsenter --net="/run/netns/$ns" -- "$@"
}

ctr_node() { local k=$1; shift; ctr --address "$(node_sock "$k")" --namespace k8s.io "$@"; }

# --- processes -------------------------------------------------------------------------------------
pidfile() { echo "$RUN/pids/$1.pid"; }
alive() { local p; p=$(cat "$(pidfile "$1")" 2>/dev/null) && [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

start_daemon() { # name netns cmd... : a long-lived process in its own session, output to $LOGS/name.log
  local name=$1 ns=$2; shift 2
  mkdir -p "$RUN/pids" "$LOGS"
  # No descriptor of the caller survives in the daemon (a caller reading this script's output
  # through $(...) would otherwise wait for the daemon to end).
  (
    for fd_path in /proc/$BASHPID/fd/*; do
      fd=${fd_path##*/}
      if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi
    done
    cd /
    FERRY_DAEMON=1 exec setsid nsenter --net="/run/netns/$ns" -- "$@"
  ) </dev/null >>"$LOGS/$name.log" 2>&1 &
  echo $! > "$(pidfile "$name")"
}

stop_daemon() { # name [grace seconds]
  local name=$1 grace=${2:-10} pid
  pid=$(cat "$(pidfile "$name")" 2>/dev/null) || return 0
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 $(( grace * 10 ))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$(pidfile "$name")"
}

wait_for() { # description timeout-seconds command... : poll until the command succeeds
  local what=$1 timeout=$2 t0; shift 2
  t0=$(date +%s)
  until "$@" >/dev/null 2>&1; do
    if [ $(( $(date +%s) - t0 )) -ge "$timeout" ]; then
      die "$what: not there after ${timeout}s (logs: $LOGS)"
    fi
    sleep 0.2
  done
}

kube() { in_netns "$NETNS" "$(bin_dir)/kubectl" --kubeconfig "$KUBECONFIG_FILE" "$@"; }

# Clients (kubectl, tests, the demo) run through `ip netns exec`, which also puts /etc/netns/NAME/resolv.conf
# in place of /etc/resolv.conf: cluster DNS names (name.namespace.svc) resolve through CoreDNS, as in a pod.
write_client_resolver() {
  mkdir -p "/etc/netns/$NETNS"
  printf '# Written by scripts/node.sh: the cluster DNS for clients in the %s network namespace.\nnameserver %s\nsearch svc.cluster.local cluster.local\noptions ndots:5\n' \
    "$NETNS" "$DNS_IP" > "/etc/netns/$NETNS/resolv.conf"
}

# --- preflight --------------------------------------------------------------------------------------
DEBIAN_PACKAGES=(containerd runc containernetworking-plugins iptables conntrack socat ebtables ipset openssl gcc libc6-dev)
check_root() {
  [ "$(id -u)" = 0 ] || die "needs root (network namespaces, containerd, the kubelet's mounts and cgroups); run it as root: sudo $0 $*"
}
install_packages() {
  local missing=() pkg
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get to install them with"
  say "installing ${missing[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  # Keep the containerd package from starting a daemon of its own on /run/containerd.
  local policy_added=false
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; policy_added=true
  fi
  if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>"$STATE/apt.err"; then
    apt-get update -q >/dev/null 2>>"$STATE/apt.err" || true
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>>"$STATE/apt.err" \
      || { $policy_added && rm -f /usr/sbin/policy-rc.d; cat "$STATE/apt.err" >&2; die "could not install ${missing[*]} (apt output above)"; }
  fi
  $policy_added && rm -f /usr/sbin/policy-rc.d
  return 0
}

# --- certificates -----------------------------------------------------------------------------------
issue_cert() { # name cn org sans(comma list, may be empty) [server|client|both] [ca name, default ca]
  local name=$1 cn=$2 org=$3 sans=$4 usage=${5:-client} ca=${6:-ca} subj ext
  [ -f "$PKI/$name.crt" ] && return 0
  subj="/CN=$cn"; [ -n "$org" ] && subj="/O=$org$subj"
  case "$usage" in
    client) ext="extendedKeyUsage=clientAuth" ;;
    server) ext="extendedKeyUsage=serverAuth" ;;
    both) ext="extendedKeyUsage=serverAuth,clientAuth" ;;
  esac
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "$ext"
    [ -n "$sans" ] && echo "subjectAltName=$sans"
  } > "$PKI/$name.ext"
  openssl genrsa -out "$PKI/$name.key" 2048 2>/dev/null
  openssl req -new -key "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" -CAcreateserial \
    -days 365 -sha256 -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$PKI/$name.ext"
}

write_kubeconfig() { # file user-cert-name
  local file=$1 user=$2
  cat > "$file" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: ferry-node
    cluster:
      server: https://$API_IP:$API_PORT
      certificate-authority: $PKI/ca.crt
users:
  - name: $user
    user:
      client-certificate: $PKI/$user.crt
      client-key: $PKI/$user.key
contexts:
  - name: ferry-node
    context: {cluster: ferry-node, user: $user}
current-context: ferry-node
EOF
}

make_ca() { # name cn
  [ -f "$PKI/$1.crt" ] && return 0
  openssl genrsa -out "$PKI/$1.key" 2048 2>/dev/null
  openssl req -x509 -new -key "$PKI/$1.key" -subj "/CN=$2" -days 3650 -sha256 -out "$PKI/$1.crt" 2>/dev/null
}

make_pki() { # nodes
  local n=$1 k sans
  mkdir -p "$PKI"
  chmod 700 "$PKI"
  make_ca ca ferry-node-ca
  # The aggregation layer: the API server proxies a request for an aggregated API (metrics.k8s.io)
  # to the extension API server with the client certificate front-proxy-client, issued by a CA of its
  # own (front-proxy-ca), and names the user in X-Remote-* headers. An extension API server trusts
  # those headers only on a connection whose client certificate this CA signed, so no client
  # certificate of the cluster CA can pose as the front proxy.
  make_ca front-proxy-ca ferry-node-front-proxy-ca
  issue_cert front-proxy-client front-proxy-client "" "" client front-proxy-ca
  # metrics-server's serving certificate: the APIService verifies it with the cluster CA (caBundle).
  issue_cert metrics-server metrics-server "" \
    "DNS:metrics-server.kube-system.svc,DNS:metrics-server.kube-system.svc.cluster.local" server
  issue_cert apiserver kube-apiserver "" \
    "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:$API_SERVICE_IP,IP:$API_IP,IP:127.0.0.1" server
  issue_cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters ""
  issue_cert admin ferry-node-admin system:masters ""
  issue_cert controller-manager system:kube-controller-manager "" ""
  issue_cert scheduler system:kube-scheduler "" ""
  issue_cert kube-proxy system:kube-proxy "" ""
  [ -f "$PKI/sa.key" ] || { openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null; openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null; }
  for k in $(seq 1 "$n"); do
    issue_cert "kubelet-$k" "system:node:$(node_name "$k")" system:nodes ""
    issue_cert "kubelet-$k-serving" "$(node_name "$k")" "" "DNS:$(node_name "$k"),IP:$(node_ip "$k")" server
  done
  write_kubeconfig "$KUBECONFIG_FILE" admin
  write_kubeconfig "$STATE/controller-manager.kubeconfig" controller-manager
  write_kubeconfig "$STATE/scheduler.kubeconfig" scheduler
  write_kubeconfig "$STATE/kube-proxy.kubeconfig" kube-proxy
  for k in $(seq 1 "$n"); do write_kubeconfig "$STATE/kubelet-$k.kubeconfig" "kubelet-$k"; done
}

# --- host settings ----------------------------------------------------------------------------------
save_host_sysctls() {
  # A saved file left by a killed run holds the machine's real values: keep it.
  [ -f "$STATE/host-sysctls" ] && return 0
  local s
  for s in "${HOST_SYSCTLS[@]}"; do echo "$s=$(sysctl -n "$s")"; done > "$STATE/host-sysctls.tmp"
  mv "$STATE/host-sysctls.tmp" "$STATE/host-sysctls"
}
restore_host_sysctls() {
  [ -f "$STATE/host-sysctls" ] || return 0
  local line
  while IFS= read -r line; do
    [ -n "$line" ] && sysctl -q -w "$line" >/dev/null 2>&1 || true
  done < "$STATE/host-sysctls"
  rm -f "$STATE/host-sysctls"
}

# --- network ----------------------------------------------------------------------------------------
make_network() { # nodes
  local n=$1 k j ns
  ip netns add "$NETNS"
  in_netns "$NETNS" ip link set lo up
  in_netns "$NETNS" ip link add fnode0 type bridge
  in_netns "$NETNS" ip addr add "$(node_ip 1)/24" dev fnode0
  in_netns "$NETNS" ip link set fnode0 up
  for k in $(seq 2 "$n"); do
    ns=$(node_netns "$k")
    ip netns add "$ns"
    in_netns "$ns" ip link set lo up
    in_netns "$NETNS" ip link add "fnode0-$k" type veth peer name eth0 netns "$ns"
    in_netns "$NETNS" ip link set "fnode0-$k" master fnode0 up
    in_netns "$ns" ip addr add "$(node_ip "$k")/24" dev eth0
    in_netns "$ns" ip link set eth0 up
  done
  for k in $(seq 1 "$n"); do
    ns=$(node_netns "$k")
    in_netns "$ns" sysctl -q -w net.ipv4.ip_forward=1
    in_netns "$ns" sysctl -q -w net.bridge.bridge-nf-call-iptables=1
    # No default route: Services and the other nodes' pod subnets are the only ways out.
    local dev=eth0; [ "$k" = 1 ] && dev=fnode0
    in_netns "$ns" ip route add "$SERVICE_CIDR" dev "$dev"
    for j in $(seq 1 "$n"); do
      [ "$j" = "$k" ] || in_netns "$ns" ip route add "10.244.$j.0/24" via "$(node_ip "$j")"
    done
  done
}

# --- control plane ----------------------------------------------------------------------------------
start_control_plane() {
  local b; b=$(bin_dir)
  mkdir -p "$STATE/etcd"
  start_daemon etcd "$NETNS" "$b/etcd" --name ferry-node --data-dir "$STATE/etcd" \
    --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster ferry-node=http://127.0.0.1:2380 --log-level warn
  start_daemon kube-apiserver "$NETNS" "$b/kube-apiserver" \
    --advertise-address "$API_IP" --bind-address 0.0.0.0 --secure-port "$API_PORT" \
    --etcd-servers http://127.0.0.1:2379 \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --client-ca-file "$PKI/ca.crt" --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
    --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$PKI/ca.crt" --kubelet-preferred-address-types InternalIP \
    --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --requestheader-client-ca-file "$PKI/front-proxy-ca.crt" --requestheader-allowed-names front-proxy-client \
    --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
    --requestheader-extra-headers-prefix X-Remote-Extra- \
    --proxy-client-cert-file "$PKI/front-proxy-client.crt" --proxy-client-key-file "$PKI/front-proxy-client.key" \
    --allow-privileged=true --profiling=false --v=1
  wait_for "kube-apiserver" 90 kube get --raw /readyz
  start_daemon kube-controller-manager "$NETNS" "$b/kube-controller-manager" \
    --kubeconfig "$STATE/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$STATE/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$STATE/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --leader-elect=false --use-service-account-credentials \
    --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
    --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" --cluster-cidr "$POD_CIDR" --allocate-node-cidrs=false \
    --controllers '*,-cloud-node-lifecycle,-service-lb-controller,-node-route-controller' --v=1
  start_daemon kube-scheduler "$NETNS" "$b/kube-scheduler" \
    --kubeconfig "$STATE/scheduler.kubeconfig" \
    --authentication-kubeconfig "$STATE/scheduler.kubeconfig" \
    --authorization-kubeconfig "$STATE/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --leader-elect=false --v=1
}

# --- nodes ------------------------------------------------------------------------------------------
write_containerd_config() { # k
  local k=$1 dir run; dir=$(node_dir "$k"); run=$(node_run "$k")
  mkdir -p "$dir/containerd" "$dir/cni" "$dir/opt" "$run"
  cat > "$dir/containerd.toml" <<EOF
# Written by scripts/node.sh for $(node_name "$k").
version = 2
root = "$dir/containerd"
state = "$run/containerd"
[grpc]
  address = "$(node_sock "$k")"
[ttrpc]
  address = "$(node_sock "$k").ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # Root here lacks CAP_SYS_RESOURCE: runc cannot lower oom_score_adj below the current value.
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        BinaryName = "$(command -v runc)"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$dir/cni"
EOF
  cat > "$dir/cni/10-ferry.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "$(node_name "$k")",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$run/ipam",
        "ranges": [[{"subnet": "10.244.$k.0/24", "gateway": "10.244.$k.1"}]],
        "routes": [{"dst": "$POD_CIDR"}, {"dst": "$SERVICE_CIDR"}, {"dst": "$CLUSTER_NET.0/24"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
}

write_kubelet_config() { # k
  local k=$1 dir; dir=$(node_dir "$k")
  mkdir -p "$dir/kubelet" "$dir/pod-logs"
  cat > "$dir/kubelet.yaml" <<EOF
# Written by scripts/node.sh for $(node_name "$k").
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
tlsCertFile: $PKI/kubelet-$k-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-$k-serving.key
containerRuntimeEndpoint: unix://$(node_sock "$k")
cgroupDriver: cgroupfs
# Each node's pods under a cgroup of its own, so two kubelets never clean up each other's pods.
cgroupRoot: /$(node_name "$k")
failSwapOn: false
readOnlyPort: 0
clusterDomain: cluster.local
clusterDNS: [$DNS_IP]
resolvConf: ""
podLogsDir: $dir/pod-logs
serializeImagePulls: false
# Secret and ConfigMap volumes follow their objects within seconds (default: a minute).
syncFrequency: 10s
# The machine's disk is shared with everything else: evict only when it is really full.
evictionHard: {memory.available: "200Mi", nodefs.available: "2%", imagefs.available: "2%"}
imageGCHighThresholdPercent: 99
imageGCLowThresholdPercent: 98
shutdownGracePeriod: 0s
EOF
}

make_cgroup_root() { # k : the kubelet refuses a cgroupRoot that does not exist
  local cg; cg=$(node_name "$1")
  for ctrl in /sys/fs/cgroup/*/; do
    [ -d "$ctrl" ] && mkdir -p "$ctrl$cg"
  done
  # cpuset (cgroup v1): a new group has no CPUs and no memory nodes until given its parent's.
  if [ -f /sys/fs/cgroup/cpuset/cpuset.cpus ]; then
    cat /sys/fs/cgroup/cpuset/cpuset.cpus > "/sys/fs/cgroup/cpuset/$cg/cpuset.cpus"
    cat /sys/fs/cgroup/cpuset/cpuset.mems > "/sys/fs/cgroup/cpuset/$cg/cpuset.mems"
  fi
}

start_node() { # k
  local k=$1 ns name b; ns=$(node_netns "$k"); name=$(node_name "$k"); b=$(bin_dir)
  make_cgroup_root "$k"
  write_containerd_config "$k"
  write_kubelet_config "$k"
  start_daemon "containerd-$k" "$ns" containerd --config "$(node_dir "$k")/containerd.toml"
  wait_for "containerd of $name" 60 ctr_node "$k" version
  # A clean slate: containers and sandboxes of an earlier run are gone with their pods.
  local ids
  ids=$(ctr_node "$k" containers ls -q 2>/dev/null || true)
  [ -n "$ids" ] && ctr_node "$k" containers rm $ids >/dev/null 2>&1 || true
  import_images "$k" "$PAUSE_IMAGE" "$COREDNS_IMAGE" "$METRICS_SERVER_IMAGE" "${IMPORT_IMAGES[@]}"
  start_daemon "kubelet-$k" "$ns" "$b/kubelet" --config "$(node_dir "$k")/kubelet.yaml" \
    --kubeconfig "$STATE/kubelet-$k.kubeconfig" --root-dir "$(node_dir "$k")/kubelet" \
    --hostname-override "$name" --node-ip "$(node_ip "$k")" --v=1
  cat > "$(node_dir "$k")/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $STATE/kube-proxy.kubeconfig}
mode: iptables
clusterCIDR: $POD_CIDR
hostnameOverride: $name
bindAddress: $(node_ip "$k")
metricsBindAddress: 127.0.0.1:10249
healthzBindAddress: 127.0.0.1:10256
nodePortAddresses: ["$(node_ip "$k")/32"]
# Zero: leave the machine's conntrack sysctls alone.
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
  start_daemon "kube-proxy-$k" "$ns" "$b/kube-proxy" --config "$(node_dir "$k")/kube-proxy.yaml" --v=1
}

# --- images -----------------------------------------------------------------------------------------
build_pause_image() {
  podman image exists "$PAUSE_IMAGE" && return 0
  local dir="$STATE/build/pause"
  rm -rf "$dir"; mkdir -p "$dir/root"
  gcc -static -Os -o "$dir/root/pause" scripts/node/pause.c
  tar --numeric-owner -C "$dir/root" -cf - . | podman import --quiet \
    --change 'ENTRYPOINT ["/pause"]' --change 'USER 65535:65535' \
    --change 'LABEL org.opencontainers.image.title=pause' - "$PAUSE_IMAGE" >/dev/null
  say "built $PAUSE_IMAGE"
}
build_binary_image() { # binary image : a one-binary image (plus /etc/passwd for its user 65532),
  # labelled with the binary's hash: rebuilt only when scripts/control-plane.sh rebuilt the binary
  local name=$1 image=$2 bin; bin="$(bin_dir)/$1"
  [ -x "$bin" ] || die "no $name binary at $bin (scripts/control-plane.sh builds it)"
  local sum; sum=$(sha256sum "$bin" | cut -c1-16)
  if podman image exists "$image" \
      && [ "$(podman image inspect --format '{{ index .Config.Labels "dev.ferry.binary" }}' "$image")" = "$sum" ]; then
    return 0
  fi
  local dir="$STATE/build/$name"
  rm -rf "$dir"; mkdir -p "$dir/root/etc"
  cp "$bin" "$dir/root/$name"
  printf 'nonroot:x:65532:65532:nonroot:/:/sbin/nologin\n' > "$dir/root/etc/passwd"
  podman image rm -f "$image" >/dev/null 2>&1 || true
  tar --numeric-owner -C "$dir/root" -cf - . | podman import --quiet \
    --change "ENTRYPOINT [\"/$name\"]" --change 'USER 65532:65532' \
    --change "LABEL dev.ferry.binary=$sum" --change "LABEL org.opencontainers.image.title=$name" \
    - "$image" >/dev/null
  say "built $image"
}
build_coredns_image() { build_binary_image coredns "$COREDNS_IMAGE"; }
build_metrics_server_image() { build_binary_image metrics-server "$METRICS_SERVER_IMAGE"; }

import_images() { # k image... : import from Podman what the node does not have yet (by image id)
  local k=$1 img id marker dir tar; shift
  dir="$(node_dir "$k")/imported"; mkdir -p "$dir" "$STATE/build"
  for img in "$@"; do
    podman image exists "$img" || die "image $img is not in Podman: build it first (mvn install -Pimage -DskipTests, see docs/containers.md)"
    id=$(podman image inspect --format '{{.Id}}' "$img")
    marker="$dir/$(echo "$img" | tr '/:' '__')"
    if [ "$(cat "$marker" 2>/dev/null)" = "$id" ] && ctr_node "$k" images ls -q "name==$img" | grep -qxF "$img"; then
      continue
    fi
    tar="$STATE/build/$(echo "$img" | tr '/:' '__').$id.tar"
    if [ ! -f "$tar" ]; then
      rm -f "$STATE/build/$(echo "$img" | tr '/:' '__')".*.tar
      podman save --quiet --format docker-archive -o "$tar.tmp" "$img"
      mv "$tar.tmp" "$tar"
    fi
    # Pods ask for IfNotPresent: a rebuilt image under the same tag replaces the old one only if removed first.
    ctr_node "$k" images rm "$img" >/dev/null 2>&1 || true
    ctr_node "$k" images import --no-unpack=false "$tar" >/dev/null \
      || die "ctr could not import $img into $(node_name "$k")"
    ctr_node "$k" images ls -q "name==$img" | grep -qxF "$img" || die "$img is not in $(node_name "$k") after its import"
    echo "$id" > "$marker"
    say "$(node_name "$k"): imported $img"
  done
}

# --- cluster add-ons ---------------------------------------------------------------------------------
apply_dns() {
  sed -e "s|@DNS_IP@|$DNS_IP|" -e "s|@COREDNS_IMAGE@|$COREDNS_IMAGE|" scripts/node/coredns.yaml \
    | kube apply --server-side --force-conflicts -f - >/dev/null
}

# metrics-server: its serving certificate as a Secret, the manifest with the cluster CA as the
# APIService's caBundle (the API server verifies metrics-server with it).
apply_metrics_server() {
  kube -n kube-system create secret tls metrics-server-tls --cert "$PKI/metrics-server.crt" --key "$PKI/metrics-server.key" \
    --dry-run=client -o yaml | kube apply --server-side --force-conflicts -f - >/dev/null
  sed -e "s|@METRICS_SERVER_IMAGE@|$METRICS_SERVER_IMAGE|" -e "s|@CA_BUNDLE@|$(base64 -w0 "$PKI/ca.crt")|" \
    scripts/node/metrics-server.yaml | kube apply --server-side --force-conflicts -f - >/dev/null
}
metrics_nodes() { # how many nodes the resource metrics API has usage for
  kube get --raw /apis/metrics.k8s.io/v1beta1/nodes 2>/dev/null | grep -o '"usage":' | wc -l
}
wait_for_metrics() { # n timeout : until metrics.k8s.io serves usage of all n nodes (two scrapes, 15 s apart)
  local n=$1 timeout=$2 t0; t0=$(date +%s)
  until [ "$(metrics_nodes)" -ge "$n" ]; do
    if [ $(( $(date +%s) - t0 )) -ge "$timeout" ]; then
      {
        echo "metrics.k8s.io has usage for $(metrics_nodes) of $n node(s) after ${timeout}s; what is there:"
        kube get apiservice v1beta1.metrics.k8s.io -o jsonpath='{range .status.conditions[*]}  APIService {.type}={.status} {.reason}: {.message}{"\n"}{end}' 2>&1
        kube -n kube-system get pods -l k8s-app=metrics-server -o wide 2>&1 | sed 's/^/  /'
        kube -n kube-system logs deploy/metrics-server --tail 20 2>&1 | sed 's/^/  /'
      } >&2
      die "metrics-server: the resource metrics API is not serving every node (logs: $LOGS/kube-apiserver.log, kubectl -n kube-system logs deploy/metrics-server)"
    fi
    sleep 1
  done
}

nodes_ready() { # n
  local ready
  ready=$(kube get nodes -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True || true)
  [ "$ready" -ge "$1" ]
}
dns_ready() {
  [ "$(kube -n kube-system get deploy coredns -o jsonpath='{.status.availableReplicas}')" = 1 ]
}

# --- down ---------------------------------------------------------------------------------------------
kill_cgroup_tree() { # cgroup name : SIGKILL every process in it, then remove it in every hierarchy
  local cg=$1 ctrl
  for ctrl in /sys/fs/cgroup/*/; do
    [ -d "$ctrl$cg" ] || continue
    find "$ctrl$cg" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
  done
  for ctrl in /sys/fs/cgroup/*/; do
    [ -d "$ctrl$cg" ] || continue
    for _ in $(seq 1 50); do
      find "$ctrl$cg" -depth -type d -exec rmdir {} \; 2>/dev/null || true
      [ -d "$ctrl$cg" ] || break
      sleep 0.1
    done
  done
}

unmount_under() { # dir : every mount below it, deepest first
  local dir=$1
  awk -v d="$dir" '$2 == d || index($2, d "/") == 1 {print $2}' /proc/self/mounts | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
}

down() {
  local t0 k n pid
  t0=$(date +%s)
  n=$(node_count)
  [ "$n" -gt 0 ] || n=$(ls -d "$STATE"/ferry-node-* 2>/dev/null | wc -l)
  for k in $(seq 1 "$n"); do stop_daemon "kubelet-$k" 5; stop_daemon "kube-proxy-$k" 5; done
  # Pods: their processes die with their cgroups; the shims that ran them go next.
  for k in $(seq 1 "$n"); do
    kill_cgroup_tree "$(node_name "$k")"
    for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $(node_sock "$k")( |$)" || true); do kill -KILL "$pid" 2>/dev/null || true; done
    stop_daemon "containerd-$k" 10
  done
  for name in kube-scheduler kube-controller-manager kube-apiserver etcd; do stop_daemon "$name" 10; done
  # Anything started from a pid file that is gone (a run killed before it wrote one).
  for pid in $(pgrep -f "^containerd --config $STATE/" || true) $(pgrep -f "$(bin_dir)/(kubelet|kube-proxy|kube-apiserver|kube-controller-manager|kube-scheduler|etcd) " || true); do
    kill -KILL "$pid" 2>/dev/null || true
  done
  unmount_under "$STATE"
  unmount_under "$RUN"
  # Pod network namespaces pinned by containerd's CRI, then the cluster's own.
  for pin in /run/netns/cni-*; do
    [ -e "$pin" ] || continue
    ip netns del "${pin##*/}" 2>/dev/null || true
  done
  for ns in $(ip netns list | awk '{print $1}' | grep -E "^$NETNS(-[0-9]+)?\$" || true); do
    ip netns del "$ns"
  done
  rm -rf "/etc/netns/$NETNS"
  restore_host_sysctls
  # Cluster state goes (etcd, kubelets' pods, logs of the next run); images and certificates stay.
  rm -rf "$RUN" "$STATE/etcd" "$STATE"/ferry-node-*/kubelet "$STATE"/ferry-node-*/pod-logs "$STATE"/ferry-node-*/imported
  say "down in $(elapsed "$t0")"
}

is_up() {
  local n k; n=$(node_count)
  [ "$n" -gt 0 ] || return 1
  for name in etcd kube-apiserver kube-controller-manager kube-scheduler; do alive "$name" || return 1; done
  for k in $(seq 1 "$n"); do
    alive "containerd-$k" && alive "kubelet-$k" && alive "kube-proxy-$k" || return 1
  done
}

leftovers() {
  [ -d "$RUN" ] || ip netns list | grep -qE "^$NETNS( |\$)" || [ -f "$STATE/host-sysctls" ]
}

# --- up -----------------------------------------------------------------------------------------------
up() {
  local n=$DEFAULT_NODES t0 k
  while [ $# -gt 0 ]; do
    case "$1" in
      --nodes) n=${2:?--nodes needs a number}; shift ;;
      *) die "up: unknown argument '$1' (try --help)" ;;
    esac
    shift
  done
  [[ "$n" =~ ^[1-9]$ ]] || die "--nodes must be between 1 and 9 (got '$n')"
  t0=$(date +%s)
  if is_up; then
    if [ "$(node_count)" = "$n" ] && kube get --raw /readyz >/dev/null 2>&1; then
      import_all
      say "already up: $n node(s); KUBECONFIG=$KUBECONFIG_FILE"
      return 0
    fi
    say "a cluster with $(node_count) node(s) runs; taking it down for $n"
    down
  elif leftovers; then
    say "cleaning up what a stopped or killed run left"
    down
  fi
  mkdir -p "$STATE" "$LOGS"
  install_packages
  scripts/control-plane.sh >/dev/null || die "scripts/control-plane.sh failed (run it alone to see why)"
  local b
  for b in etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy coredns metrics-server; do
    [ -x "$(bin_dir)/$b" ] || die "$(bin_dir)/$b is missing after scripts/control-plane.sh (run it alone to see why)"
  done
  command -v podman >/dev/null || die "podman is missing: run scripts/containers.sh first (it installs and configures it)"
  build_pause_image
  build_coredns_image
  build_metrics_server_image
  IMPORT_IMAGES=()
  for img in "${FERRY_IMAGES[@]}"; do
    if podman image exists "$img"; then IMPORT_IMAGES+=("$img"); else say "note: $img is not built yet; build it and run: $0 import"; fi
  done
  rm -rf "$LOGS"; mkdir -p "$LOGS" "$RUN"
  save_host_sysctls
  echo "$n" > "$RUN/nodes"
  # From here on a failure leaves a half-up cluster: take it down again.
  trap 'status=$?; if [ $status -ne 0 ]; then say "bring-up failed; cleaning up (logs kept in $LOGS)"; down >/dev/null 2>&1 || true; fi' EXIT
  make_pki "$n"
  make_network "$n"
  write_client_resolver
  say "network: namespaces $(for k in $(seq 1 "$n"); do printf '%s ' "$(node_netns "$k")"; done)(nodes $CLUSTER_NET.1-$n, pods $POD_CIDR, Services $SERVICE_CIDR)"
  start_control_plane
  say "control plane up ($(elapsed "$t0"))"
  for k in $(seq 1 "$n"); do start_node "$k"; done
  wait_for "$n Ready node(s)" 120 nodes_ready "$n"
  say "$n node(s) Ready ($(elapsed "$t0"))"
  apply_dns
  apply_metrics_server
  wait_for "CoreDNS" 120 dns_ready
  say "CoreDNS ready ($(elapsed "$t0"))"
  wait_for_metrics "$n" 180
  say "metrics.k8s.io serves $n node(s) ($(elapsed "$t0"))"
  trap - EXIT
  say "up in $(elapsed "$t0"): $n node(s), CoreDNS at $DNS_IP, metrics-server; KUBECONFIG=$KUBECONFIG_FILE (use: $0 kubectl ...)"
}

import_all() {
  local k n; n=$(node_count)
  IMPORT_IMAGES=("$@")
  if [ ${#IMPORT_IMAGES[@]} -eq 0 ]; then
    for img in "${FERRY_IMAGES[@]}"; do podman image exists "$img" && IMPORT_IMAGES+=("$img"); done
  fi
  for k in $(seq 1 "$n"); do import_images "$k" "${IMPORT_IMAGES[@]}"; done
}

status() {
  local n k name pid
  n=$(node_count)
  if [ "$n" = 0 ]; then echo "ferry-node: down"; leftovers && echo "  (leftovers of a killed run: '$0 down' or '$0 up' cleans them)"; return 3; fi
  echo "ferry-node: $n node(s), state $STATE"
  for name in etcd kube-apiserver kube-controller-manager kube-scheduler $(for k in $(seq 1 "$n"); do echo containerd-$k kubelet-$k kube-proxy-$k; done); do
    if alive "$name"; then
      pid=$(cat "$(pidfile "$name")")
      printf '  %-24s running (pid %s, %s MiB)\n' "$name" "$pid" "$(( $(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status") / 1024 ))"
    else
      printf '  %-24s NOT RUNNING (log %s)\n' "$name" "$LOGS/$name.log"
    fi
  done
  for k in $(seq 1 "$n"); do
    local usage=/sys/fs/cgroup/memory/$(node_name "$k")/memory.usage_in_bytes shims
    shims=$(pgrep -f "containerd-shim-runc-v2 .*-address $(node_sock "$k")( |\$)" | while read -r p; do awk '/^VmRSS:/ {print $2}' "/proc/$p/status"; done | awk '{s+=$1} END {print int(s/1024)}' || true)
    [ -f "$usage" ] && printf '  %-24s pods %s MiB (memory cgroup), container shims %s MiB\n' "$(node_name "$k")" "$(( $(cat "$usage") / 1048576 ))" "${shims:-0}"
  done
  kube get nodes -o wide 2>&1 | sed 's/^/  /'
  kube get pods -A -o wide 2>&1 | sed 's/^/  /'
  kube get apiservice v1beta1.metrics.k8s.io 2>&1 | sed 's/^/  /'
  kube top nodes 2>&1 | sed 's/^/  /'
  is_up
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  up) check_root up; up "$@" ;;
  down) check_root down; down ;;
  status) check_root status; status ;;
  import) check_root import; is_up || die "the cluster is not up: $0 up"; import_all "$@" ;;
  kubectl) is_up || die "the cluster is not up: $0 up"; kube "$@" ;;
  exec)
    is_up || die "the cluster is not up: $0 up"
    [ $# -gt 0 ] || die "exec needs a command"
    KUBECONFIG=$KUBECONFIG_FILE FERRY_NODE_NETNS=$NETNS FERRY_NODE_BIN="$(bin_dir)" PATH="$(bin_dir):$PATH" \
      ip netns exec "$NETNS" "$@" ;;
  env)
    echo "KUBECONFIG=$KUBECONFIG_FILE"
    echo "FERRY_NODE_NETNS=$NETNS"
    echo "FERRY_NODE_NODES=$(node_count)"
    echo "FERRY_NODE_BIN=$(bin_dir)" ;;
  -h|--help|help) usage ;;
  "") usage >&2; exit 2 ;;
  *) echo "node.sh: unknown command '$cmd'" >&2; usage >&2; exit 2 ;;
esac
