// Child-process entry: node service.mjs <system> <service>
// Sets up this process's own OpenTelemetry SDK before any instrumented module is loaded, then runs the service.
import { startRuntime } from './lib/runtime.mjs';
const [systemName, serviceName] = process.argv.slice(2);
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
// definitions come from ./systems unless the launcher points elsewhere (EVAL_SYSTEMS_DIR, e.g. eval/development/systems)
const dir = process.env.EVAL_SYSTEMS_DIR || path.join(path.dirname(fileURLToPath(import.meta.url)), 'systems');
const system = (await import(pathToFileURL(path.join(dir, `${systemName}.mjs`)).href)).default;
const rt = await startRuntime(system, serviceName);
await system.run[serviceName](rt);
rt.ready();
