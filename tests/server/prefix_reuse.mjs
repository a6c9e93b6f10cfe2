// A long system prompt sent again: the later requests find its pages kept (prefix-hit tokens counted in /metrics)
// and return the text the first one got computing every token (F32 cache); every page is free at the end.
import { check, equal, serverTest } from './harness.mjs';

await serverTest(['--kv-f32', '--parallel', '2'], async (server) => {
  const { client, model } = server;
  const system = 'You are a player in a company of actors. Speak as the people of the play speak, in verse where '
    + 'they use verse, and keep to the scene: Verona, a public place, the houses of Montague and Capulet at odds, '
    + 'and the prince\'s word on their quarrel. Let no one speak out of turn; let every answer follow what was '
    + 'said before it, and let the lovers speak last, when the street is empty and the night has come.\n\n';
  const ask = (prompt) => client.completions.create({ model, prompt, max_tokens: 8, temperature: 0 })
    .then((r) => r.choices[0].text);
  const first = await ask(system + 'JULIET:');
  equal((await server.metrics()).mlavk_prefix_hit_tokens_total, 0, 'prefix-hit tokens before any reuse');
  await ask(system + 'ROMEO:');
  const again = await ask(system + 'JULIET:');
  const m = await server.metrics();
  check(m.mlavk_prefix_hit_tokens_total >= 128, `prefix-hit tokens: ${m.mlavk_prefix_hit_tokens_total}`);
  equal(again, first, 'text with the prefix reused');
  equal(m.mlavk_cache_pages_used, 0, 'pages used at the end');
});
