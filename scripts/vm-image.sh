#!/usr/bin/env bash
# Builds the test image for the VM plugin (apps/provider-vm): a Debian kernel and a busybox-static
# guest whose /init runs one job and powers the guest off. Idempotent: what is already in OUTDIR is
# kept while what it was built from (the /init scripts, busybox) is unchanged, and rebuilt when that
# changed (delete a file to rebuild it anyway). Needs the Debian packages busybox-static, cpio, gzip,
# qemu-utils and e2fsprogs, and apt access to download (not install) the kernel package.
#
#   scripts/vm-image.sh [OUTDIR]        OUTDIR defaults to $VM_IMAGE_DIR or /tmp/ucloud-vm-image
#
# OUTDIR is an image directory of the VM plugin (its IMAGE_DIR), one folder per image name:
#   busybox/vmlinuz          the kernel (virtio and ext4 are modules in Debian's build)
#   busybox/initrd.gz        the guest as an initramfs: busybox, /init
#   busybox-disk/vmlinuz     the same kernel (a hard link)
#   busybox-disk/disk.qcow2  the same guest on an ext4 disk, for per-job copy-on-write overlays
#   busybox-disk/disk-initrd.gz  boots disk.qcow2: loads the virtio and ext4 modules, mounts
#                    /dev/vda, moves the job's parameters onto it and switches to its /init
#
# The job's parameters reach the guest as a second, per-job initramfs that QEMU is given after the
# base one: x86 QEMU takes a single -initrd file, so the plugin writes the base archive followed by
# the job's (the kernel unpacks concatenated cpio archives in order). It holds:
#   /ucloud/job.env    `export NAME='value'` lines: UCLOUD_JOB_ID, UCLOUD_RANK,
#                      UCLOUD_NUMBER_OF_NODES and the job's environment
#   /ucloud/command    the job's argv, each word shell-quoted, on one line
# /init sources job.env, runs the argv with its output on the serial console (ttyS0), prints
# "ucloud: exit status N" on the second serial port (ttyS1; on the console if there is none) and
# powers off (-no-reboot then makes QEMU exit).
#
# While the job runs, /init serves shells (the plugin's serial-shell.ts), one at a time, on the
# third serial port (ttyS2), in the job's environment and directory. The fourth (ttyS3) carries
# control lines: the plugin writes `size COLS ROWS ID` (answered `resized ID` once the terminal has
# that size; lines sent before the guest listened are lost, so the plugin repeats them) and `hangup`
# (the user left: the shell is hung up); the guest writes `exited` when a shell has ended, and a
# fresh one then waits for the next session.
set -euo pipefail

OUT=$(realpath -m "${1:-${VM_IMAGE_DIR:-/tmp/ucloud-vm-image}}")
KERNEL_PACKAGE=${VM_KERNEL_PACKAGE:-}
# Loaded in this order by disk-initrd.gz's /init (dependencies first, as modules.dep says).
DISK_MODULES=(
  drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_modern_dev
  drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci drivers/block/virtio_blk
  lib/crc16 crypto/crc32c_generic fs/mbcache fs/jbd2/jbd2 fs/ext4/ext4
)

fail() {
  echo "vm-image: $*" >&2
  exit 1
}

need() { # need BINARY DEBIAN_PACKAGE
  command -v "$1" >/dev/null || fail "$1 is not installed (apt-get install -y $2)"
}

need busybox busybox-static
need cpio cpio
need gzip gzip
need dpkg-deb dpkg
need apt-get apt
busybox --list | grep -qx poweroff || fail "$(command -v busybox) lacks applets (apt-get install -y busybox-static)"
ldd "$(command -v busybox)" >/dev/null 2>&1 && fail "busybox is dynamically linked (apt-get install -y busybox-static)"

INITRD_IMAGE="$OUT/busybox"
DISK_IMAGE="$OUT/busybox-disk"
mkdir -p "$INITRD_IMAGE" "$DISK_IMAGE"
WORK="$OUT/.work"
mkdir -p "$WORK"

# --- kernel -------------------------------------------------------------------------------------
if [ ! -f "$INITRD_IMAGE/vmlinuz" ] || [ ! -d "$WORK/modules" ]; then
  if [ -z "$KERNEL_PACKAGE" ]; then
    KERNEL_PACKAGE=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }')
    [ -n "$KERNEL_PACKAGE" ] || fail "cannot find the kernel package behind linux-image-amd64 (apt-get update, or set VM_KERNEL_PACKAGE)"
  fi
  echo "vm-image: downloading $KERNEL_PACKAGE" >&2
  rm -rf "$WORK/deb" "$WORK/modules"
  mkdir -p "$WORK/deb"
  # apt-get download writes to the working directory; as root it warns that _apt cannot.
  (cd "$WORK/deb" && apt-get download "$KERNEL_PACKAGE" >&2 2>/dev/null) ||
    fail "apt-get download $KERNEL_PACKAGE failed (apt-get update?)"
  dpkg-deb -x "$WORK"/deb/*.deb "$WORK/deb/x"
  # Keep only the kernel and the modules the disk variant loads: the package unpacks to ~400 MB.
  mkdir -p "$WORK/modules.tmp"
  for module in "${DISK_MODULES[@]}"; do
    cp "$WORK"/deb/x/lib/modules/*/kernel/"$module.ko" "$WORK/modules.tmp/" ||
      fail "$KERNEL_PACKAGE has no $module.ko"
  done
  cp "$WORK"/deb/x/boot/vmlinuz-* "$INITRD_IMAGE/vmlinuz.tmp"
  rm -rf "$WORK/deb"
  mv "$WORK/modules.tmp" "$WORK/modules"
  mv "$INITRD_IMAGE/vmlinuz.tmp" "$INITRD_IMAGE/vmlinuz"
fi
ln -f "$INITRD_IMAGE/vmlinuz" "$DISK_IMAGE/vmlinuz"

# --- the guest's files --------------------------------------------------------------------------
# The guest's /init: runs the job described by /ucloud and serves shells while it runs.
guest_init() {
  cat <<'EOF'
#!/bin/sh
# Runs the job described by /ucloud (see scripts/vm-image.sh) and powers the guest off.
export PATH=/bin:/sbin
[ -e /proc/self ] || mount -t proc proc /proc
[ -d /sys/kernel ] || mount -t sysfs sysfs /sys
[ -e /dev/null ] || mount -t devtmpfs devtmpfs /dev
# The kernel gave init no console if /dev was empty when it started.
exec </dev/console >/dev/console 2>&1
# The log is a file, not a terminal: lines end in \n alone (kernel messages keep their \r\n).
stty -onlcr
hostname ucloud-vm

# Shells on ttyS2, controlled over ttyS3 (see scripts/vm-image.sh); none where QEMU gave no such
# ports. Started once job.env is sourced, so that shells have the job's environment.
serve_shells() {
  stty -F /dev/ttyS2 115200 2>/dev/null && stty -F /dev/ttyS3 115200 raw -echo 2>/dev/null || return 0
  # Held open from now on (the job runs without it): the port keeps its size, and what is typed
  # while a shell restarts waits for the next one rather than being flushed when it opens the port.
  exec 3<>/dev/ttyS2
  (
    while :; do
      # A session of its own with ttyS2 as controlling terminal: its jobs are hung up with it.
      setsid sh -c 'echo $$ >/tmp/.ucloud-shell.pid; export TERM=xterm-256color HOME=/root
        exec sh -i <>/dev/ttyS2 >&0 2>&0' 3>&-
      # Setting the speed waits for the shell's last output to be sent before its end is told.
      stty -F /dev/ttyS2 115200
      echo exited >/dev/ttyS3
    done
  ) </dev/null >/dev/null 2>&1 &
  (
    while read -r command cols rows id; do
      case $command in
        size)
          # The plugin repeats a size until it is answered: one already applied is only answered.
          [ "$id" = "$applied" ] && echo "resized $id" && continue
          applied=$id
          stty -F /dev/ttyS2 cols "$cols" rows "$rows"
          # The shell redraws its prompt, printed before anyone was connected.
          kill -WINCH "$(cat /tmp/.ucloud-shell.pid)"
          echo "resized $id"
          ;;
        hangup) kill -HUP "$(cat /tmp/.ucloud-shell.pid)" ;;
      esac
    done
  ) <>/dev/ttyS3 >&0 2>/dev/null 3>&- &
}

if [ -f /ucloud/command ]; then
  [ -f /ucloud/job.env ] && . /ucloud/job.env
  cd /root
  serve_shells
  # The command file holds shell-quoted words: eval turns them back into the argv, unexpanded.
  eval "set -- $(cat /ucloud/command)"
  "$@" 3>&-
  status=$?
  # ttyS1 is the plugin's exit channel, so the console holds the job's output alone.
  if stty -F /dev/ttyS1 -onlcr 2>/dev/null; then
    echo "ucloud: exit status $status" >/dev/ttyS1
  else
    echo "ucloud: exit status $status"
  fi
else
  echo "ucloud: no job (/ucloud/command is missing)"
fi
sync
poweroff -f
EOF
}

# populate DIR: busybox and its applets as symlinks, the mount points, and the job-running /init.
populate() {
  local dir=$1
  mkdir -p "$dir"/{bin,sbin,proc,sys,dev,tmp,root,etc,mnt}
  cp "$(command -v busybox)" "$dir/bin/busybox"
  local applet
  for applet in $(busybox --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$dir/bin/$applet"
  done
  guest_init >"$dir/init"
  chmod +x "$dir/init"
}

# source_key TEXT: a hash of TEXT and busybox, what an output is built from.
source_key() {
  { printf '%s' "$1"; cat "$(command -v busybox)"; } | sha256sum | cut -d' ' -f1
}

# fresh OUTPUT KEY: OUTPUT exists and was built from KEY. built OUTPUT KEY records that it was.
fresh() { [ -f "$1" ] && [ "$(cat "$WORK/${1##*/}.key" 2>/dev/null)" = "$2" ]; }
built() { echo "$2" >"$WORK/${1##*/}.key"; }

# pack DIR FILE: DIR as a gzip-compressed newc cpio archive, owned by root.
pack() {
  (cd "$1" && find . | cpio -o -H newc -R 0:0 --quiet) | gzip -9 >"$2.tmp"
  mv "$2.tmp" "$2"
}

GUEST_KEY=$(source_key "$(guest_init)")
if ! fresh "$INITRD_IMAGE/initrd.gz" "$GUEST_KEY" || ! fresh "$DISK_IMAGE/disk.qcow2" "$GUEST_KEY"; then
  rm -rf "$WORK/rootfs"
  populate "$WORK/rootfs"
fi

if ! fresh "$INITRD_IMAGE/initrd.gz" "$GUEST_KEY"; then
  pack "$WORK/rootfs" "$INITRD_IMAGE/initrd.gz"
  built "$INITRD_IMAGE/initrd.gz" "$GUEST_KEY"
fi

# --- the disk variant ---------------------------------------------------------------------------
if ! fresh "$DISK_IMAGE/disk.qcow2" "$GUEST_KEY"; then
  need mke2fs e2fsprogs
  need qemu-img qemu-utils
  rm -f "$WORK/disk.raw"
  # -d copies the tree in without mounting anything; -E root_owner makes / root's.
  mke2fs -q -t ext4 -L ucloud-root -E root_owner=0:0 -d "$WORK/rootfs" "$WORK/disk.raw" 64M >/dev/null
  qemu-img convert -f raw -O qcow2 "$WORK/disk.raw" "$DISK_IMAGE/disk.qcow2.tmp"
  mv "$DISK_IMAGE/disk.qcow2.tmp" "$DISK_IMAGE/disk.qcow2"
  rm -f "$WORK/disk.raw"
  built "$DISK_IMAGE/disk.qcow2" "$GUEST_KEY"
fi

# The disk guest's first /init: loads the modules, mounts /dev/vda and switches to its /init.
stage1_init() {
  echo '#!/bin/sh'
  echo '# Stage one of the disk guest: mount /dev/vda, bring /ucloud along, run its /init.'
  echo 'export PATH=/bin'
  echo 'mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev'
  echo 'exec </dev/console >/dev/console 2>&1'
  for module in "${DISK_MODULES[@]}"; do
    echo "insmod /modules/${module##*/}.ko"
  done
  cat <<'EOF'
# The disk appears a moment after its driver loads.
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/vda ] && break; sleep 0.2; done
if ! mount -t ext4 /dev/vda /newroot; then
  echo "ucloud: cannot mount /dev/vda"
  poweroff -f
fi
if [ -d /ucloud ]; then
  rm -rf /newroot/ucloud
  cp -a /ucloud /newroot/ucloud
fi
# The console is open on /dev, so the mounts move along rather than being unmounted.
for fs in /proc /sys /dev; do mount --move "$fs" "/newroot$fs"; done
exec switch_root /newroot /init
EOF
}

STAGE1_KEY=$(source_key "$(stage1_init)")
if ! fresh "$DISK_IMAGE/disk-initrd.gz" "$STAGE1_KEY"; then
  STAGE1="$WORK/disk-initrd"
  rm -rf "$STAGE1"
  mkdir -p "$STAGE1"/{bin,proc,sys,dev,newroot,modules}
  cp "$(command -v busybox)" "$STAGE1/bin/busybox"
  for applet in sh mount umount insmod cp rm switch_root echo poweroff sleep; do
    ln -sf busybox "$STAGE1/bin/$applet"
  done
  cp "$WORK"/modules/*.ko "$STAGE1/modules/"
  stage1_init >"$STAGE1/init"
  chmod +x "$STAGE1/init"
  pack "$STAGE1" "$DISK_IMAGE/disk-initrd.gz"
  built "$DISK_IMAGE/disk-initrd.gz" "$STAGE1_KEY"
fi

echo "vm-image: $OUT has the images busybox (vmlinuz, initrd.gz) and busybox-disk (vmlinuz, disk.qcow2, disk-initrd.gz)" >&2
