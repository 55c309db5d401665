#!/usr/bin/env bash
# Brings up Podman's Docker-compatible Engine API on a unix socket, for the Docker plugin's tests
# and for trying the plugin by hand, and imports the test image (a busybox-static rootfs) as
# localhost/ucloud/busybox:1. Idempotent: a service already answering on the socket is kept, an
# image already there is not imported again. Needs the Debian packages podman, runc,
# fuse-overlayfs, slirp4netns, uidmap, busybox-static, aardvark-dns, netavark and catatonit.
#
#   scripts/podman-up.sh [DIR]                  DIR defaults to $PODMAN_DIR or /tmp/ucloud-podman
#   export DOCKER_HOST=unix://DIR/podman.sock   printed last; points the plugin (and docker) at it
#
# DIR holds containers.conf (runc as the runtime, ulimits that can be set here: without them every
# container fails to start on this kind of machine), the socket, the service's pid file and log.
set -euo pipefail

DIR=$(realpath -m "${1:-${PODMAN_DIR:-/tmp/ucloud-podman}}")
IMAGE=${PODMAN_TEST_IMAGE:-localhost/ucloud/busybox:1}
SOCKET="$DIR/podman.sock"

fail() {
  echo "podman-up: $*" >&2
  exit 1
}

# catatonit is the init Podman runs as PID 1 of containers created with Init (the plugin's are).
for bin in podman runc curl catatonit; do
  command -v "$bin" >/dev/null || fail "$bin is not installed (apt-get install -y podman runc fuse-overlayfs slirp4netns uidmap busybox-static aardvark-dns netavark catatonit curl)"
done
BUSYBOX=$(command -v busybox || true)
[ -n "$BUSYBOX" ] || fail "busybox is not installed (apt-get install -y busybox-static)"

mkdir -p "$DIR"
cat >"$DIR/containers.conf" <<'EOF'
[engine]
runtime = "runc"

[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
EOF
export CONTAINERS_CONF="$DIR/containers.conf"

answers() {
  curl -fsS --max-time 2 --unix-socket "$SOCKET" http://d/_ping >/dev/null 2>&1
}

if ! answers; then
  # A service of an earlier run that no longer answers goes first.
  if [ -f "$DIR/podman.pid" ]; then
    kill "$(cat "$DIR/podman.pid")" 2>/dev/null || true
  fi
  rm -f "$SOCKET"
  # Started in DIR: Podman 4.3's conmon drops files (an `oom` marker) in the service's directory.
  (cd "$DIR" && exec nohup podman system service --time=0 "unix://$SOCKET" >"$DIR/podman.log" 2>&1 </dev/null) &
  echo $! >"$DIR/podman.pid"
  for _ in $(seq 1 100); do
    answers && break
    kill -0 "$(cat "$DIR/podman.pid")" 2>/dev/null || fail "podman system service exited: $(tail -5 "$DIR/podman.log")"
    sleep 0.1
  done
  answers || fail "podman system service does not answer on $SOCKET after 10 s"
fi

if ! podman image exists "$IMAGE"; then
  ROOTFS=$(mktemp -d)
  trap 'rm -rf "$ROOTFS"' EXIT
  mkdir -p "$ROOTFS/bin" "$ROOTFS/etc" "$ROOTFS/tmp" "$ROOTFS/root"
  cp "$BUSYBOX" "$ROOTFS/bin/busybox"
  for applet in $("$BUSYBOX" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$ROOTFS/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$ROOTFS/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$ROOTFS/etc/group"
  chmod 1777 "$ROOTFS/tmp"
  tar -C "$ROOTFS" -cf - . |
    podman import --quiet --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/bin' - "$IMAGE" >/dev/null
fi

echo "export DOCKER_HOST=unix://$SOCKET"
