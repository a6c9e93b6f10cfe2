// Bad requests are HTTP errors with OpenAI-style error bodies, and the server goes on serving: malformed JSON,
// wrong field types and ranges, an unknown model, a prompt longer than the context, unknown endpoints, a body
// over 8 MiB.
import OpenAI from 'openai';
import { check, checkError, equal, post, serverTest } from './harness.mjs';

await serverTest(['-c', '64'], async (server) => {
  const { client, model } = server;
  const chat = '/v1/chat/completions', text = '/v1/completions';
  const user = [{ role: 'user', content: 'hi' }];
  checkError(await post(server, chat, '{"messages": [{"role": "user", "content": "hi"}'), 400,
             'invalid_request_error', null);
  checkError(await post(server, chat, ''), 400, 'invalid_request_error', null);
  checkError(await post(server, chat, '[1, 2]'), 400, 'invalid_request_error', null);
  const wrong = [
    [chat, { messages: 'hi' }, 'messages'],
    [chat, { messages: [] }, 'messages'],
    [chat, { messages: [{ role: 'wizard', content: 'hi' }] }, 'messages'],
    [chat, { messages: [{ role: 'user', content: 7 }] }, 'messages'],
    [chat, { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: 'x' }] }] }, 'messages'],
    [chat, { model: 5, messages: user }, 'model'],
    [chat, { messages: user, temperature: 'hot' }, 'temperature'],
    [chat, { messages: user, temperature: 3 }, 'temperature'],
    [chat, { messages: user, top_p: -0.5 }, 'top_p'],
    [chat, { messages: user, top_k: 2.5 }, 'top_k'],
    [chat, { messages: user, max_tokens: 0 }, 'max_tokens'],
    [chat, { messages: user, max_tokens: '8' }, 'max_tokens'],
    [chat, { messages: user, stop: 5 }, 'stop'],
    [chat, { messages: user, stop: ['a', 1] }, 'stop'],
    [chat, { messages: user, stream: 'yes' }, 'stream'],
    [chat, { messages: user, stream_options: { include_usage: 1 } }, 'include_usage'],
    [chat, { messages: user, seed: 'abc' }, 'seed'],
    [chat, { messages: user, n: 2 }, 'n'],
    [text, {}, 'prompt'],
    [text, { prompt: ['a', 'b'] }, 'prompt'],
    [text, { prompt: 'a', min_p: 2 }, 'min_p'],
    [text, { prompt: 'a', repetition_penalty: -1 }, 'repetition_penalty'],
  ];
  for (const [path, body, param] of wrong)
    checkError(await post(server, path, body), 400, 'invalid_request_error', param);

  // Through the client: its own error classes with the status and code.
  try {
    await client.chat.completions.create({ model: 'gpt-4o', messages: user });
    check(false, 'an unknown model was accepted');
  } catch (e) {
    check(e instanceof OpenAI.NotFoundError, `not a 404: ${e}`);
    equal(e.code, 'model_not_found', 'code');
  }
  try {
    await client.completions.create({ model, prompt: 'ROMEO: '.repeat(40), max_tokens: 4 });
    check(false, 'a prompt longer than the context was accepted');
  } catch (e) {
    check(e instanceof OpenAI.BadRequestError, `not a 400: ${e}`);
    equal(e.code, 'context_length_exceeded', 'code');
  }
  checkError(await post(server, '/v1/embeddings', { input: 'x' }), 404, 'invalid_request_error');
  checkError(await post(server, text, `{"prompt": "${'a'.repeat(8 << 20)}"}`), 413, 'invalid_request_error');
  const get = await fetch(`${server.base}${chat}`);
  equal(get.status, 405, 'GET on a POST endpoint');
  // Still serving.
  const r = await client.completions.create({ model, prompt: 'ROMEO:', max_tokens: 3, temperature: 0 });
  equal(r.usage.completion_tokens, 3, 'a good request after the bad ones');
  equal((await server.metrics()).mlavk_cache_pages_used, 0, 'pages used at the end');
});
