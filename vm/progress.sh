# SPDX-License-Identifier: GPL-2.0
# Progress of a long build step (sourced, not run; needs lib.sh).
#
#   rs_progress LOG TOTAL -- COMMAND...
#
# Runs COMMAND with its output appended to LOG and says how far it got on stderr: on a
# terminal one line, rewritten every second; otherwise (CI logs, pipes) one line every
# RS_PROGRESS_INTERVAL seconds (default 60).  A line holds the objects compiled so far
# (kbuild's "  CC"/"  AS" lines in LOG), "of about TOTAL" when TOTAL is not 0, the elapsed
# time and the last line of LOG.  Returns COMMAND's exit status.

# The number of objects the last complete build logged in LOG (0 if unknown).
rs_progress_count() {
	grep -cE '^  (CC|AS)( \[M\])? ' "$1" 2>/dev/null || true
}

rs_progress() {
	local log=$1 total=$2 pid rc start=$SECONDS base now last line done tty=0 cols
	local every=${RS_PROGRESS_INTERVAL:-60}
	shift 3
	base=$(rs_progress_count "$log")
	[ -t 2 ] && tty=1
	"$@" >>"$log" 2>&1 &
	pid=$!
	last=$SECONDS
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		now=$SECONDS
		[ $tty = 1 ] || [ $((now - last)) -ge "$every" ] || continue
		last=$now
		done=$(($(rs_progress_count "$log") - base))
		line="building: $done"
		[ "$total" -gt 0 ] 2>/dev/null && line+=" of about $total"
		line+=" objects, $(((now - start) / 60))m$(printf %02d $(((now - start) % 60)))s"
		line+=" | $(tail -n1 "$log" | tr -d '\r' | sed 's/^ *//')"
		if [ $tty = 1 ]; then
			cols=$(tput cols 2>/dev/null || echo 80)
			[ "$cols" -gt 40 ] || cols=80
			printf '\r\033[K%s' "revokestorm-lab: ${line:0:$((cols - 18))}" >&2
		else
			rs_say "$line"
		fi
	done
	wait "$pid"
	rc=$?
	[ $tty = 1 ] && printf '\r\033[K' >&2
	rs_say "$(($(rs_progress_count "$log") - base)) objects compiled in $(((SECONDS - start) / 60))m$(printf %02d $(((SECONDS - start) % 60)))s"
	return $rc
}
