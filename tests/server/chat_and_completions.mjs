// Chat and text completions through the openai client, streaming and not: the streamed text is the
// non-streamed text, usage counts match the tokenizer, finish reasons are right.
import { check, equal, serverTest, tokenCount } from './harness.mjs';

await serverTest([], async (server) => {
  const { client, model } = server;
  const messages = [{ role: 'system', content: 'You speak as in a play.' }, { role: 'user', content: 'ROMEO:' }];
  const chat = await client.chat.completions.create({ model, messages, max_tokens: 12, temperature: 0 });
  equal(chat.object, 'chat.completion', 'object');
  equal(chat.choices[0].message.role, 'assistant', 'role');
  const text = chat.choices[0].message.content;
  check(typeof text === 'string' && text.length > 0, 'an empty reply');
  equal(chat.choices[0].finish_reason, 'length', 'finish_reason at max_tokens');
  equal(chat.usage.completion_tokens, 12, 'completion_tokens');
  // The V3 template of the built-in model: BOS, the system text, then <｜User｜>...<｜Assistant｜>.
  const rendered = '<｜begin▁of▁sentence｜>You speak as in a play.<｜User｜>ROMEO:<｜Assistant｜>';
  equal(chat.usage.prompt_tokens, tokenCount(rendered, ['--no-bos']), 'prompt_tokens of the rendered chat');
  equal(chat.usage.total_tokens, chat.usage.prompt_tokens + 12, 'total_tokens');

  const stream = await client.chat.completions.create({
    model, messages, max_tokens: 12, temperature: 0, stream: true, stream_options: { include_usage: true },
  });
  let streamed = '', finish = null, usage = null, role = null;
  for await (const chunk of stream) {
    equal(chunk.object, 'chat.completion.chunk', 'chunk object');
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      role = role || c.delta.role;
      streamed += c.delta.content || '';
      finish = c.finish_reason || finish;
    }
  }
  equal(streamed, text, 'streamed chat text');
  equal(role, 'assistant', 'streamed role');
  equal(finish, 'length', 'streamed finish_reason');
  equal(usage, chat.usage, 'streamed usage');

  const prompt = 'JULIET:\nO Romeo, Romeo';
  const done = await client.completions.create({ model, prompt, max_tokens: 10, temperature: 0 });
  equal(done.object, 'text_completion', 'object');
  equal(done.usage.prompt_tokens, tokenCount(prompt), 'completion prompt_tokens');
  equal(done.usage.completion_tokens, 10, 'completion completion_tokens');
  const parts = [];
  for await (const chunk of await client.completions.create({ model, prompt, max_tokens: 10, temperature: 0,
                                                              stream: true }))
    parts.push(chunk.choices[0].text);
  equal(parts.join(''), done.choices[0].text, 'streamed completion text');

  // Sampled with a seed: the same seed gives the same text.
  const sampled = async () => (await client.completions.create({ model, prompt, max_tokens: 10, temperature: 0.9,
    top_p: 0.9, top_k: 40, min_p: 0.02, seed: 7, repetition_penalty: 1.1 })).choices[0].text;
  equal(await sampled(), await sampled(), 'seeded sampling');
});
