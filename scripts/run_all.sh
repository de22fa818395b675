#!/usr/bin/env bash
# Starts the web server, a Celery worker and Celery beat together; Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT=${PORT:-8000}
pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

$BIN/celery -A config worker --loglevel=INFO --concurrency=2 & pids+=($!)
$BIN/celery -A config beat --loglevel=INFO & pids+=($!)
$BIN/python manage.py runserver "127.0.0.1:${PORT}" --noreload & pids+=($!)

cat <<MSG

  重点项目挂图作战 is running: http://127.0.0.1:${PORT}/
  API: http://127.0.0.1:${PORT}/api/v1/  docs: http://127.0.0.1:${PORT}/api/v1/docs/
  Demo logins (password demo12345):
    commission   发改委 (reads and writes everything)
    gaoxin       高新区园区管理员 (高新区 and its three sub-parks)
    luquan       鹿泉经济开发区园区管理员
    viewer       只读用户 (leaders)
  Ctrl-C stops the web server, the worker and beat.

MSG
wait -n "${pids[@]}"
