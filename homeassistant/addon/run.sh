#!/usr/with-contenv bashio
# Starts the hub with the Mosquitto add-on's credentials (services: mqtt:need)
# and the add-on's options as its config; /config/hub.yaml, when present,
# is used instead of the options.
set -e
HOMEFLEET_MQTT_URL="mqtt://$(bashio::services mqtt host):$(bashio::services mqtt port)"
if bashio::var.true "$(bashio::services mqtt ssl)"; then
  HOMEFLEET_MQTT_URL="mqtts://$(bashio::services mqtt host):$(bashio::services mqtt port)"
fi
export HOMEFLEET_MQTT_URL
export HOMEFLEET_MQTT_USERNAME="$(bashio::services mqtt username)"
export HOMEFLEET_MQTT_PASSWORD="$(bashio::services mqtt password)"
export STATE_DIRECTORY=/data   # history (hub.db) survives add-on updates
config=/data/options.json      # JSON is YAML: the options are hub config keys
if bashio::fs.file_exists /config/hub.yaml; then
  config=/config/hub.yaml
fi
bashio::log.info "homefleet hub: broker ${HOMEFLEET_MQTT_URL}, config ${config}"
exec /usr/bin/homefleet hub --config "${config}"
