// Colours with meaning: red = error, yellow = warning, dim = inferred or secondary, one stable hue per service.
import { Chalk, type ChalkInstance } from "chalk";

export interface Style {
  chalk: ChalkInstance;
  service(name: string): (text: string) => string;
}

const SERVICE_HUES = [
  "cyan",
  "magenta",
  "blue",
  "green",
  "yellow",
  "cyanBright",
  "magentaBright",
  "blueBright",
] as const;

export function makeStyle(color: boolean): Style {
  const chalk = new Chalk({ level: color ? 1 : 0 });
  const assigned = new Map<string, (text: string) => string>();
  return {
    chalk,
    service(name) {
      let paint = assigned.get(name);
      if (!paint) {
        const hue = SERVICE_HUES[assigned.size % SERVICE_HUES.length]!;
        paint = (text: string) => chalk[hue](text);
        assigned.set(name, paint);
      }
      return paint;
    },
  };
}
