import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/**
 * Runs the real server entry point (src/server.ts) in a child process, for tests that need a
 * process to kill. Resolves once the server prints its endpoint.
 */
export interface HubProcess {
  child: ChildProcess
  endpoint: string
  /** Everything the process wrote to stdout and stderr so far (for failure messages). */
  output(): string
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export function startHubProcess(env: Record<string, string>): Promise<HubProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`hub did not start in time:\n${output}`))
    }, 60_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /xAPI endpoint: (http:\/\/\S+\/xapi\/)/.exec(output)
      if (match !== null) {
        clearTimeout(timer)
        resolve({
          child,
          endpoint: match[1]!.replace('localhost', '127.0.0.1'),
          output: () => output,
        })
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`hub exited with ${code} before starting:\n${output}`))
    })
  })
}

/** Waits for the process to end after a signal. */
export function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}
