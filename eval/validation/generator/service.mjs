// Child-process entry: node service.mjs <system> <service>
// Sets up this process's own OpenTelemetry SDK before any instrumented module is loaded, then runs the service.
import { startRuntime } from './lib/runtime.mjs';
const [systemName, serviceName] = process.argv.slice(2);
const system = (await import(`./systems/${systemName}.mjs`)).default;
const rt = await startRuntime(system, serviceName);
await system.run[serviceName](rt);
rt.ready();
