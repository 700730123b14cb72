// The line protocol between an NUnit test and a node script: one JSON object per line,
// commands in on stdin ({"cmd": ...}), events out on stdout ({"event": ...}).
import readline from 'node:readline';

export function emit(event, fields = {}) {
  process.stdout.write(JSON.stringify({ event, ...fields }) + '\n');
}

/**
 * Runs each command through its handler, one at a time, answering "done" (with the handler's
 * result) or "failed" (with the reason). Ends when stdin closes or on "stop"; then runs `close`.
 * A watchdog ends the process after `maxSeconds` so a stuck run can never outlive its test.
 */
export async function serve(handlers, close, maxSeconds = 60) {
  setTimeout(() => {
    emit('failed', { cmd: 'watchdog', error: `script ran longer than ${maxSeconds}s` });
    process.exit(3);
  }, maxSeconds * 1000).unref();

  const input = readline.createInterface({ input: process.stdin });
  for await (const line of input) {
    if (!line.trim()) continue;
    let command;
    try {
      command = JSON.parse(line);
    } catch (error) {
      emit('failed', { cmd: null, error: `not JSON: ${line}` });
      continue;
    }
    if (command.cmd === 'stop') break;
    const handler = handlers[command.cmd];
    try {
      if (!handler) throw new Error(`unknown command '${command.cmd}'`);
      emit('done', { cmd: command.cmd, result: (await handler(command)) ?? null });
    } catch (error) {
      emit('failed', { cmd: command.cmd, error: String(error?.message ?? error) });
    }
  }
  await close();
  process.exit(0);
}

/** "--name value" pairs from the command line. */
export function options() {
  const result = {};
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i += 2) {
    result[args[i].replace(/^--/, '')] = args[i + 1];
  }
  return result;
}
