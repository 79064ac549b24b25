#!/bin/sh
# Debian: create the homefleet system user, give it the config group,
# enable and start the agent (Debian starts what it installs); the hub is
# enabled by the user on the one machine that runs it.
set -e
if [ "$1" = configure ]; then
    if ! getent passwd homefleet >/dev/null; then
        adduser --system --group --home /var/lib/homefleet --no-create-home \
            --gecos "homefleet agent and hub" homefleet >/dev/null
    fi
    for f in /etc/homefleet/agent.yaml /etc/homefleet/hub.yaml; do
        [ -e "$f" ] && chgrp homefleet "$f" && chmod 0640 "$f"
    done
    chgrp homefleet /etc/homefleet && chmod 0750 /etc/homefleet
    if command -v deb-systemd-helper >/dev/null; then
        deb-systemd-helper unmask homefleet-agent.service >/dev/null || true
        # true on the first install, then whatever the user chose since
        if deb-systemd-helper --quiet was-enabled homefleet-agent.service; then
            deb-systemd-helper enable homefleet-agent.service >/dev/null || true
        else
            deb-systemd-helper update-state homefleet-agent.service >/dev/null || true
        fi
        deb-systemd-helper update-state homefleet-hub.service >/dev/null || true
    fi
    if [ -d /run/systemd/system ]; then
        systemctl daemon-reload >/dev/null || true
        udevadm control --reload >/dev/null 2>&1 || true
        if [ -n "$2" ]; then
            systemctl try-restart homefleet-agent.service homefleet-hub.service >/dev/null || true
        else
            systemctl start homefleet-agent.service >/dev/null || true
        fi
    fi
fi
exit 0
