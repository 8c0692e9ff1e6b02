/**
 * The TCP server: one RESP parser per connection, commands run in arrival order, all replies to
 * one read written back in one write (that is what makes pipelining fast).
 */
import net from 'node:net';
import { execute, type ServerView } from './commands.ts';
import { Keyspace } from './keyspace.ts';
import { RespParser, RespProtocolError, constant, encodeInto } from './resp.ts';

export interface CacheServerOptions {
  /** Memory limit in bytes as the README's model counts it; 0 (the default) means no limit. */
  maxmemory?: number;
  /** Keys sampled per eviction (Redis's maxmemory-samples, default 5). */
  maxmemorySamples?: number;
  /** Background expiry: cycles per second and keys sampled per round; false turns it off. */
  activeExpiry?: { hz: number; sample: number } | false;
  /** The clock, in Unix milliseconds (default Date.now). */
  now?: () => number;
  /** Uniform numbers in [0, 1) for sampling (default Math.random). */
  random?: () => number;
}

export interface CacheStats {
  /** Keys stored, including expired keys not yet removed (DBSIZE). */
  keys: number;
  usedMemory: number;
  expiredKeys: number;
  evictedKeys: number;
  connectedClients: number;
  totalCommands: number;
}

export interface CacheServer {
  /** Starts accepting connections (port 0 picks a free port; host defaults to 127.0.0.1). */
  listen(port?: number, host?: string): Promise<{ port: number; host: string }>;
  /** Stops the expiry timer, closes every connection and the listener. */
  close(): Promise<void>;
  /** Runs one active-expiry cycle now; returns the number of keys it removed. */
  activeExpireCycle(): number;
  stats(): CacheStats;
}

const QUIT_OK = constant({ type: 'simple', value: 'OK' });

function positiveInteger(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
  return value;
}

class Server implements CacheServer, ServerView {
  private readonly ks: Keyspace;
  private readonly maxmemory: number;
  private readonly samples: number;
  private readonly expiry: { hz: number; sample: number } | false;
  private readonly listener: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private timer: NodeJS.Timeout | undefined;
  private totalCommands = 0;

  constructor(opts: CacheServerOptions) {
    this.maxmemory = positiveInteger('maxmemory', opts.maxmemory ?? 0, 0);
    this.samples = positiveInteger('maxmemorySamples', opts.maxmemorySamples ?? 5, 1);
    this.expiry = opts.activeExpiry === false ? false : (opts.activeExpiry ?? { hz: 10, sample: 20 });
    if (this.expiry) {
      if (!(this.expiry.hz > 0)) throw new RangeError(`activeExpiry.hz must be > 0, got ${this.expiry.hz}`);
      positiveInteger('activeExpiry.sample', this.expiry.sample, 1);
    }
    this.ks = new Keyspace(opts.now ?? Date.now, opts.random ?? Math.random);
    this.listener = net.createServer((socket) => this.serve(socket));
  }

  listen(port = 0, host = '127.0.0.1'): Promise<{ port: number; host: string }> {
    return new Promise((resolve, reject) => {
      this.listener.once('error', reject);
      this.listener.listen(port, host, () => {
        this.listener.off('error', reject);
        if (this.expiry) {
          const { hz, sample } = this.expiry;
          this.timer = setInterval(() => this.ks.activeExpireCycle(sample), 1000 / hz);
          this.timer.unref();
        }
        const address = this.listener.address() as net.AddressInfo;
        resolve({ port: address.port, host: address.address });
      });
    });
  }

  close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => {
      if (!this.listener.listening) return resolve();
      this.listener.close(() => resolve());
    });
  }

  activeExpireCycle(): number {
    return this.ks.activeExpireCycle(this.expiry ? this.expiry.sample : 20);
  }

  stats(): CacheStats {
    return {
      keys: this.ks.size,
      usedMemory: this.ks.usedMemory,
      expiredKeys: this.ks.expiredKeys,
      evictedKeys: this.ks.evictedKeys,
      connectedClients: this.sockets.size,
      totalCommands: this.totalCommands,
    };
  }

  info(): string {
    const s = this.stats();
    return [
      '# Server',
      'redis_version:7.0.0',
      'redis_mode:standalone',
      '# Clients',
      `connected_clients:${s.connectedClients}`,
      '# Memory',
      `used_memory:${s.usedMemory}`,
      `maxmemory:${this.maxmemory}`,
      'maxmemory_policy:allkeys-lru',
      '# Persistence',
      'loading:0',
      '# Stats',
      `total_commands_processed:${s.totalCommands}`,
      `expired_keys:${s.expiredKeys}`,
      `evicted_keys:${s.evictedKeys}`,
      '# Keyspace',
      `db0:keys=${s.keys},expires=${this.ks.volatileCount},avg_ttl=0`,
      '',
    ].join('\r\n');
  }

  private serve(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const parser = new RespParser();
    let closing = false;

    socket.on('data', (chunk: Buffer) => {
      if (closing) return; // after QUIT or a protocol error, the rest is ignored
      parser.push(chunk);
      const out: Buffer[] = [];
      try {
        for (let argv = parser.next(); argv !== undefined; argv = parser.next()) {
          this.totalCommands++;
          if (argv[0]!.length === 4 && argv[0]!.toString('latin1').toLowerCase() === 'quit') {
            encodeInto(QUIT_OK, out);
            closing = true;
            break;
          }
          // Like Redis, make room before every command: a write may have overshot the limit.
          if (this.maxmemory > 0 && this.ks.usedMemory > this.maxmemory) this.ks.evictUntil(this.maxmemory, this.samples);
          encodeInto(execute(this.ks, argv, this), out);
        }
      } catch (err) {
        if (!(err instanceof RespProtocolError)) throw err;
        // Replies to the commands before the bad bytes go out first, then the error, then we
        // hang up: there is no way to find the next command boundary in a corrupt stream.
        encodeInto({ type: 'error', message: `ERR ${err.message}` }, out);
        closing = true;
      }
      const bytes = out.length === 1 ? out[0]! : Buffer.concat(out);
      if (closing) {
        socket.end(bytes);
        return;
      }
      // Back-pressure: a client that pipelines without reading stops being read.
      if (out.length > 0 && !socket.write(bytes)) socket.pause();
    });
    socket.on('drain', () => socket.resume());
    socket.on('error', () => socket.destroy()); // ECONNRESET and friends: just forget the client
    socket.on('close', () => this.sockets.delete(socket));
  }
}

/** A Redis-compatible cache server; call `listen` to start it. */
export function createCacheServer(opts: CacheServerOptions = {}): CacheServer {
  return new Server(opts);
}
