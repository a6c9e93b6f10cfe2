// A bounded load: 4 clients send 25 requests each (streaming and not, chat and completions); none is lost and
// every cache page is free at the end.
import { check, equal, serverTest } from './harness.mjs';

await serverTest(['--parallel', '4'], async (server) => {
  const { client, model } = server;
  const before = await server.metrics();
  let answered = 0;
  const clientLoop = async (c) => {
    for (let i = 0; i < 25; i++) {
      const max_tokens = 1 + ((c + i) % 3);
      if (i % 2) {
        const stream = await client.chat.completions.create({ model, stream: true, max_tokens, temperature: 0.8,
          seed: i, messages: [{ role: 'user', content: `client ${c} request ${i}` }] });
        let finish = null;
        for await (const chunk of stream) finish = chunk.choices[0]?.finish_reason || finish;
        check(finish === 'length' || finish === 'stop', `a stream ended without a finish reason: ${finish}`);
      } else {
        const r = await client.completions.create({ model, prompt: `ROMEO ${c}.${i}:`, max_tokens });
        check(r.usage.completion_tokens <= max_tokens, 'more tokens than max_tokens');
      }
      answered++;
    }
  };
  await Promise.all([0, 1, 2, 3].map(clientLoop));
  equal(answered, 100, 'requests answered');
  const m = await server.metrics();
  equal(m.mlavk_requests_total - before.mlavk_requests_total, 100, 'requests counted');
  equal(m.mlavk_request_errors_total, 0, 'errors');
  equal(m.mlavk_sequences_running, 0, 'running at the end');
  equal(m.mlavk_sequences_queued, 0, 'queued at the end');
  equal(m.mlavk_cache_pages_used, 0, 'pages used at the end');
  equal(m.mlavk_cache_pages_free * m.mlavk_cache_page_tokens, m.mlavk_cache_tokens_free, 'free tokens');
  check(m.mlavk_cache_pages_free > 0, 'no pages');
  check(m.mlavk_decode_steps_total > 0 && m.mlavk_generated_tokens_total > 0, 'no steps counted');
  equal(m.mlavk_prefix_hit_tokens_total, 0, 'prefix hits (no prompt here fills a page)');
});
