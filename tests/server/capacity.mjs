// Capacity faults, each a 503 with an error body: more requests than --parallel wait in the queue and past
// its limit are refused; a prompt larger than the whole cache, and a sequence that outgrows the pages left.
import { check, checkError, equal, post, serverTest } from './harness.mjs';

await serverTest(['--parallel', '1', '--queue', '1', '--cache-tokens', '128'], async (server) => {
  const { model } = server;
  // One runs, one waits, the third is refused.
  const body = { model, prompt: 'ROMEO:', max_tokens: 24, temperature: 0 };
  const answers = await Promise.all([0, 1, 2].map(() => post(server, '/v1/completions', body)));
  const ok = answers.filter((a) => a.status === 200), refused = answers.filter((a) => a.status !== 200);
  equal(ok.length, 2, 'requests served with one slot and a queue of one');
  checkError(refused[0], 503, 'server_error', null, 'queue_full');
  equal(ok[0].body.choices[0].text, ok[1].body.choices[0].text, 'the queued request ran in its turn');

  // 128 tokens are two pages: a longer prompt can never fit.
  checkError(await post(server, '/v1/completions', { model, prompt: 'ROMEO and JULIET '.repeat(30), max_tokens: 2 }),
             503, 'server_error', null, 'cache_exhausted');
  // A short prompt that generates past 128 tokens runs out of pages.
  const long = await post(server, '/v1/completions', { model, prompt: 'ROMEO:', max_tokens: 200, temperature: 0 });
  checkError(long, 503, 'server_error', null, 'cache_exhausted');
  const m = await server.metrics();
  equal(m.mlavk_cache_pages_used, 0, 'pages used at the end');
  equal(m.mlavk_sequences_running + m.mlavk_sequences_queued, 0, 'sequences left');
  check(m.mlavk_request_errors_total >= 3, 'errors counted');
});
