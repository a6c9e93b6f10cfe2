// /health says ok once the model is loaded; /metrics is Prometheus text with a HELP and TYPE line for each
// series; /v1/models names the model.
import { check, equal, serverTest } from './harness.mjs';

await serverTest([], async (server) => {
  const health = await fetch(`${server.base}/health`);
  equal(health.status, 200, '/health status');
  equal(await health.json(), { status: 'ok' }, '/health body');
  equal(server.model, 'mlavk-tiny-shakespeare', 'the model id');
  const response = await fetch(`${server.base}/metrics`);
  check(response.headers.get('content-type').startsWith('text/plain'), 'metrics content type');
  const lines = (await response.text()).trim().split('\n');
  for (let i = 0; i < lines.length; i += 3) {
    const name = lines[i + 2].split(' ')[0];
    equal(lines[i].split(' ').slice(0, 3), ['#', 'HELP', name], 'HELP line');
    check(/^# TYPE \S+ (counter|gauge)$/.test(lines[i + 1]), `TYPE line: ${lines[i + 1]}`);
    check(/^[a-z_]+ \d+$/.test(lines[i + 2]), `sample line: ${lines[i + 2]}`);
  }
  const m = await server.metrics();
  for (const name of ['mlavk_requests_total', 'mlavk_prompt_tokens_total', 'mlavk_generated_tokens_total',
                      'mlavk_sequences_running', 'mlavk_sequences_queued', 'mlavk_cache_pages_used',
                      'mlavk_cache_pages_free', 'mlavk_cache_tokens_used', 'mlavk_cache_tokens_free',
                      'mlavk_prefix_hit_tokens_total', 'mlavk_decode_steps_total'])
    check(name in m, `no ${name}`);
  equal(m.mlavk_ready, 1, 'ready');
});
