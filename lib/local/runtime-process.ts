/**
 * Starting the local function runtime as a child process (lib/runtime/process/main.ts, 127.0.0.1
 * only) with its IPC channel, and waiting until it answers: for `npm start` and its join mode.
 */
import path from 'node:path';
import { waitUntilReady } from './emulators';
import { basicEnvironment, type ManagedProcess, startNodeModule } from './processes';
import { RuntimeChannel } from './runtime-channel';

export interface RuntimeProcess {
  process: ManagedProcess;
  channel: RuntimeChannel;
  url: string;
}

export async function startRuntimeProcess(root: string, port: number, logFile: string): Promise<RuntimeProcess> {
  const runtime = startNodeModule('runtime', path.join(root, 'lib/runtime/process/main.ts'), ['--port', String(port)], {
    cwd: root,
    env: { ...basicEnvironment(), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    ipc: true,
    logFile,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady({ process: runtime }, () => httpOk(`${url}/health`), `the function runtime (port ${port})`);
  return { process: runtime, channel: new RuntimeChannel(runtime.child), url };
}

/** Resolves when `url` answers 2xx within 5 s. */
export async function httpOk(url: string): Promise<void> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
}
