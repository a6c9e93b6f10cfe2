// A client that goes away mid-stream (or while waiting for a whole answer) stops its sequence, whose pages
// return; the slot serves the next request.
import { check, equal, serverTest, sleep } from './harness.mjs';

async function settled(server) {
  for (let i = 0; i < 100; i++) {
    const m = await server.metrics();
    if (m.mlavk_sequences_running === 0 && m.mlavk_cache_pages_used === 0) return m;
    await sleep(50);
  }
  throw new Error('the sequence of a client that went away is still running');
}

await serverTest(['--parallel', '1', '-c', '2048'], async (server) => {
  const { client, model } = server;
  const controller = new AbortController();
  const stream = await client.completions.create({ model, prompt: 'ROMEO:', max_tokens: 1500, temperature: 0,
                                                   stream: true }, { signal: controller.signal });
  let chunks = 0;
  try {
    for await (const chunk of stream) {
      check(chunk.choices.length === 1, 'a chunk without a choice');
      if (++chunks === 3) controller.abort();
    }
  } catch (e) {
    check(e.name === 'AbortError' || /abort/i.test(String(e)), `not an abort: ${e}`);
  }
  let m = await settled(server);
  check(m.mlavk_generated_tokens_total < 1500, `the stream ran to the end: ${m.mlavk_generated_tokens_total} tokens`);

  const waiting = new AbortController();
  const whole = client.completions.create({ model, prompt: 'JULIET:', max_tokens: 1500, temperature: 0 },
                                          { signal: waiting.signal }).catch((e) => e);
  await sleep(300);
  waiting.abort();
  await whole;
  const before = m.mlavk_generated_tokens_total;
  m = await settled(server);
  check(m.mlavk_generated_tokens_total - before < 1500, 'the abandoned request ran to the end');

  const r = await client.completions.create({ model, prompt: 'ROMEO:', max_tokens: 4, temperature: 0 });
  equal(r.usage.completion_tokens, 4, 'the next request');
});
