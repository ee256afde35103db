import type { LiftPorts } from '../../core/module.ts';
import { type Tracer, traced } from '../../core/tracing.ts';

/**
 * Every store call as a span, in one place for every backend (SQL, Redis, memory) and every module: each port
 * the shape built is wrapped so that a method call becomes `<port>.<method>` (`users.findByEmail`,
 * `sessions.create`, `kv.increment`), a child of the active span. Calls made outside any span (timers, the
 * relay's polls) are not traced: they would each start a trace of one span and bury the requests.
 *
 * Ports stay lazy (mail and sessions are made when a module first takes them), and only apps with tracing on
 * get the wrappers: `tracedPorts` returns the ports untouched otherwise.
 */
export function tracedPorts(ports: LiftPorts, tracer: Tracer): LiftPorts {
  if (!tracer.enabled) return ports;
  const wrapped = {} as LiftPorts;
  for (const name of Object.keys(ports) as Array<keyof LiftPorts>) {
    let port: object | undefined;
    Object.defineProperty(wrapped, name, {
      enumerable: true,
      get() {
        port ??= tracedPort(String(name), ports[name] as object, tracer);
        return port;
      },
    });
  }
  return wrapped;
}

function tracedPort<T extends object>(name: string, port: T, tracer: Tracer): T {
  const methods = new Map<PropertyKey, unknown>();
  return new Proxy(port, {
    get(target, key) {
      // The target as receiver: class ports keep their private fields working.
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function' || typeof key === 'symbol' || key === 'constructor') return value;
      let method = methods.get(key);
      if (method === undefined) {
        const spanName = `${name}.${key}`;
        const attributes = { 'lift.store.port': name, 'lift.store.operation': key };
        const call = value as (...args: unknown[]) => unknown;
        method = (...args: unknown[]) =>
          tracer.active() === undefined
            ? call.apply(target, args)
            : traced(tracer, spanName, attributes, () => call.apply(target, args));
        methods.set(key, method);
      }
      return method;
    },
  });
}
