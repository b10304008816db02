import { removeTempsSync } from '../io/write.js';
import { EXIT } from './exit.js';

/**
 * For the bin: a signal raised by the first SIGINT or SIGTERM, which stops the build before it
 * writes anything (outputs and lock stay as they were); a second one exits at once.
 */
export function signalOnInterrupt(): AbortSignal {
  const controller = new AbortController();
  // However the process ends, no temporary file of it is left (writes in flight when the build
  // stopped may have finished after it removed what it had staged).
  process.on('exit', removeTempsSync);
  for (const name of ['SIGINT', 'SIGTERM'] as const) {
    process.on(name, () => {
      if (controller.signal.aborted) process.exit(EXIT.interrupted);
      controller.abort();
    });
  }
  return controller.signal;
}
