// The request forms docs/SERVING.md lists beyond the plain ones give the same answers: a developer message is a
// system message, content as an array of text parts is their text joined, max_completion_tokens is max_tokens,
// a prompt as an array of one string is that string, and a request without a model is for the loaded one.
import { equal, post, serverTest } from './harness.mjs';

await serverTest([], async (server) => {
  const { model } = server;
  const chat = '/v1/chat/completions', text = '/v1/completions';
  const answer = async (path, body) => {
    const r = await post(server, path, { temperature: 0, ...body });
    equal(r.status, 200, `status of ${JSON.stringify(body)}`);
    return [r.body.choices[0].message?.content ?? r.body.choices[0].text, r.body.usage];
  };
  const plain = await answer(chat, { model, max_tokens: 9, messages: [
    { role: 'system', content: 'You speak as in a play.' }, { role: 'user', content: 'ROMEO: speak' }] });
  const forms = await answer(chat, { max_completion_tokens: 9, messages: [
    { role: 'developer', content: [{ type: 'text', text: 'You speak ' }, { type: 'text', text: 'as in a play.' }] },
    { role: 'user', content: [{ type: 'text', text: 'ROMEO: speak' }] }] });
  equal(forms, plain, 'developer role, text parts, max_completion_tokens, no model');
  equal(plain[1].completion_tokens, 9, 'completion tokens');
  equal(await answer(text, { prompt: ['JULIET:'], max_tokens: 7 }),
        await answer(text, { model, prompt: 'JULIET:', max_tokens: 7 }), 'a prompt as an array of one string');
});
