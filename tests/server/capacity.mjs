// Capacity faults, each a 503 with an error body: more requests than --parallel wait in the queue and past
// its limit are refused; a prompt larger than the whole cache, and a sequence that outgrows the pages left
// (answered with a 503, or streamed, an error event then [DONE]).
import { check, checkError, equal, post, serverTest, tokenCount } from './harness.mjs';

await serverTest(['--parallel', '1', '--queue', '1', '--cache-tokens', '64'], async (server) => {
  const { model } = server;
  // One runs, one waits, the third is refused.
  const body = { model, prompt: 'ROMEO:', max_tokens: 16, temperature: 0 };
  const answers = await Promise.all([0, 1, 2].map(() => post(server, '/v1/completions', body)));
  const ok = answers.filter((a) => a.status === 200), refused = answers.filter((a) => a.status !== 200);
  equal(ok.length, 2, 'requests served with one slot and a queue of one');
  checkError(refused[0], 503, 'server_error', null, 'queue_full');
  equal(ok[0].body.choices[0].text, ok[1].body.choices[0].text, 'the queued request ran in its turn');

  // 64 tokens are one page: a longer prompt can never fit.
  checkError(await post(server, '/v1/completions', { model, prompt: 'ROMEO and JULIET '.repeat(20), max_tokens: 2 }),
             503, 'server_error', null, 'cache_exhausted');
  // A prompt of 56 to 63 tokens whose answer runs past the page.
  let words = 1;
  while (tokenCount('ROMEO and JULIET '.repeat(words + 1)) < 64) words++;
  const prompt = 'ROMEO and JULIET '.repeat(words);
  check(tokenCount(prompt) >= 56, `a prompt of ${tokenCount(prompt)} tokens`);
  const long = await post(server, '/v1/completions', { model, prompt, max_tokens: 40, temperature: 0 });
  checkError(long, 503, 'server_error', null, 'cache_exhausted');
  // Streamed, the same fault after the stream began: text events, an error event, then [DONE].
  const streamed = await fetch(`${server.base}/v1/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, prompt, max_tokens: 40, temperature: 0, stream: true }),
  });
  equal(streamed.status, 200, 'a stream begins');
  const events = (await streamed.text()).split('\n\n').filter((e) => e).map((e) => e.replace(/^data: /, ''));
  equal(events.at(-1), '[DONE]', 'the last event');
  const error = JSON.parse(events.at(-2)).error;
  equal([error?.type, error?.code], ['server_error', 'cache_exhausted'], 'the event before [DONE]');
  check(events.length > 2 && JSON.parse(events[0]).choices[0].text !== undefined, 'text before the error');
  const m = await server.metrics();
  equal(m.mlavk_cache_pages_used, 0, 'pages used at the end');
  equal(m.mlavk_sequences_running + m.mlavk_sequences_queued, 0, 'sequences left');
  check(m.mlavk_request_errors_total >= 3, 'errors counted');
});
