#!/bin/sh
# bench/run.sh: what `make bench` runs (after building build/roundtable).
# Builds the bench tools into build/bench/, starts Roundtable, a Node `ws`
# broadcast server and mosquitto (websockets) on free loopback ports with temp
# data, servers pinned to CPU 0 and the load generator to CPU 1, and runs:
#   fan-out max rate, one room, N = 1,000 and 5,000 (RUNS interleaved rounds)
#   fixed 40,000 deliveries/s at N = 1,000 (latency)
#   10,000 idle signed-in subscribers: server VmRSS per connection
#   thread.get newest vs oldest page on a 100,000-message thread
# Prints a table and writes bench/RESULTS.md. Figures are reported, never asserted.
# Environment: RUNS (default 3), PEERS=0 to skip Node and mosquitto.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
B=$ROOT/build/bench
RUNS=${RUNS:-3}
PEERS=${PEERS:-1}
PKGS="libwebsockets sqlite3 jansson libsodium libmarkdown libgit2"
mkdir -p "$B"

echo "bench: building into $B"
cc -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -o "$B/loadgen" bench/loadgen.c
# fill links against the project's objects the way tests/unit do
OBJS=$(ls build/daemon/*.o build/storage/*.o build/gen/schema.o | grep -v '/main\.o$')
cc -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Idaemon -Istorage -Ibuild/gen \
	$(pkg-config --cflags $PKGS) -o "$B/fill" bench/fill.c $OBJS $(pkg-config --libs $PKGS) -lpthread

ulimit -n "$(ulimit -Hn)"
TMP=$(mktemp -d /tmp/rt-bench.XXXXXX)
OUT=$TMP/results.txt
: > "$OUT"
PIDS=""
LOAD0=$(cut -d" " -f1-3 /proc/loadavg)
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

freeport() {
	while :; do
		p=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 20000 ))
		ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return; }
	done
}
waitport() { # port
	i=0
	while ! ss -Htln "sport = :$1" | grep -q .; do
		i=$((i + 1)); [ $i -lt 100 ] || { echo "bench: nothing listens on $1" >&2; exit 1; }
		sleep 0.1
	done
}
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

LG="taskset -c 1 $B/loadgen"
PASS=benchpassword1

# --- the servers ------------------------------------------------------------
RT_PORT=$(freeport)
printf '%s\n' "$PASS" | ./build/roundtable user add --data "$TMP/data" --email bench@bench.test --name Bench --admin >/dev/null
taskset -c 0 ./build/roundtable serve --data "$TMP/data" --listen "127.0.0.1:$RT_PORT" >"$TMP/rt.log" 2>&1 &
RT_PID=$!; PIDS="$PIDS $RT_PID"
waitport "$RT_PORT"

SERVERS="rt"
if [ "$PEERS" = 1 ]; then
	NODE_PORT=$(freeport)
	taskset -c 0 node bench/node-broadcast.mjs "$NODE_PORT" >"$TMP/node.log" 2>&1 &
	NODE_PID=$!; PIDS="$PIDS $NODE_PID"
	waitport "$NODE_PORT"
	if command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ]; then
		MQ_PORT=$(freeport); MQ_TCP=$(freeport)
		# 2.0.11 refuses to start with only a websockets listener: add a loopback TCP one
		printf 'listener %s 127.0.0.1\nlistener %s lo\nprotocol websockets\nallow_anonymous true\nmax_queued_messages 100000\n' \
			"$MQ_TCP" "$MQ_PORT" > "$TMP/mosquitto.conf"
		taskset -c 0 "$(command -v mosquitto || echo /usr/sbin/mosquitto)" -c "$TMP/mosquitto.conf" >"$TMP/mq.log" 2>&1 &
		MQ_PID=$!; PIDS="$PIDS $MQ_PID"
		waitport "$MQ_PORT"
		SERVERS="rt node mqtt"
	else
		echo "bench: mosquitto not installed (apt-get install -y mosquitto): skipped"
		SERVERS="rt node"
	fi
fi
port_of() { case $1 in rt) echo "$RT_PORT";; node) echo "$NODE_PORT";; mqtt) echo "$MQ_PORT";; esac; }
pid_of() { case $1 in rt) echo "$RT_PID";; node) echo "$NODE_PID";; mqtt) echo "$MQ_PID";; esac; }

run() { # tag server args...
	tag=$1; s=$2; shift 2
	line=$($LG --mode "$s" --port "$(port_of "$s")" "$@" 2>"$TMP/lg.err" | tr '\n' ' ') || true
	[ -n "$line" ] || line="failed: $(head -c 300 "$TMP/lg.err")"
	echo "$tag $s $line" | head -1 | tee -a "$OUT"
}

# --- memory per idle connection, 10,000, first: on fresh servers, whose
# allocators have not yet grown and kept memory from earlier runs ----------
for s in $SERVERS; do
	pid=$(pid_of "$s")
	before=$(rss_kib "$pid")
	rm -f "$TMP/idle-$s.out"
	$LG --mode "$s" --idle --port "$(port_of "$s")" -n 10000 --hold 4 >"$TMP/idle-$s.out" 2>"$TMP/idle-$s.err" &
	lg=$!
	i=0
	while ! grep -q READY "$TMP/idle-$s.out" 2>/dev/null && kill -0 "$lg" 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	sleep 1
	after=$(rss_kib "$pid")
	wait "$lg" || true
	if grep -q READY "$TMP/idle-$s.out"; then
		echo "idle10k $s n=10000 rss_before_kib=$before rss_after_kib=$after kib_per_conn=$(awk "BEGIN{printf \"%.2f\", ($after-$before)/10000}")" | tee -a "$OUT"
	else
		echo "idle10k $s failed: $(head -c 300 "$TMP/idle-$s.err")" | tee -a "$OUT"
	fi
	sleep 1
done

# --- fan-out, interleaved rounds --------------------------------------------
$LG --mode rt --port "$RT_PORT" -n 10 -m 10 >/dev/null 2>&1 || true   # warm up
for r in $(seq 1 "$RUNS"); do
	echo "bench: round $r of $RUNS"
	for s in $SERVERS; do
		# about 1 s of work each: Roundtable delivers several times faster
		# the peers' payload is padded to the size of Roundtable's message.created event
		case $s in rt) m1=1000; m5=200; pad=0;; *) m1=200; m5=60; pad=300;; esac
		run max1000 "$s" -n 1000 -m $m1 --window 16 --pad $pad
		run max5000 "$s" -n 5000 -m $m5 --window 16 --pad $pad
		run fixed40k "$s" -n 1000 -m 160 --rate 40 --pad $pad
	done
done

# --- history paging on a 100,000-message thread -----------------------------
line=$($LG --mode rt --port "$RT_PORT" -n 1 -m 1 --coalition paging 2>/dev/null || true)
thread=$(echo "$line" | sed -n 's/.*thread=\([0-9]*\).*/\1/p')
if [ -n "$thread" ] && ids=$("$B/fill" "$TMP/data/roundtable.db" "$thread" 1 100000); then
	first=$(echo "$ids" | sed -n 's/first=\([0-9]*\).*/\1/p')
	last=$(echo "$ids" | sed -n 's/.*last=\([0-9]*\)/\1/p')
	# the reader wrote every message and never marked them read (unread scan), then after thread.read
	for r in $(seq 1 "$RUNS"); do
		echo "paging_unread $($LG --mode paging --port "$RT_PORT" --thread "$thread" --before $((first + 60)) --reps 100)" | tee -a "$OUT"
	done
	for r in $(seq 1 "$RUNS"); do
		echo "paging_read $($LG --mode paging --port "$RT_PORT" --thread "$thread" --before $((first + 60)) --reps 300 --mark-read "$last")" | tee -a "$OUT"
	done
else
	echo "paging failed" | tee -a "$OUT"
fi

# --- the table --------------------------------------------------------------
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
stat3() { # median min max of numbers on stdin
	sort -n | awk '{a[NR]=$1} END {if (!NR) {print "- - -"; exit} printf "%s %s %s\n", a[int((NR+1)/2)], a[1], a[NR]}'
}
med() { grep "^$1 $2 " "$OUT" | grep -v failed | field "$3" | tr -d '%' | stat3 | cut -d' ' -f1; }
spread() { grep "^$1 $2 " "$OUT" | grep -v failed | field "$3" | stat3 | awk '{print $2 "-" $3}'; }
lost() { grep "^$1 $2 " "$OUT" | awk '{for (i=1;i<=NF;i++) if ($i ~ /^(lost|closed)=/) {split($i,a,"="); s+=a[2]}} /failed/ {f++} END {printf "%d%s", s, f ? " (" f " failed)" : ""}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b+0 > 0 && a+0 > 0) printf "%.2f", a/b; else printf "-" }'; }
name() { case $1 in rt) echo Roundtable;; node) echo "Node ws";; mqtt) echo "mosquitto";; esac; }

DATE=$(date -u +%Y-%m-%dT%H:%MZ)
LOAD1=$(cut -d" " -f1-3 /proc/loadavg)
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
{
	echo "# Benchmark results"
	echo
	echo "$DATE, $(nproc) cores ($CPU), Linux $(uname -r), loopback."
	echo "Command: \`make bench\` (RUNS=$RUNS; servers on CPU 0, load generator on CPU 1;"
	echo "load average $LOAD0 at the start, $LOAD1 at the end: other work shared the 2 cores)."
	echo "Medians of $RUNS interleaved runs, spread min-max."
	echo "Roundtable persists every message (SQLite) and renders its markdown; the peers do neither."
	echo
	echo "## Fan-out, one room, $(med max1000 rt msg_bytes)-byte events (the peers' payloads padded to 300 bytes)"
	echo
	echo "Max rate: the publisher keeps at most 16 messages not yet delivered to everyone."
	echo "Latency is from the send to the arrival at each subscriber (at max rate it is queueing)."
	echo
	echo "| server | N | deliveries/s (spread) | p50 ms | p99 ms | p99.9 ms | lost | CPU0 / CPU1 busy |"
	echo "|---|---|---|---|---|---|---|---|"
	for t in max1000 max5000 fixed40k; do
		for s in $SERVERS; do
			n=1000; [ "$t" = max5000 ] && n=5000
			label=$n; [ "$t" = fixed40k ] && label="$n @ 40k/s"
			echo "| $(name "$s") | $label | $(med "$t" "$s" deliv_per_s) ($(spread "$t" "$s" deliv_per_s)) | $(med "$t" "$s" p50_ms) | $(med "$t" "$s" p99_ms) | $(med "$t" "$s" p999_ms) | $(lost "$t" "$s") | $(med "$t" "$s" cpu0)% / $(med "$t" "$s" cpu1)% |"
		done
	done
	echo
	echo "Roundtable message.post acknowledgement (persisted) at 40k/s: p50 $(med fixed40k rt post_ack_p50_ms) ms, p99 $(med fixed40k rt post_ack_p99_ms) ms."
	echo "CPU busy: per core from /proc/stat during the run, all processes (server on CPU 0, load generator on CPU 1)."
	rt1=$(med max1000 rt deliv_per_s); rt5=$(med max5000 rt deliv_per_s)
	echo "Roundtable N=5,000 / N=1,000 throughput: $(ratio "$rt5" "$rt1")."
	for s in $SERVERS; do
		[ "$s" = rt ] && continue
		echo "Roundtable / $(name "$s"): $(ratio "$rt1" "$(med max1000 "$s" deliv_per_s)") at N=1,000, $(ratio "$rt5" "$(med max5000 "$s" deliv_per_s)") at N=5,000 (median deliveries/s)."
	done
	echo
	echo "## Memory per idle connection, 10,000 connections (server VmRSS after minus before)"
	echo
	echo "| server | KiB per connection |"
	echo "|---|---|"
	for s in $SERVERS; do
		echo "| $(name "$s") | $(grep "^idle10k $s " "$OUT" | field kib_per_conn | head -1) |"
	done
	echo
	echo "Roundtable's connections are signed in (auth.resume) and subscribed."
	echo
	echo "## thread.get on a 100,000-message thread, round trip over the protocol"
	echo
	echo "| reader | newest page ms | oldest page ms | oldest/newest |"
	echo "|---|---|---|---|"
	echo "| wrote every message, no read marker | $(med paging_unread paging newest_page_ms) | $(med paging_unread paging oldest_page_ms) | $(med paging_unread paging ratio) |"
	echo "| after thread.read up to the last | $(med paging_read paging newest_page_ms) | $(med paging_read paging oldest_page_ms) | $(med paging_read paging ratio) |"
} > "$TMP/RESULTS.md"
cp "$TMP/RESULTS.md" bench/RESULTS.md
echo
cat bench/RESULTS.md
echo
echo "bench: wrote bench/RESULTS.md"
