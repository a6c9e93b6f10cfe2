// Starts `mlavk serve` on 127.0.0.1 on a free port (--port 0: the server prints the port it took) and gives an
// openai client for it. MLAVK_BIN is the mlavk program; every test stops its server with SIGTERM and checks
// that it exits 0.
import { spawn, execFileSync } from 'node:child_process';
import OpenAI from 'openai';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function check(condition, message) {
  if (!condition) throw new Error(message);
}

export function equal(actual, expected, what) {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: got ${a}, expected ${e}`);
}

// Starts the server and returns once it listens, the model possibly still loading.
export async function launchServer(args = []) {
  const child = spawn(process.env.MLAVK_BIN, ['serve', '--host', '127.0.0.1', '--port', '0', ...args], {
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  let log = '';
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const port = await new Promise((resolve, reject) => {
    child.stderr.on('data', (data) => {
      log += data;
      process.stderr.write(data);
      const m = log.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) resolve(Number(m[1]));
    });
    exited.then(({ code }) => reject(new Error(`the server exited with ${code} before listening: ${log}`)));
  });
  return {
    child, port, base: `http://127.0.0.1:${port}`, exited,
    log: () => log,
    // SIGTERM, then the exit code.
    async stop() {
      child.kill('SIGTERM');
      const { code, signal } = await exited;
      check(code === 0, `the server exited with ${code} (${signal}) on SIGTERM`);
    },
  };
}

// Polls /health until it answers 200 (within 30 s).
export async function waitReady(base) {
  for (let i = 0; ; i++) {
    const r = await fetch(`${base}/health`).catch(() => null);
    if (r && r.status === 200) return;
    check(i < 600, 'the server did not become ready within 30 s');
    await sleep(50);
  }
}

export async function startServer(args = []) {
  const server = await launchServer(args);
  const { base } = server;
  await waitReady(base);
  const key = args.indexOf('--api-key');
  const apiKey = key >= 0 ? args[key + 1] : 'unused';
  const client = new OpenAI({ baseURL: `${base}/v1`, apiKey, maxRetries: 0, timeout: 60000 });
  const { data } = await client.models.list();
  return {
    ...server, client, model: data[0].id,
    // The Prometheus text of /metrics as { name: value }.
    async metrics() {
      const text = await (await fetch(`${base}/metrics`)).text();
      const values = {};
      for (const line of text.split('\n'))
        if (line && !line.startsWith('#')) {
          const [name, value] = line.split(' ');
          values[name] = Number(value);
        }
      return values;
    },
  };
}

// The token count of a text as `mlavk tokenize` gives it (BOS included when the model adds one).
export function tokenCount(text, extra = []) {
  const out = execFileSync(process.env.MLAVK_BIN, ['tokenize', '-m', process.env.MLAVK_MODEL, '-p', text, ...extra]);
  return out.toString().trim().split(/[\s,]+/).filter((s) => s.length).length;
}

// A POST with a raw body; the status and the parsed JSON answer.
export async function post(server, path, body) {
  const r = await fetch(`${server.base}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
}

// The OpenAI-style error body: {"error": {"message", "type", "param", "code"}}.
export function checkError(answer, status, type, param, code) {
  equal(answer.status, status, 'HTTP status');
  const e = answer.body.error;
  check(e && typeof e.message === 'string' && e.message.length > 0, `no error message: ${JSON.stringify(answer.body)}`);
  equal(e.type, type, 'error type');
  if (param !== undefined) equal(e.param, param, 'error param');
  if (code !== undefined) equal(e.code, code, 'error code');
}

// Runs a test with its own server; any failure is printed and exits 1.
export async function serverTest(args, body) {
  let server;
  try {
    server = await startServer(args);
    await body(server);
    await server.stop();
    server = null;
  } catch (e) {
    console.error(e.stack || e);
    process.exitCode = 1;
  } finally {
    if (server) server.child.kill('SIGKILL');
  }
}
