// While the model loads, /health answers 503 with an OpenAI-style error and every /v1 endpoint the same body;
// once it is loaded, 200. The load is held by construction, not by timing: the model is a copy of a generated
// HF checkpoint whose tokenizer.json is a named pipe. The server reads it once to check the path before it
// listens, and the engine thread again to load after; the test writes it for the first, asks while the second
// read waits on the pipe (the load cannot end before it), then writes it again.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check, equal, launchServer, post, waitReady } from './harness.mjs';

const dir = mkdtempSync(join(tmpdir(), 'mlavk-loading-'));
const model = join(dir, 'v3-tiny');
cpSync(join(process.env.MLAVK_MODELS_DIR, 'v3-tiny', 'hf-f32'), model, { recursive: true });
const pipe = join(model, 'tokenizer.json');
const tokenizer = readFileSync(pipe);
unlinkSync(pipe);
execFileSync('mkfifo', [pipe]);

const loading = { error: { message: 'the model is loading', type: 'server_error', param: null, code: 'unavailable' } };
async function expectLoading(what, response) {
  equal(response.status, 503, `${what} while loading: status`);
  equal(await response.json(), loading, `${what} while loading: body`);
}

let server;
try {
  const checked = writeFile(pipe, tokenizer); // read by the check before the server listens
  server = await launchServer(['-m', model]);
  await checked;
  const { base } = server;
  await expectLoading('/health', await fetch(`${base}/health`));
  await expectLoading('/v1/models', await fetch(`${base}/v1/models`));
  const user = [{ role: 'user', content: 'hi' }];
  for (const [path, body] of [['/v1/completions', { prompt: 'hi', max_tokens: 2 }],
                              ['/v1/chat/completions', { messages: user, stream: true }],
                              ['/v1/completions', '{"prompt": ']]) // not parsed while loading
    await expectLoading(path, await fetch(`${base}${path}`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }));
  const metrics = await (await fetch(`${base}/metrics`)).text();
  check(/^mlavk_ready 0$/m.test(metrics), 'mlavk_ready is not 0 while loading');

  await writeFile(pipe, tokenizer); // the engine thread's load goes on
  await waitReady(base);
  const health = await fetch(`${base}/health`);
  equal([health.status, await health.json()], [200, { status: 'ok' }], '/health once loaded');
  const models = await fetch(`${base}/v1/models`);
  equal([models.status, (await models.json()).data[0].id], [200, 'v3-tiny'], '/v1/models once loaded');
  const answer = await post(server, '/v1/completions', { prompt: 'hi', max_tokens: 2 });
  equal([answer.status, answer.body.usage.completion_tokens], [200, 2], 'a completion once loaded');
  await server.stop();
  server = null;
} catch (e) {
  console.error(e.stack || e);
  process.exitCode = 1;
} finally {
  if (server) server.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
