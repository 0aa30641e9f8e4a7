#!/bin/sh
# Installs what bench/data_path.ts needs: wrk, nginx (only the binary is used: the benchmark runs its own
# instances from a temp dir and never touches the system nginx) and taskset (util-linux). Debian/Ubuntu.
set -eu
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update
$SUDO apt-get install -y wrk nginx util-linux
