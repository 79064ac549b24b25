#!/bin/sh
# Debian: remove keeps /etc/homefleet and /var/lib/homefleet (history,
# generated logins); purge removes them and the homefleet user.
set -e
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null || true
fi
if [ "$1" = remove ] && command -v deb-systemd-helper >/dev/null; then
    deb-systemd-helper mask homefleet-agent.service homefleet-hub.service >/dev/null || true
fi
if [ "$1" = purge ]; then
    if command -v deb-systemd-helper >/dev/null; then
        deb-systemd-helper purge homefleet-agent.service homefleet-hub.service >/dev/null || true
        deb-systemd-helper unmask homefleet-agent.service homefleet-hub.service >/dev/null || true
    fi
    rm -rf /var/lib/homefleet /etc/homefleet
    if getent passwd homefleet >/dev/null; then
        deluser --system homefleet >/dev/null 2>&1 || userdel homefleet >/dev/null 2>&1 || true
    fi
    if getent group homefleet >/dev/null; then
        delgroup --system homefleet >/dev/null 2>&1 || groupdel homefleet >/dev/null 2>&1 || true
    fi
fi
exit 0
