#!/bin/sh
# RPM: on erase (not upgrade) disable and stop the services; config
# (%config(noreplace)) and /var/lib/homefleet are kept.
if [ "$1" -eq 0 ] && [ -d /run/systemd/system ]; then
    systemctl --no-reload disable --now homefleet-agent.service homefleet-hub.service >/dev/null 2>&1 || true
fi
exit 0
