// frequency_penalty and presence_penalty change the text: greedy completions of a prompt that the built-in
// model continues with repeated tokens differ with each penalty from the text without, repeat fewer tokens with
// a positive penalty, and are reproducible.
import { check, equal, serverTest } from './harness.mjs';

await serverTest([], async (server) => {
  const { client, model } = server;
  const complete = async (extra) => {
    const r = await client.completions.create({ model, prompt: 'ROMEO:', max_tokens: 48, temperature: 0, ...extra });
    equal(r.usage.completion_tokens, 48, `tokens with ${JSON.stringify(extra)}`);
    return r.choices[0].text;
  };
  const words = (text) => text.split(/\s+/).filter((w) => w.length);
  const repeats = (text) => words(text).length - new Set(words(text)).size;
  const plain = await complete({});
  check(repeats(plain) > 0, `the plain greedy text repeats no word: ${plain}`);
  for (const penalty of [{ frequency_penalty: 1.5 }, { presence_penalty: 2 }]) {
    const penalised = await complete(penalty);
    check(penalised !== plain, `${JSON.stringify(penalty)} changed nothing`);
    check(repeats(penalised) < repeats(plain), `${JSON.stringify(penalty)}: ${repeats(penalised)} repeated words, ` +
          `not fewer than ${repeats(plain)}`);
    equal(await complete(penalty), penalised, `${JSON.stringify(penalty)} again`);
  }
});
