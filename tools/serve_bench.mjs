// Aggregate decode speed of an OpenAI-compatible server (mlavk serve, llama-server, vLLM) with N streams at once.
//
// usage: node tools/serve_bench.mjs --url http://127.0.0.1:8080 --parallel N [--max-tokens 48] [--prompt TEXT]
//        [--model NAME] [--extra '{"ignore_eos": true}']
//
// Sends N streaming /v1/completions requests at once (greedy, prompt TEXT followed by the stream's number, so no
// two share a whole prompt), timestamps every chunk, and prints one JSON line:
//   decode_tps_sum  sum over the streams of (chunks after the first) / (last chunk - first chunk): the aggregate
//                   decode rate while they run together (llama-server's per-request predicted_per_second, summed);
//   overlap_tps     the chunks all streams received while every one of them was decoding (from the last first chunk
//                   to the first last chunk) per second of that window: the rate with all N decoding, if the
//                   window is not empty;
//   wall_tps        completion tokens (usage) of all streams / wall time from sending to the last end;
// and the per-stream completion tokens. Chunks count tokens where the server sends one token per chunk (both
// llama-server and mlavk serve do for plain text); completion_tokens comes from the final usage where sent.
// Node 18+, no packages; node:http, which sets no timeout of its own (fetch gives up after 300 s without a chunk,
// which a slow server at 16 streams can exceed).
import http from 'node:http';

const args = Object.fromEntries(
    process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []));
const url = (args.url || 'http://127.0.0.1:8080').replace(/\/$/, '');
const parallel = Number(args.parallel || 1);
const maxTokens = Number(args['max-tokens'] || 48);
const prompt = args.prompt || 'The quick brown fox jumps over the lazy dog, and then';
const extra = args.extra ? JSON.parse(args.extra) : {};
if (!(parallel >= 1) || !(maxTokens >= 2)) {
    console.error('serve_bench: --parallel must be at least 1 and --max-tokens at least 2');
    process.exit(2);
}

function post(path, body) {
    const target = new URL(path, url + '/');
    return new Promise((resolve, reject) => {
        const req = http.request(target, {method: 'POST', headers: {'content-type': 'application/json'}}, resolve);
        req.on('error', reject);
        req.end(JSON.stringify(body));
    });
}

async function stream(i, t0) {
    const body = {prompt: `${prompt} ${i}`, max_tokens: maxTokens, temperature: 0, stream: true,
                  stream_options: {include_usage: true}, ...(args.model ? {model: args.model} : {}), ...extra};
    const res = await post('v1/completions', body);
    if (res.statusCode !== 200) {
        let text = '';
        for await (const bytes of res)
            text += bytes;
        throw new Error(`stream ${i}: HTTP ${res.statusCode}: ${text}`);
    }
    const times = [];
    let usage = null, pending = '';
    res.setEncoding('utf8');
    for await (const text of res) {
        pending += text;
        let end;
        while ((end = pending.indexOf('\n\n')) >= 0) {
            const event = pending.slice(0, end);
            pending = pending.slice(end + 2);
            const data = event.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('');
            if (!data || data === '[DONE]')
                continue;
            const chunk = JSON.parse(data);
            if (chunk.usage)
                usage = chunk.usage;
            if (chunk.choices && chunk.choices.length && chunk.choices[0].text)
                times.push(performance.now() - t0);
        }
    }
    return {times, completion_tokens: usage ? usage.completion_tokens : times.length};
}

const t0 = performance.now();
const results = await Promise.all(Array.from({length: parallel}, (_, i) => stream(i, t0)));
const wall = (performance.now() - t0) / 1000;

let decodeSum = 0;
for (const r of results)
    if (r.times.length >= 2)
        decodeSum += (r.times.length - 1) / ((r.times.at(-1) - r.times[0]) / 1000);
const windowStart = Math.max(...results.map((r) => r.times[0] ?? Infinity));
const windowEnd = Math.min(...results.map((r) => r.times.at(-1) ?? -Infinity));
let overlap = null;
if (windowEnd > windowStart) {
    const inWindow = results.reduce((n, r) => n + r.times.filter((t) => t > windowStart && t <= windowEnd).length, 0);
    overlap = inWindow / ((windowEnd - windowStart) / 1000);
}
const tokens = results.reduce((n, r) => n + r.completion_tokens, 0);
console.log(JSON.stringify({
    parallel, max_tokens: maxTokens, decode_tps_sum: +decodeSum.toFixed(3),
    overlap_tps: overlap === null ? null : +overlap.toFixed(3), wall_tps: +(tokens / wall).toFixed(3),
    wall_s: +wall.toFixed(1), completion_tokens: results.map((r) => r.completion_tokens),
}));
