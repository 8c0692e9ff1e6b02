/**
 * Finding the real servers a spec talks to. For each service, in order:
 *   1. its environment URL (REDIS_URL, MARIADB_URL, ...): used as given, and an error if unreachable;
 *   2. the local default port on 127.0.0.1;
 *   3. a throwaway container via testcontainers, when a container runtime answers;
 *   4. otherwise the tests that need it are skipped with a note saying exactly what to start.
 * Under CI=true step 4 is an error instead: CI must never go green by skipping.
 */
import { existsSync } from 'node:fs';
import net from 'node:net';
import { afterAll, type TestContext } from 'vitest';
import type { ServiceName } from '../../grader/define.ts';

export type { ServiceName };

interface ServiceSpec {
  envVars: string[];
  defaultUrl: string;
  image: string;
  port: number;
  containerEnv?: Record<string, string>;
  containerUrl: (host: string, port: number) => string;
  howToStart: string;
}

export const SERVICES: Record<ServiceName, ServiceSpec> = {
  redis: {
    envVars: ['REDIS_URL'],
    defaultUrl: 'redis://127.0.0.1:6379',
    image: 'redis:7-alpine',
    port: 6379,
    containerUrl: (h, p) => `redis://${h}:${p}`,
    howToStart: 'start Redis (`redis-server --daemonize yes`) or set REDIS_URL=redis://host:6379',
  },
  mariadb: {
    envVars: ['MARIADB_URL', 'MYSQL_URL'],
    defaultUrl: 'mysql://root@127.0.0.1:3306/test',
    image: 'mariadb:11',
    port: 3306,
    containerEnv: { MARIADB_ALLOW_EMPTY_ROOT_PASSWORD: '1', MARIADB_DATABASE: 'test' },
    containerUrl: (h, p) => `mysql://root@${h}:${p}/test`,
    howToStart: 'start MariaDB or MySQL with user root, no password and a database `test`, or set MARIADB_URL=mysql://user:pass@host:3306/db',
  },
  postgres: {
    envVars: ['POSTGRES_URL', 'DATABASE_URL'],
    defaultUrl: 'postgres://postgres@127.0.0.1:5432/test',
    image: 'postgres:16-alpine',
    port: 5432,
    containerEnv: { POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: 'test' },
    containerUrl: (h, p) => `postgres://postgres@${h}:${p}/test`,
    howToStart: 'start PostgreSQL with trust auth and a database `test`, or set POSTGRES_URL=postgres://user:pass@host:5432/db',
  },
  rabbitmq: {
    envVars: ['AMQP_URL', 'RABBITMQ_URL'],
    defaultUrl: 'amqp://guest:guest@127.0.0.1:5672',
    image: 'rabbitmq:3-alpine',
    port: 5672,
    containerUrl: (h, p) => `amqp://guest:guest@${h}:${p}`,
    howToStart: 'start RabbitMQ (`rabbitmq-server -detached`) or set AMQP_URL=amqp://user:pass@host:5672',
  },
  mosquitto: {
    envVars: ['MQTT_URL'],
    defaultUrl: 'mqtt://127.0.0.1:1883',
    image: 'eclipse-mosquitto:2',
    port: 1883,
    containerUrl: (h, p) => `mqtt://${h}:${p}`,
    howToStart: 'start Mosquitto (`mosquitto -d`) or set MQTT_URL=mqtt://host:1883',
  },
  nats: {
    envVars: ['NATS_URL'],
    defaultUrl: 'nats://127.0.0.1:4222',
    image: 'nats:2-alpine',
    port: 4222,
    containerUrl: (h, p) => `nats://${h}:${p}`,
    howToStart: 'start NATS (`nats-server -js`) or set NATS_URL=nats://host:4222',
  },
};

export interface ServiceHandle {
  name: ServiceName;
  /** Where to connect; undefined when the service could not be found (see `reason`). */
  url?: string;
  via?: 'env' | 'local' | 'container';
  reason?: string;
}

export class ServiceUnavailableError extends Error {
  readonly code = 'SERVICE_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'ServiceUnavailableError';
  }
}

/** True when something accepts a TCP connection at the URL's host and port. */
export function reachable(url: string, timeoutMs = 750): Promise<boolean> {
  const u = new URL(url);
  const port = Number(u.port) || 0;
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname.replace(/^\[|\]$/g, ''), port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function containerRuntimeLikely(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock') || existsSync(`${process.env.HOME}/.docker/run/docker.sock`);
}

const cache = new Map<ServiceName, Promise<ServiceHandle>>();

/** Resolves a service once per spec process. Call at the top level of a spec file. */
export function useService(name: ServiceName): Promise<ServiceHandle> {
  let p = cache.get(name);
  if (!p) {
    p = find(name);
    cache.set(name, p);
  }
  return p;
}

async function find(name: ServiceName): Promise<ServiceHandle> {
  const spec = SERVICES[name];
  for (const v of spec.envVars) {
    const url = process.env[v];
    if (!url) continue;
    if (await reachable(url)) return { name, url, via: 'env' };
    throw new ServiceUnavailableError(`${v}=${url} is set but nothing answers there; ${spec.howToStart}`);
  }
  if (await reachable(spec.defaultUrl)) return { name, url: spec.defaultUrl, via: 'local' };
  if (containerRuntimeLikely()) {
    try {
      const { GenericContainer } = await import('testcontainers');
      let c = new GenericContainer(spec.image).withExposedPorts(spec.port);
      if (spec.containerEnv) c = c.withEnvironment(spec.containerEnv);
      const started = await c.start();
      afterAll(() => started.stop());
      return { name, url: spec.containerUrl(started.getHost(), started.getMappedPort(spec.port)), via: 'container' };
    } catch {
      // fall through to the skip below: the runtime was there but could not start the image
    }
  }
  const reason = `${name} is not reachable at ${spec.defaultUrl}: ${spec.howToStart}`;
  if (process.env.CI) throw new ServiceUnavailableError(`${reason} (CI must not skip)`);
  return { name, reason };
}

/** For `beforeEach`: skips the test with the service's note when it is missing. */
export function skipWithout(handle: ServiceHandle): (ctx: TestContext) => void {
  return (ctx) => {
    if (!handle.url) ctx.skip(handle.reason);
  };
}
