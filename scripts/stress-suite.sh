#!/usr/bin/env bash
# Run the test suite on a busy machine: CPU contention first, then the README's test
# command under it. Tests that depend on how fast the machine is fail here.
#
#   bash scripts/stress-suite.sh                         # the whole suite
#   bash scripts/stress-suite.sh tests/test_execution.py -x   # extra args go to pytest
#   STRESS_PER_CORE=3 bash scripts/stress-suite.sh        # heavier load (default 2)
#
# Exits with pytest's status. The load processes are killed on every exit path: normal
# end, Ctrl-C, SIGTERM/SIGHUP (trap), and if this script is SIGKILLed they notice their
# parent is gone and exit by themselves (scripts/cpu_load.py).
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."

per_core="${STRESS_PER_CORE:-2}"
cores="$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)"
load_pids=()
pytest_pid=""

stop_load() {
    if ((${#load_pids[@]})); then
        kill "${load_pids[@]}" 2>/dev/null
        wait "${load_pids[@]}" 2>/dev/null
        load_pids=()
    fi
}

on_signal() {  # $1: the signal, $2: the status to exit with
    trap - "$1"
    if [[ -n "$pytest_pid" ]]; then
        kill "-$1" "$pytest_pid" 2>/dev/null
        wait "$pytest_pid" 2>/dev/null
    fi
    exit "$2"  # runs the EXIT trap, which stops the load
}

trap stop_load EXIT
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM
trap 'on_signal HUP 129' HUP

count=$((cores * per_core))
for ((i = 0; i < count; i++)); do
    python3 "$here/cpu_load.py" &
    load_pids+=("$!")
done
echo "stress-suite: ${count} busy processes on ${cores} core(s); running: python3 -m pytest -q $*" >&2

# pytest runs in the background so that a signal to this script is handled at once
# (bash runs traps only between commands, but `wait` returns early on a trapped signal);
# `trap -` gives it back the default Ctrl-C handling that background commands lose.
( trap - INT QUIT; exec python3 -m pytest -q "$@" ) &
pytest_pid=$!
wait "$pytest_pid"
status=$?
pytest_pid=""
exit "$status"
