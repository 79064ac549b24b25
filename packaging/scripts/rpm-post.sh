#!/bin/sh
# RPM (Fedora, openSUSE): create the homefleet system user; enabling
# follows the distribution's presets (disabled unless a preset says so).
getent group homefleet >/dev/null || groupadd -r homefleet
getent passwd homefleet >/dev/null || useradd -r -g homefleet -G disk -d /var/lib/homefleet -s /sbin/nologin \
    -c "homefleet agent and hub" homefleet
chgrp homefleet /etc/homefleet /etc/homefleet/agent.yaml /etc/homefleet/hub.yaml 2>/dev/null || true
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || true
    if [ "$1" -eq 1 ]; then
        systemctl preset homefleet-agent.service homefleet-hub.service >/dev/null 2>&1 || true
    else
        systemctl try-restart homefleet-agent.service homefleet-hub.service >/dev/null 2>&1 || true
    fi
fi
exit 0
