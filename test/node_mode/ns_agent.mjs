// Runs inside a test's network namespace (ip netns exec NS node ns_agent.mjs '<json>'), where the
// test process itself cannot reach the nodes. One request per run, bounded by its deadline; prints
// one JSON line. Plain JS so it starts without a TypeScript loader.
const request = JSON.parse(process.argv[2] ?? '{}');
const deadline = Date.now() + (request.deadlineMs ?? 10_000);

async function call(url, init = {}) {
  const left = Math.max(1, deadline - Date.now());
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(Math.min(left, 3_000)) });
  const body = await response.json().catch(() => null);
  return { status: response.status, body };
}

async function status() {
  const headers = request.token ? { authorization: `Bearer ${request.token}` } : {};
  return Promise.all(
    request.urls.map(async (url) => {
      try {
        const answer = await call(`${url}/control/status`, { headers });
        return answer.status === 200 ? answer.body : null;
      } catch {
        return null;
      }
    }),
  );
}

/** PUTs every key, retrying each (elections, forwarding) until it is acknowledged or time is up. */
async function put() {
  const acked = [];
  for (const [key, value] of Object.entries(request.keys)) {
    for (;;) {
      try {
        const answer = await call(`${request.base}/v1/kv/${encodeURIComponent(key)}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ value }),
        });
        if (answer.status === 200) {
          acked.push(key);
          break;
        }
      } catch {
        // no answer yet: retry below
      }
      if (Date.now() > deadline) return { acked, error: `no acknowledgement for ${key} in time` };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return { acked };
}

/** How many keys this node's own state does not hold yet (stale reads are served locally). */
async function missing() {
  let count = 0;
  for (const [key, value] of Object.entries(request.keys)) {
    try {
      const answer = await call(`${request.base}/v1/kv/${encodeURIComponent(key)}?consistency=stale`);
      if (answer.status !== 200 || answer.body?.value !== value) count += 1;
    } catch {
      count += 1;
    }
  }
  return { missing: count };
}

const ops = { status, put, missing };
const op = ops[request.op];
if (op === undefined) {
  process.stdout.write(`${JSON.stringify({ error: `unknown op ${request.op}` })}\n`);
  process.exitCode = 2;
} else {
  // Exit once written: a connect still pending towards a cut host must not keep us alive.
  process.stdout.write(`${JSON.stringify(await op())}\n`, () => process.exit(0));
}
