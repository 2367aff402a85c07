#!/usr/bin/env bash
# Installs flopwatch as a systemd service: the jar and its launcher, the default
# configuration (never over an edited one), the unit, the CUPTI drop-in example and the
# system user. Safe to run again (an upgrade is the same command). See docs/deploy-systemd.md.
#
#   systemd/install.sh [--jar PATH] [--uninstall]
#
# Environment:
#   DESTDIR     stage into this root instead of / (packaging, CI): nothing outside it is
#               touched; the user is left to systemd-sysusers on the target.
#   PREFIX      /usr (default) or e.g. /usr/local: where bin/, lib/ and share/ go.
#   SYSCONFDIR  /etc (default): the configuration goes to $SYSCONFDIR/flopwatch/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)

DESTDIR=${DESTDIR:-}
DESTDIR=${DESTDIR%/}
PREFIX=${PREFIX:-/usr}
PREFIX=${PREFIX%/}
SYSCONFDIR=${SYSCONFDIR:-/etc}
SYSCONFDIR=${SYSCONFDIR%/}

usage() {
    sed -n '2,13s/^# \{0,1\}//p' "$0"
}

jar_source=
uninstall=
while (($#)); do
    case $1 in
        --jar) jar_source=${2:?--jar needs a path}; shift 2 ;;
        --jar=*) jar_source=${1#--jar=}; shift ;;
        --uninstall) uninstall=yes; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "install.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
done

# Installed paths, as the running system sees them (without DESTDIR).
libdir=$PREFIX/lib/flopwatch
bin=$PREFIX/bin/flopwatch
unitdir=$PREFIX/lib/systemd/system
unit=$unitdir/flopwatch.service
sysusers=$PREFIX/lib/sysusers.d/flopwatch.conf
sharedir=$PREFIX/share/flopwatch
docdir=$PREFIX/share/doc/flopwatch
confdir=$SYSCONFDIR/flopwatch
config=$confdir/flopwatch.yaml
# A copy of the default configuration as shipped: tells an edited config from an old default.
pristine=$sharedir/flopwatch.yaml.default
device_dropin=$SYSCONFDIR/systemd/system/flopwatch.service.d/10-device-group.conf
# The unit's CacheDirectory=flopwatch: the launcher's class-data sharing archive lives there.
cachedir=/var/cache/flopwatch

say() { printf 'flopwatch install: %s\n' "$*"; }

# True when this installs onto the running system (not a staging root) and systemd runs it.
live_systemd() {
    [[ -z $DESTDIR && -d /run/systemd/system ]] && command -v systemctl >/dev/null
}

# put MODE SOURCE TARGET: installs a file, saying whether it changed.
put() {
    local mode=$1 from=$2 to=$DESTDIR$3
    if [[ -f $to ]] && cmp -s "$from" "$to"; then
        say "unchanged  $3"
    else
        install -D -m "$mode" "$from" "$to"
        say "installed  $3"
    fi
}

remove() {
    local path=$DESTDIR$1
    if [[ -e $path || -L $path ]]; then
        rm -f "$path"
        say "removed    $1"
    fi
}

# Removes the directory and its empty parents up to (not including) the stop directory.
prune() {
    local dir=$DESTDIR$1 stop=$DESTDIR$2
    while [[ $dir != "$stop" && $dir == "$stop"/* ]] && rmdir "$dir" 2>/dev/null; do
        dir=$(dirname "$dir")
    done
}

do_uninstall() {
    if live_systemd; then
        systemctl disable --now flopwatch.service 2>/dev/null || true
    fi
    remove "$bin"
    remove "$libdir/flopwatch.jar"
    remove "$libdir/flopwatch-launcher"
    remove "$unit"
    remove "$sysusers"
    remove "$sharedir/flopwatch-cupti.conf"
    remove "$docdir/deploy-systemd.md"
    remove "$device_dropin"
    remove "$config.new"
    if [[ -f $DESTDIR$config ]]; then
        if [[ -f $DESTDIR$pristine ]] && cmp -s "$DESTDIR$config" "$DESTDIR$pristine"; then
            remove "$config"
        else
            say "kept       $config (edited; remove it yourself if you no longer want it)"
        fi
    fi
    remove "$pristine"
    local archive
    for archive in "$DESTDIR$cachedir"/flopwatch*; do
        [[ -e $archive ]] && remove "${archive#"$DESTDIR"}"
    done
    prune "$cachedir" "$(dirname "$cachedir")"
    prune "$libdir" "$PREFIX"
    prune "$sharedir" "$PREFIX"
    prune "$docdir" "$PREFIX"
    prune "$(dirname "$device_dropin")" "$SYSCONFDIR"
    prune "$confdir" "$SYSCONFDIR"
    if [[ -n $DESTDIR ]]; then
        # In a staging root the shared directories are ours too; on a live system they are not.
        prune "$(dirname "$bin")" "$PREFIX"
        prune "$unitdir" "$PREFIX"
        prune "$(dirname "$sysusers")" "$PREFIX"
        prune "$SYSCONFDIR" ""
        prune "$PREFIX" ""
    fi
    if live_systemd; then
        systemctl daemon-reload
    fi
    if [[ -z $DESTDIR ]] && getent passwd flopwatch >/dev/null 2>&1; then
        say "kept       the system user 'flopwatch' (userdel flopwatch removes it)"
    fi
    say "uninstalled"
}

find_jar() {
    if [[ -n $jar_source ]]; then
        [[ -f $jar_source ]] || { echo "install.sh: no jar at $jar_source" >&2; exit 1; }
        return
    fi
    jar_source=$src/agent/target/flopwatch.jar
    if [[ ! -f $jar_source ]]; then
        say "building the jar with $src/flopwatch (about a minute)"
        "$src/flopwatch" --version >/dev/null
    fi
    [[ -f $jar_source ]] || { echo "install.sh: the build made no $jar_source" >&2; exit 1; }
}

install_config() {
    local shipped=$src/config/flopwatch.yaml
    if [[ ! -f $shipped ]]; then
        say "skipped    $config (this source tree has no config/flopwatch.yaml to install)"
        return
    fi
    local target=$DESTDIR$config
    if [[ ! -e $target ]]; then
        install -D -m 0644 "$shipped" "$target"
        say "installed  $config"
    elif cmp -s "$shipped" "$target"; then
        say "unchanged  $config"
    elif [[ -f $DESTDIR$pristine ]] && cmp -s "$target" "$DESTDIR$pristine"; then
        # Never edited since the last install: follow the new default.
        install -m 0644 "$shipped" "$target"
        say "updated    $config (it was the previous default)"
    else
        install -m 0644 "$shipped" "$target.new"
        say "kept       $config (edited); the new default is in $config.new"
    fi
    install -D -m 0644 "$shipped" "$DESTDIR$pristine"
}

install_unit() {
    local tmp
    tmp=$(mktemp)
    # The unit names the launcher and the config by their installed paths.
    sed -e "s|^ExecStart=/usr/bin/flopwatch |ExecStart=$bin |" \
        -e "s| --config /etc/flopwatch/flopwatch.yaml| --config $config|" \
        -e "s|^Documentation=file:/usr/share/doc/flopwatch/|Documentation=file:$docdir/|" \
        "$here/flopwatch.service" >"$tmp"
    put 0644 "$tmp" "$unit"
    rm -f "$tmp"
}

install_launcher() {
    local tmp
    tmp=$(mktemp)
    cat >"$tmp" <<EOF
#!/bin/sh
# flopwatch, installed by systemd/install.sh: runs the installed jar through the launcher,
# which exec()s the JVM (so the JVM is the process systemd supervises).
FLOPWATCH_JAR=$libdir/flopwatch.jar
export FLOPWATCH_JAR
exec $libdir/flopwatch-launcher "\$@"
EOF
    put 0755 "$tmp" "$bin"
    rm -f "$tmp"
}

# The class-data sharing archive of the installed jar for this node's JVM (docs/BENCHMARKS.md,
# section 5): the service's first start is then as fast as every later one. Made on a live
# install only: the archive is specific to the JVM build, and a staging root's JVM may not be
# the target's (there the launcher makes one in the background at the first start). A failure
# costs start-up time, nothing else, so it never fails the install.
make_cds_archive() {
    if [[ -n $DESTDIR ]]; then
        say "skipped    the class-data archive (staged; the launcher makes it at the first start)"
        return
    fi
    local made
    if made=$(CACHE_DIRECTORY=$cachedir FLOPWATCH_CDS_DIR= FLOPWATCH_JAR=$libdir/flopwatch.jar FLOPWATCH_CDS=create \
                "$libdir/flopwatch-launcher" 2>&1); then
        say "made       ${made#flopwatch: class-data archive }"
    else
        say "skipped    the class-data archive ($(printf '%s' "$made" | tail -1))"
    fi
}

create_user() {
    if [[ -n $DESTDIR ]]; then
        say "staged     the user in $sysusers (systemd-sysusers creates it on the target)"
        return
    fi
    if getent passwd flopwatch >/dev/null 2>&1; then
        say "unchanged  system user 'flopwatch'"
    elif command -v systemd-sysusers >/dev/null; then
        systemd-sysusers "$sysusers"
        say "created    system user 'flopwatch' (systemd-sysusers)"
    else
        local nologin=/usr/sbin/nologin
        [[ -x $nologin ]] || nologin=/sbin/nologin
        useradd --system --user-group --no-create-home --home-dir / --shell "$nologin" \
            --comment "flopwatch GPU telemetry daemon" flopwatch
        say "created    system user 'flopwatch' (useradd)"
    fi
}

# NVIDIA's device nodes are world read-write by default (NVreg_DeviceFileMode=0666). Where
# a site restricts them to a group, the service needs that group: the installer sees the
# node's mode here and writes the drop-in, rather than the unit naming a group that may
# not exist.
device_group_dropin() {
    [[ -z $DESTDIR && -c /dev/nvidiactl ]] || return 0
    local mode group
    mode=$(stat -c '%a' /dev/nvidiactl)
    group=$(stat -c '%G' /dev/nvidiactl)
    if (((8#$mode & 8#006) == 8#006)); then
        remove "$device_dropin"
        return 0
    fi
    local tmp
    tmp=$(mktemp)
    printf '%s\n' "# Written by systemd/install.sh: /dev/nvidiactl is mode $mode, group $group." \
        "[Service]" "SupplementaryGroups=$group" >"$tmp"
    put 0644 "$tmp" "$device_dropin"
    rm -f "$tmp"
}

do_install() {
    find_jar
    put 0644 "$jar_source" "$libdir/flopwatch.jar"
    put 0755 "$src/flopwatch" "$libdir/flopwatch-launcher"
    install_launcher
    put 0644 "$here/flopwatch.sysusers" "$sysusers"
    install_unit
    put 0644 "$here/flopwatch-cupti.conf" "$sharedir/flopwatch-cupti.conf"
    if [[ -f $src/docs/deploy-systemd.md ]]; then
        put 0644 "$src/docs/deploy-systemd.md" "$docdir/deploy-systemd.md"
    fi
    install_config
    create_user
    make_cds_archive
    device_group_dropin
    if live_systemd; then
        systemctl daemon-reload
        say "done; start it with: systemctl enable --now flopwatch"
    else
        say "done (staged under ${DESTDIR:-/}; systemd not reloaded)"
    fi
}

if [[ -n $uninstall ]]; then
    do_uninstall
else
    do_install
fi
