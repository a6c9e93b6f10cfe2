#!/usr/bin/python3
"""Renders every chat template of tests/data/chat_templates over a fixed set of conversations with Jinja2, as
Hugging Face transformers' apply_chat_template does (trim_blocks, lstrip_blocks, loopcontrols, its tojson,
raise_exception and strftime_now), and writes tests/golden/chat_templates.json.

    apt-get install -y python3-jinja2      # Debian 12: Jinja2 3.1.2
    /usr/bin/python3 tools/chat_golden/render.py

Each template is rendered with bos_token and eos_token (the strings of its family's tokenizer, listed in
TEMPLATES) and nothing else: no tools, no thinking switch, so each template renders its own default. A template
that raises (Mistral's checks) gives {"error": message} instead of a text. test_chat_templates.c renders the
same conversations in C and compares byte for byte."""
import datetime
import json
import os
import sys

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
TEMPLATE_DIR = os.path.join(ROOT, "tests", "data", "chat_templates")
OUT = os.path.join(ROOT, "tests", "golden", "chat_templates.json")

DEEPSEEK = ("<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>")  # tests/data/deepseek-v3-tokenizer_config.json
GLM = ("[gMASK]", "<|endoftext|>")      # as llama.cpp's GGUF conversion of GLM-4.5+ sets BOS and EOS
KIMI = ("[BOS]", "[EOS]")               # moonshotai/Kimi-K2-Instruct tokenizer_config.json
SENTENCEPIECE = ("<s>", "</s>")         # Mistral's and GigaChat's <s> and </s>

# (file, family mlavk recognises it as, bos_token, eos_token). family None: mlavk must not recognise it.
TEMPLATES = [
    ("deepseek-v2.jinja", "deepseek-v2", *DEEPSEEK),
    ("deepseek-v3.jinja", "deepseek-v3", *DEEPSEEK),
    ("mlavk-tiny-shakespeare.jinja", "deepseek-v3", *DEEPSEEK),
    ("deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja", "deepseek-r1", *DEEPSEEK),
    ("deepseek-ai-DeepSeek-V3.1.jinja", "deepseek-v3.1", *DEEPSEEK),
    ("deepseek-v3.1-close-think.jinja", "deepseek-v3.1", *DEEPSEEK),
    ("deepseek-ai-DeepSeek-V3.2.jinja", "deepseek-v3.2", *DEEPSEEK),
    ("GLM-4.6.jinja", "glm-4.6", *GLM),
    ("GLM-4.7-Flash.jinja", "glm-4.7", *GLM),
    ("moonshotai-Kimi-K2.jinja", "kimi-k2", *KIMI),
    ("Kimi-K2-Instruct.jinja", "kimi-k2", *KIMI),
    ("Kimi-K2-Thinking.jinja", "kimi-k2-thinking", *KIMI),
    ("GigaChat3-10B-A1.8B.jinja", "gigachat3", *SENTENCEPIECE),
    ("GigaChat3.1-10B-A1.8B.jinja", "gigachat3", *SENTENCEPIECE),
    ("mistralai-Ministral-3-14B-Reasoning-2512.jinja", "mistral-3", *SENTENCEPIECE),
    # Not recognised: other formats, and variants whose default rendering differs from the families above.
    ("Qwen-Qwen3-0.6B.jinja", None, "", "<|im_end|>"),
    ("deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja", None, *DEEPSEEK),
    ("Mistral-Small-3.2-24B-Instruct-2506.jinja", None, *SENTENCEPIECE),
]


def m(role, content):
    return {"role": role, "content": content}


# (name, messages). Each is rendered with and without the generation prompt.
CONVERSATIONS = [
    ("one user turn", [m("user", "Hi!")]),
    ("system and user", [m("system", "You are a helpful assistant."), m("user", "What is the capital of France?")]),
    ("one exchange", [m("system", "Be brief."), m("user", "2+2?"), m("assistant", "4")]),
    ("three turns", [m("system", "You answer in one line."), m("user", "Hello"), m("assistant", "Hi, how can I help?"),
                     m("user", "Tell me a joke.\nA short one."), m("assistant", "Why did the cat sit on the laptop?"),
                     m("user", "Another.")]),
    ("no system, two turns", [m("user", "Name a colour."), m("assistant", "Blue."), m("user", "Another one.")]),
    ("non-ASCII", [m("system", "Réponds en français. ☃"), m("user", "你好"),
                   m("assistant", "你好！有什么可以帮你的吗？"), m("user", "写一首诗 — über Ünïcödé 🙂")]),
    ("empty contents", [m("system", ""), m("user", ""), m("assistant", ""), m("user", "")]),
    ("empty reply", [m("user", "Say nothing."), m("assistant", ""), m("user", "Thanks.")]),
    ("whitespace around contents", [m("system", "  spaced system \n"), m("user", "\n  spaced user\t"),
                                    m("assistant", "\n\n  spaced reply \u3000\u00a0\n"), m("user", " next ")]),
    ("reply with reasoning", [m("user", "Why is the sky blue?"),
                              m("assistant", "<think>\nRayleigh scattering.\n</think>\n\nBecause of Rayleigh scattering."),
                              m("user", "Thanks.")]),
    ("last reply with reasoning", [m("system", "Think first."), m("user", "2+3?"),
                                   m("assistant", "<think>\n\n  Add them. \n\n</think>\n\n 5 ")]),
    ("reply with two </think>", [m("user", "Go."), m("assistant", "a<think>b</think>c\n</think>\nd"),
                                 m("user", "Again.")]),
    ("two system messages", [m("system", "First."), m("system", "Second."), m("user", "Hello")]),
    ("system later", [m("system", "Be kind."), m("user", "Hi"), m("assistant", "Hello!"),
                      m("system", "Now be terse."), m("user", "Bye")]),
    ("two user messages in a row", [m("user", "One."), m("user", "Two.")]),
    ("assistant first", [m("assistant", "Welcome!"), m("user", "Thanks.")]),
    ("system only", [m("system", "Just a system prompt.")]),
]


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(fmt):
    return datetime.date(2025, 1, 1).strftime(fmt)  # fixed: none of the recognised templates uses the date


def environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def main():
    env = environment()
    templates = []
    for file, family, bos, eos in TEMPLATES:
        with open(os.path.join(TEMPLATE_DIR, file), encoding="utf-8") as f:
            template = env.from_string(f.read())
        renderings = []
        for index, (name, messages) in enumerate(CONVERSATIONS):
            for generation in (False, True):
                entry = {"conversation": index, "add_generation_prompt": generation}
                try:
                    entry["text"] = template.render(messages=messages, add_generation_prompt=generation,
                                                    bos_token=bos, eos_token=eos)
                except jinja2.exceptions.TemplateError as e:
                    entry["error"] = str(e)
                renderings.append(entry)
        templates.append({"file": file, "family": family, "bos_token": bos, "eos_token": eos,
                          "renderings": renderings})
    golden = {
        "generator": f"tools/chat_golden/render.py with Jinja2 {jinja2.__version__}",
        "conversations": [{"name": name, "messages": messages} for name, messages in CONVERSATIONS],
        "templates": templates,
    }
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"{OUT}: {len(templates)} templates x {len(CONVERSATIONS)} conversations x 2", file=sys.stderr)


if __name__ == "__main__":
    main()
