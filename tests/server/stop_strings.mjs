// Stop strings (a string or an array) end generation where they first appear; the stop text is not returned
// and the finish reason is "stop"; streamed, no part of a stop string leaks out.
import { check, equal, serverTest } from './harness.mjs';

await serverTest([], async (server) => {
  const { client, model } = server;
  const prompt = 'ROMEO:';
  const full = (await client.completions.create({ model, prompt, max_tokens: 40, temperature: 0 })).choices[0].text;
  check(full.length > 24, `a short text: ${JSON.stringify(full)}`);
  const stop = full.slice(12, 16);
  const expected = full.slice(0, full.indexOf(stop));
  const one = await client.completions.create({ model, prompt, max_tokens: 40, temperature: 0, stop });
  equal(one.choices[0].text, expected, `text before the stop string ${JSON.stringify(stop)}`);
  equal(one.choices[0].finish_reason, 'stop', 'finish_reason');
  check(one.usage.completion_tokens < 40, 'generation went on past the stop string');

  const later = full.slice(20, 23);
  const many = await client.completions.create({ model, prompt, max_tokens: 40, temperature: 0,
                                                 stop: ['never appears', later, stop] });
  equal(many.choices[0].text, full.slice(0, Math.min(full.indexOf(stop), full.indexOf(later))), 'array of stops');

  let streamed = '', finish = null;
  for await (const chunk of await client.completions.create({ model, prompt, max_tokens: 40, temperature: 0, stop,
                                                              stream: true })) {
    streamed += chunk.choices[0].text;
    finish = chunk.choices[0].finish_reason || finish;
  }
  equal(streamed, expected, 'streamed text before the stop string');
  equal(finish, 'stop', 'streamed finish_reason');
});
