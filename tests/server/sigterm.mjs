// SIGTERM: the server stops accepting connections, lets the running stream finish, and exits 0; with
// --drain-seconds 0 it cancels the stream (an error event, then [DONE]) and exits 0.
import { check, equal, startServer } from './harness.mjs';

async function streamThroughSigterm(args, max_tokens) {
  const server = await startServer(args);
  try {
    const stream = await server.client.completions.create({ model: server.model, prompt: 'ROMEO:', max_tokens,
                                                            temperature: 0, stream: true });
    let tokens = 0, finish = null, error = null;
    try {
      for await (const chunk of stream) {
        if (tokens++ === 0) {
          server.child.kill('SIGTERM');
          // No new connections once SIGTERM is handled.
          let refused = false;
          for (let i = 0; i < 100 && !refused; i++) {
            refused = await fetch(`${server.base}/health`).then((r) => r.status === 503, () => true);
            if (!refused) await new Promise((r) => setTimeout(r, 20));
          }
          check(refused, 'still accepting requests after SIGTERM');
        }
        finish = chunk.choices[0]?.finish_reason || finish;
      }
    } catch (e) {
      error = e;
    }
    const { code } = await server.exited;
    equal(code, 0, 'exit code after SIGTERM');
    return { finish, error };
  } finally {
    server.child.kill('SIGKILL');
  }
}

const finished = await streamThroughSigterm([], 16);
check(!finished.error, `the running stream failed: ${finished.error}`);
equal(finished.finish, 'length', 'the running stream finished');
const cancelled = await streamThroughSigterm(['--drain-seconds', '0', '-c', '2048'], 1500);
check(cancelled.error && /shutting down/.test(String(cancelled.error)), `not cancelled: ${cancelled.error}`);
