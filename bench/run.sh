#!/bin/sh
# bench/run.sh: what `make bench` runs (after building build/roundtable).
# Builds the bench tools into build/bench/, starts Roundtable, a Node `ws`
# broadcast server and mosquitto (websockets) on free loopback ports with temp
# data, servers pinned to CPU 0 and the load generator to CPU 1, and runs the
# matrix of issue 9:
#   memory per idle signed-in connection at 10,000 connections (VmRSS delta / N)
#   fan-out at max rate, one room, N = 100, 1,000, 5,000, 10,000;
#   100 rooms of 100; N = 1,000 with one subscriber that stops reading;
#   a fixed 40,000 deliveries/s at N = 1,000 (latency)     (RUNS interleaved rounds)
#   a subscriber that stops reading until the server cuts it off (once per server)
#   durable ballots/s, 100 voters each casting again when acknowledged (RUNS runs)
#   thread.get newest vs oldest page on a 100,000-message thread (RUNS runs)
#   decision.tally and decision.close of 100,000 ranked ballots, and ballots
#   cast on that decision
#   the markdown renderer on the worst inputs found (bench/mdworst.c), 64 and
#   256 KiB: discount alone and the daemon's guarded renderer
# Prints the raw lines, keeps them in build/bench/raw.txt and writes
# bench/RESULTS.md from them (bench/report.sh). Figures are reported, never
# asserted. Environment: RUNS (default 3), PEERS=0 to skip Node and mosquitto,
# BENCH_QUICK=1 for tiny sizes (development: seconds, RUNS=1; never written to
# bench/RESULTS.md but to build/bench/RESULTS-quick.md).
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
B=$ROOT/build/bench
QUICK=${BENCH_QUICK:-0}
PEERS=${PEERS:-1}
PKGS="libwebsockets sqlite3 jansson libsodium libmarkdown libgit2"
T_START=$(date +%s)

# --- sizes --------------------------------------------------------------------
# Fan-out runs send for SEND_SECS, then wait for those messages to be
# delivered: about the same time on every server, whatever its speed.
if [ "$QUICK" = 1 ]; then
	RUNS=${RUNS:-1}
	N1=20; N2=100; N3=300; N4=500; ROOMS=10; PER_ROOM=10; IDLE=500
	VOTERS=16; BALLOT_SECS=1; PAGE_MSGS=5000; TALLY_BALLOTS=5000; CUT_M=100
	SEND_SECS=0.5; FIXED_SECS=1; IDLE_HOLD=1
	RESULTS=build/bench/RESULTS-quick.md
else
	RUNS=${RUNS:-3}
	N1=100; N2=1000; N3=5000; N4=10000; ROOMS=100; PER_ROOM=100; IDLE=10000
	VOTERS=100; BALLOT_SECS=5; PAGE_MSGS=100000; TALLY_BALLOTS=100000; CUT_M=800
	SEND_SECS=1.5; FIXED_SECS=3; IDLE_HOLD=1
	RESULTS=bench/RESULTS.md
fi
NR=$((ROOMS * PER_ROOM))
mkdir -p "$B"

echo "bench: building into $B"
cc -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -o "$B/loadgen" bench/loadgen.c
# fill links against the project's objects the way tests/unit do
OBJS=$(ls build/daemon/*.o build/storage/*.o build/gen/schema.o | grep -v '/main\.o$')
cc -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Idaemon -Istorage -Ibuild/gen \
	$(pkg-config --cflags $PKGS) -o "$B/fill" bench/fill.c $OBJS $(pkg-config --libs $PKGS) -lpthread
cc -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Idaemon -Istorage -Ibuild/gen \
	$(pkg-config --cflags $PKGS) -o "$B/mdworst" bench/mdworst.c $OBJS $(pkg-config --libs $PKGS) -lpthread

# 10,000 connections need 10,000 descriptors in the load generator and in each
# server (which inherit this limit): raise the soft limit to the hard one.
ulimit -n "$(ulimit -Hn)"
NOFILE=$(ulimit -n)
if [ "$NOFILE" != unlimited ] && [ "$NOFILE" -lt $((N4 + 200)) ]; then
	echo "bench: ulimit -Hn is $NOFILE, below $((N4 + 200)) for $N4 connections; raise it (limits.conf, or run as root)" >&2
	exit 1
fi

TMP=$(mktemp -d /tmp/rt-bench.XXXXXX)
OUT=$TMP/results.txt
: > "$OUT"
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

# How busy the two cores are with other work, before anything of ours runs.
cpu_busy() { # one-second sample of /proc/stat, percent busy of all cores
	a=$(awk '/^cpu / {t=0; for (i=2;i<=NF;i++) t+=$i; print t, $5+$6}' /proc/stat); sleep 1
	b=$(awk '/^cpu / {t=0; for (i=2;i<=NF;i++) t+=$i; print t, $5+$6}' /proc/stat)
	echo "$a $b" | awk '{dt=$3-$1; di=$4-$2; printf "%.0f", (dt > 0 ? 100*(dt-di)/dt : 0)}'
}
OTHER0=$(cpu_busy)
LOAD0=$(cut -d" " -f1-3 /proc/loadavg)

USED_PORTS=" "
freeport() { # below the ephemeral range (32768-), unused in any state, not handed out before
	while :; do
		p=$(( 12000 + $(od -An -N2 -tu2 /dev/urandom) % 20000 ))
		case $USED_PORTS in *" $p "*) continue;; esac
		ss -Htan "sport = :$p" | grep -q . || { echo "$p"; return; }
	done
}
waitport() { # port log: up to 30 s (a loaded machine starts Node slowly)
	i=0
	while ! ss -Htln "sport = :$1" | grep -q .; do
		i=$((i + 1))
		[ $i -lt 300 ] || { echo "bench: nothing listens on $1 after 30 s; $2 says:" >&2; tail -5 "$2" >&2; exit 1; }
		sleep 0.1
	done
}
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
nofile_of() { awk '/^Max open files/ {print $4}' "/proc/$1/limits"; }

LG="taskset -c 1 $B/loadgen"
PASS=benchpassword1

# --- the servers ------------------------------------------------------------
RT_PORT=$(freeport); USED_PORTS="$USED_PORTS$RT_PORT "
DB=$TMP/data/roundtable.db
printf '%s\n' "$PASS" | ./build/roundtable user add --data "$TMP/data" --email bench@bench.test --name Bench --admin >/dev/null
# Every load-generator connection comes from 127.0.0.1 and signs in after
# connecting: lift the caps meant for strangers (docs/operations.md).
taskset -c 0 ./build/roundtable serve --data "$TMP/data" --listen "127.0.0.1:$RT_PORT" \
	--max-conns-per-addr 1000000 --max-conns 1000000 >"$TMP/rt.log" 2>&1 &
RT_PID=$!; PIDS="$PIDS $RT_PID"
waitport "$RT_PORT" "$TMP/rt.log"

SERVERS="rt"
if [ "$PEERS" = 1 ]; then
	NODE_PORT=$(freeport); USED_PORTS="$USED_PORTS$NODE_PORT "
	taskset -c 0 node bench/node-broadcast.mjs "$NODE_PORT" >"$TMP/node.log" 2>&1 &
	NODE_PID=$!; PIDS="$PIDS $NODE_PID"
	waitport "$NODE_PORT" "$TMP/node.log"
	if command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ]; then
		MQ_PORT=$(freeport); USED_PORTS="$USED_PORTS$MQ_PORT "; MQ_TCP=$(freeport)
		# 2.0.11 refuses to start with only a websockets listener: add a loopback TCP one
		printf 'listener %s 127.0.0.1\nlistener %s lo\nprotocol websockets\nallow_anonymous true\nmax_queued_messages 100000\n' \
			"$MQ_TCP" "$MQ_PORT" > "$TMP/mosquitto.conf"
		taskset -c 0 "$(command -v mosquitto || echo /usr/sbin/mosquitto)" -c "$TMP/mosquitto.conf" >"$TMP/mq.log" 2>&1 &
		MQ_PID=$!; PIDS="$PIDS $MQ_PID"
		waitport "$MQ_PORT" "$TMP/mq.log"
		SERVERS="rt node mqtt"
	else
		echo "bench: mosquitto not installed (apt-get install -y mosquitto): skipped"
		SERVERS="rt node"
	fi
fi
port_of() { case $1 in rt) echo "$RT_PORT";; node) echo "$NODE_PORT";; mqtt) echo "$MQ_PORT";; esac; }
pid_of() { case $1 in rt) echo "$RT_PID";; node) echo "$NODE_PID";; mqtt) echo "$MQ_PID";; esac; }
# The readers: one member of "bench" and one of each room-<k>, with a session
# each. A member belongs to a few coalitions; the publisher, a server
# administrator, sees them all and would make every auth.resume list 100 of them.
$LG --mode rt --port "$RT_PORT" --prepare -n 1 -m 1 >/dev/null
$LG --mode rt --port "$RT_PORT" --prepare -n "$ROOMS" --rooms "$ROOMS" --coalition room >/dev/null
"$B/fill" readers "$DB" bench 1 > "$TMP/readers-bench"
"$B/fill" readers "$DB" room "$ROOMS" > "$TMP/readers-room"
readers() { [ "$1" = rt ] && echo "--tokens $TMP/readers-$2" || true; } # server room: the option, for Roundtable
LIMITS=""
for s in $SERVERS; do LIMITS="$LIMITS $s=$(nofile_of "$(pid_of "$s")")"; done

run() { # tag server args...
	tag=$1; s=$2; shift 2
	line=$($LG --mode "$s" --port "$(port_of "$s")" "$@" 2>"$TMP/lg.err" | tr '\n' ' ') || true
	[ -n "$line" ] || line="failed: $(head -c 300 "$TMP/lg.err" | tr '\n' ' ')"
	echo "$tag $s $line" | head -1 | tee -a "$OUT"
}

# --- memory per idle connection, first: on fresh servers, whose allocators
# have not yet grown and kept memory from earlier runs ----------------------
for s in $SERVERS; do
	pid=$(pid_of "$s")
	before=$(rss_kib "$pid")
	rm -f "$TMP/idle-$s.out"
	$LG --mode "$s" --idle --port "$(port_of "$s")" $(readers "$s" bench) -n "$IDLE" --hold "$IDLE_HOLD" >"$TMP/idle-$s.out" 2>"$TMP/idle-$s.err" &
	lg=$!
	i=0
	while ! grep -q READY "$TMP/idle-$s.out" 2>/dev/null && kill -0 "$lg" 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	sleep 1
	after=$(rss_kib "$pid")
	wait "$lg" || true
	if grep -q READY "$TMP/idle-$s.out"; then
		echo "idle $s n=$IDLE rss_before_kib=$before rss_after_kib=$after kib_per_conn=$(awk "BEGIN{printf \"%.2f\", ($after-$before)/$IDLE}")" | tee -a "$OUT"
	else
		echo "idle $s failed: $(head -c 300 "$TMP/idle-$s.err")" | tee -a "$OUT"
	fi
	sleep 1
done

# --- fan-out, interleaved rounds --------------------------------------------
# each run sends for SEND_SECS (at most M messages), then waits for those to be delivered
lg_max() { run "$@" --window 16 --pad "$pad" --send-secs "$SEND_SECS"; }
$LG --mode rt --port "$RT_PORT" -n 10 -m 10 >/dev/null 2>&1 || true   # warm up
for r in $(seq 1 "$RUNS"); do
	echo "bench: round $r of $RUNS"
	for s in $SERVERS; do
		# the peers' payload is padded to the size of Roundtable's message.created event
		case $s in rt) pad=0;; *) pad=300;; esac
		pid=$(pid_of "$s")
		rb=$(readers "$s" bench); rr=$(readers "$s" room)
		lg_max "max$N1" "$s" $rb -n $N1 -m 20000
		lg_max "max$N2" "$s" $rb -n $N2 -m 5000
		lg_max "max$N3" "$s" $rb -n $N3 -m 2000
		lg_max "max$N4" "$s" $rb -n $N4 -m 1000
		run rooms "$s" $rr -n $NR --rooms $ROOMS -m 20000 --window $ROOMS --pad $pad --send-secs "$SEND_SECS" --coalition room
		lg_max slow "$s" $rb -n $N2 --slow 1 -m 5000 --pid "$pid"
		# FIXED_SECS at 40,000 deliveries/s
		run fixed40k "$s" $rb -n $N2 -m $((40000 / N2 * FIXED_SECS)) --rate $((40000 / N2)) --pad $pad
	done
done

# --- a subscriber that stops reading, until the server lets go of it -------
# Roundtable cuts a client off past 8,192 queued frames or 16 MiB. The kernel
# buffers about 4 MB for it first; CUT_M events of 32 KiB (a 16,000-byte body
# and its HTML) to 10 readers and 1 stalled one pass that in a few seconds.
for s in $SERVERS; do
	case $s in rt) pad=16000;; *) pad=32500;; esac
	run slowcut "$s" $(readers "$s" bench) -n 11 --slow 1 -m $CUT_M --window 16 --pad $pad --pid "$(pid_of "$s")" --max-secs 15
done

# --- durable ballots, VOTERS concurrent voters -------------------------------
$LG --mode rt --port "$RT_PORT" -n 1 -m 1 --coalition votes >/dev/null
"$B/fill" voters "$DB" votes "$VOTERS" > "$TMP/tokens"
for r in $(seq 1 "$RUNS"); do
	echo "ballots $($LG --mode ballots --port "$RT_PORT" --coalition votes --tokens "$TMP/tokens" -n "$VOTERS" --secs "$BALLOT_SECS" 2>"$TMP/lg.err" || echo "failed: $(head -c 300 "$TMP/lg.err")")" | tee -a "$OUT"
done

# --- history paging on a 100,000-message thread -----------------------------
line=$($LG --mode rt --port "$RT_PORT" -n 1 -m 1 --coalition paging 2>/dev/null || true)
thread=$(echo "$line" | sed -n 's/.*thread=\([0-9]*\).*/\1/p')
if [ -n "$thread" ] && ids=$("$B/fill" messages "$DB" "$thread" 0 "$PAGE_MSGS"); then
	first=$(echo "$ids" | sed -n 's/first=\([0-9]*\).*/\1/p')
	last=$(echo "$ids" | sed -n 's/.*last=\([0-9]*\)/\1/p')
	# another member wrote them; the reader has not opened the thread yet, then has read it all
	for r in $(seq 1 "$RUNS"); do
		echo "paging_unread $($LG --mode paging --port "$RT_PORT" --thread "$thread" --before $((first + 60)) --reps 30)" | tee -a "$OUT"
	done
	for r in $(seq 1 "$RUNS"); do
		echo "paging_read $($LG --mode paging --port "$RT_PORT" --thread "$thread" --before $((first + 60)) --reps 300 --mark-read "$last")" | tee -a "$OUT"
	done
else
	echo "paging failed" | tee -a "$OUT"
fi

# --- a ranked-choice tally of 100,000 ballots -------------------------------
# timed RUNS times; then ballots cast on that decision (live results: every
# cast recounts), by 4 voters; then the close, once.
dec=$($LG --mode tally --port "$RT_PORT" --coalition votes --prepare --options 8 2>"$TMP/lg.err" | sed -n 's/decision=//p') || true
if [ -n "$dec" ] && "$B/fill" ballots "$DB" "$dec" "$TALLY_BALLOTS" >/dev/null; then
	for r in $(seq 1 "$RUNS"); do
		echo "tally $($LG --mode tally --port "$RT_PORT" --decision "$dec" --reps 3 2>"$TMP/lg.err" || echo "failed: $(head -c 300 "$TMP/lg.err")")" | tee -a "$OUT"
	done
	for r in $(seq 1 "$RUNS"); do
		# fresh voters each run: a secret ballot cast in an earlier run needs its receipt
		echo "ballots_big $($LG --mode ballots --port "$RT_PORT" --coalition votes --tokens "$TMP/tokens" -n 4 --secs 2 \
			--first-token $((4 * r)) --decision "$dec" --choice '["Option 3","Option 1"]' 2>"$TMP/lg.err" || echo "failed: $(head -c 300 "$TMP/lg.err")")" | tee -a "$OUT"
	done
	echo "tally_close $($LG --mode tally --port "$RT_PORT" --decision "$dec" --reps 1 --close 2>"$TMP/lg.err" || echo "failed: $(head -c 300 "$TMP/lg.err")")" | tee -a "$OUT"
else
	echo "tally failed: $(head -c 300 "$TMP/lg.err")" | tee -a "$OUT"
fi

# --- markdown: the worst inputs found (bench/mdworst.c; `mdworst all` for every construct)
taskset -c 1 "$B/mdworst" worst | tee -a "$OUT"

# --- the report -------------------------------------------------------------
T_END=$(date +%s)
{
	echo "meta date $(date -u +%Y-%m-%dT%H:%MZ)"
	echo "meta machine $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), Linux $(uname -r)"
	echo "meta runs $RUNS"
	echo "meta quick $QUICK"
	echo "meta seconds $((T_END - T_START))"
	echo "meta other_busy $OTHER0"
	echo "meta load_start $LOAD0"
	echo "meta load_end $(cut -d" " -f1-3 /proc/loadavg)"
	echo "meta limits$LIMITS"
	echo "meta servers $SERVERS"
	echo "meta sizes N1=$N1 N2=$N2 N3=$N3 N4=$N4 ROOMS=$ROOMS PER_ROOM=$PER_ROOM IDLE=$IDLE VOTERS=$VOTERS BALLOT_SECS=$BALLOT_SECS PAGE_MSGS=$PAGE_MSGS TALLY_BALLOTS=$TALLY_BALLOTS CUT_M=$CUT_M"
	cat "$OUT"
} > "$B/raw.txt"
sh bench/report.sh "$B/raw.txt" > "$TMP/RESULTS.md"
cp "$TMP/RESULTS.md" "$RESULTS"
echo
cat "$RESULTS"
echo
echo "bench: wrote $RESULTS in $((T_END - T_START)) s (raw lines: $B/raw.txt; bench/report.sh $B/raw.txt re-renders them)"
