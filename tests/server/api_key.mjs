// With --api-key, every /v1 request needs "Authorization: Bearer <key>": without it, with another key or another
// scheme, a 401 invalid_api_key (the openai client's AuthenticationError); with it, answers as usual. /health
// and /metrics stay open for probes and scrapers.
import OpenAI from 'openai';
import { check, checkError, equal, serverTest } from './harness.mjs';

const key = 'sk-test-0123456789';
await serverTest(['--api-key', key], async (server) => {
  const { base, client, model } = server;
  const request = async (path, headers, body) => {
    const r = await fetch(`${base}${path}`, body ? {
      method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body),
    } : { headers });
    return { status: r.status, body: await r.json() };
  };
  const completion = { prompt: 'ROMEO:', max_tokens: 2, temperature: 0 };
  for (const headers of [{}, { authorization: `Bearer ${key}x` }, { authorization: `Bearer ${key.slice(0, -1)}` },
                         { authorization: `Basic ${key}` }, { authorization: 'Bearer ' }]) {
    checkError(await request('/v1/completions', headers, completion), 401, 'invalid_request_error', null,
               'invalid_api_key');
    checkError(await request('/v1/models', headers), 401, 'invalid_request_error', null, 'invalid_api_key');
    checkError(await request('/v1/nothing', headers), 401, 'invalid_request_error', null, 'invalid_api_key');
  }
  const wrong = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
  try {
    await wrong.completions.create({ model, ...completion });
    check(false, 'a wrong key was accepted');
  } catch (e) {
    check(e instanceof OpenAI.AuthenticationError, `not a 401: ${e}`);
  }
  const r = await client.completions.create({ model, ...completion });
  equal(r.usage.completion_tokens, 2, 'with the key');
  equal((await request('/v1/models', { authorization: `Bearer ${key}` })).status, 200, '/v1/models with the key');
  equal((await fetch(`${base}/health`)).status, 200, '/health without a key');
  equal((await fetch(`${base}/metrics`)).status, 200, '/metrics without a key');
});
