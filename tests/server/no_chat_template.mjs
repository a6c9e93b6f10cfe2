// A model without a chat template mlavk recognises (a generated HF checkpoint has none) answers chat requests
// with a 400 no_chat_template that points to /v1/completions, which serves it.
import { join } from 'node:path';
import { check, checkError, equal, post, serverTest } from './harness.mjs';

const model = join(process.env.MLAVK_MODELS_DIR, 'v3-tiny', 'hf-f32');
await serverTest(['-m', model], async (server) => {
  check(/no chat template: completions only/.test(server.log()), 'the start-up line says completions only');
  const refused = await post(server, '/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }] });
  checkError(refused, 400, 'invalid_request_error', null, 'no_chat_template');
  check(refused.body.error.message.includes('/v1/completions'), `no pointer: ${refused.body.error.message}`);
  const served = await post(server, '/v1/completions', { prompt: 'hi', max_tokens: 3, temperature: 0 });
  equal([served.status, served.body.usage?.completion_tokens], [200, 3], 'a completion');
});
