// A field asking for what the server does not do (log probabilities, logit biases, tool or function calls, JSON
// modes, echo, suffix, best_of above 1) is a 400 naming it, not silently ignored; the same fields at their "off"
// values, and fields that change nothing in the answer (user, metadata), are accepted.
import { check, checkError, equal, post, serverTest } from './harness.mjs';

await serverTest(['-c', '128'], async (server) => {
  const chat = '/v1/chat/completions', text = '/v1/completions';
  const user = [{ role: 'user', content: 'hi' }];
  const tool = { type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } };
  const refused = [
    [chat, { messages: user, logprobs: true }, 'logprobs'],
    [chat, { messages: user, top_logprobs: 2 }, 'top_logprobs'],
    [text, { prompt: 'a', logprobs: 0 }, 'logprobs'],
    [text, { prompt: 'a', logprobs: 5 }, 'logprobs'],
    [chat, { messages: user, logit_bias: { 50: -100 } }, 'logit_bias'],
    [chat, { messages: user, tools: [tool] }, 'tools'],
    [chat, { messages: user, tool_choice: 'required' }, 'tool_choice'],
    [chat, { messages: user, tool_choice: { type: 'function', function: { name: 'f' } } }, 'tool_choice'],
    [chat, { messages: user, functions: [tool.function] }, 'functions'],
    [chat, { messages: user, function_call: { name: 'f' } }, 'function_call'],
    [chat, { messages: user, response_format: { type: 'json_object' } }, 'response_format'],
    [chat, { messages: user, response_format: { type: 'json_schema', json_schema: { name: 's' } } },
     'response_format'],
    [chat, { messages: user, response_format: 'text' }, 'response_format'],
    [text, { prompt: 'a', echo: true }, 'echo'],
    [text, { prompt: 'a', suffix: 'end' }, 'suffix'],
    [text, { prompt: 'a', best_of: 2 }, 'best_of'],
  ];
  for (const [path, body, param] of refused) {
    const answer = await post(server, path, body);
    checkError(answer, 400, 'invalid_request_error', param);
    check(answer.body.error.message.includes(`'${param}'`), `the message names ${param}: ${answer.body.error.message}`);
  }
  const off = [
    [chat, { messages: user, logprobs: false, top_logprobs: 0, logit_bias: {}, tools: [], tool_choice: 'none',
             response_format: { type: 'text' }, user: 'u', metadata: { k: 'v' }, store: false }],
    [chat, { messages: user, tool_choice: 'auto', logprobs: null, functions: null, function_call: 'none' }],
    [text, { prompt: 'a', echo: false, suffix: '', best_of: 1, logprobs: null, user: 'u' }],
  ];
  for (const [path, body] of off) {
    const answer = await post(server, path, { ...body, max_tokens: 2, temperature: 0 });
    equal([answer.status, answer.body.usage?.completion_tokens], [200, 2], `${path} ${JSON.stringify(body)}`);
  }
  const m = await server.metrics();
  equal(m.mlavk_request_errors_total, refused.length, 'errors counted');
  equal(m.mlavk_cache_pages_used, 0, 'pages used at the end');
});
