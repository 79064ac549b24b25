#!/bin/sh
# Debian: stop the services before their files go (not on upgrade:
# postinst restarts them with the new binary).
set -e
if [ -d /run/systemd/system ] && [ "$1" = remove ]; then
    systemctl stop homefleet-agent.service homefleet-hub.service >/dev/null || true
fi
exit 0
