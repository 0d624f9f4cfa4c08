#!/bin/sh
# Serves the p2pchat daemon's metrics to Prometheus, which cannot scrape a Unix socket. socat runs
# this once per TCP connection (see docs/operations.md, "Metrics"). Every request is answered with
# the daemon's GET /metrics and nothing else, so the rest of the control API stays private. Run it
# as the daemon's user, with the daemon's P2PCHAT_HOME or P2PCHAT_SOCKET if it has one: `p2pchat`
# finds the socket as it always does.
read -r _request_line
if metrics=$(p2pchat metrics); then
  printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n\r\n%s\n' "$metrics"
else
  printf 'HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\nthe p2pchat daemon does not answer\n'
fi
