// "A new Worker per task": the thread runs one task from workerData, posts the result, and ends.
import { parentPort, workerData } from 'node:worker_threads';
import cpu from './cpu.mjs';

parentPort.postMessage(cpu(workerData));
