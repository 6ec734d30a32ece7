/** The REPL's `help` text: one place, so the README and the REPL say the same thing. */
export const REPL_HELP = `KV commands (sent to the leader through the client):
  SET key value            SET k "a value with spaces"   SET --key k --value v
  GET key                  DEL key [key ...]             EXISTS key [key ...]
  APPEND key value         INCR key    INCRBY key delta  MGET key [key ...]
  CAS key expected new     KEYS [pattern]    STRLEN key    DBSIZE
Faults (same vocabulary as the library API):
  crash N                  stop node N's worker; its disk is kept
  restart N                start node N again from its disk
  partition 1,2 3,4,5      split the cluster into groups that cannot talk to each other
  oneway A B               drop messages from A to B (B to A still flows)
  isolate N                cut node N off from every other node
  heal                     remove every partition and cut (link settings stay: link A B reset)
  link A B delay=50 jitter=10 loss=0.1 dup=0.05 reorder=on    degrade the link between A and B
  link A B reset           make the link between A and B healthy again
  pause N / resume N       freeze node N like a stopped process (no ticks, no messages, no answers on its client ports) and wake it again
Other:
  status                   a table of every node: role, term, commit, applied, last index, snapshot index, leader
  snapshot [N]             snapshot node N (default: the leader) now and compact its log
  logsize                  per node: first and last log index, snapshot index, recovery time at start
  help                     this text
  exit                     stop the cluster and leave (Ctrl-C or Ctrl-D do the same)`;
