// Eight greedy requests sent at once return the texts each returns alone (F32 cache), and every cache page is
// free afterwards.
import { equal, serverTest } from './harness.mjs';

await serverTest(['--kv-f32', '--parallel', '8'], async (server) => {
  const { client, model } = server;
  const prompts = ['ROMEO:', 'JULIET:', 'First Citizen:\nBefore we proceed', 'KING RICHARD III:', 'Now is the',
                   'MENENIUS:\nWhy,', 'To be', 'O, speak again'];
  const ask = (prompt) => client.completions.create({ model, prompt, max_tokens: 8, temperature: 0 })
    .then((r) => r.choices[0].text);
  const alone = [];
  for (const p of prompts) alone.push(await ask(p));
  const together = await Promise.all(prompts.map(ask));
  equal(together, alone, 'texts sent together');
  const m = await server.metrics();
  equal(m.mlavk_cache_pages_used, 0, 'pages used at the end');
  equal(m.mlavk_sequences_running, 0, 'running at the end');
});
