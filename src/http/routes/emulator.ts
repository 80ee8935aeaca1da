// Development-mode emulator controls (not part of Graph): move the service clock to test certificate rollover.
// Registered only with AUTH_MODE=development; every call still needs a valid token.
import type { FastifyInstance } from 'fastify';
import type { Authenticator } from '../../auth/types.js';
import type { AdjustableClock } from '../../connectors/clock.js';
import { errors } from '../../errors.js';

function clockState(clock: AdjustableClock) {
  return { now: new Date(clock.now()).toISOString(), offsetSeconds: Math.round(clock.offset / 1000) };
}

export function emulatorRoutes(clock: AdjustableClock, authenticator: Authenticator) {
  return async (app: FastifyInstance): Promise<void> => {
    await app.register(async (scope) => {
      scope.addHook('onRequest', async (request) => {
        await authenticator.authenticate(request.headers.authorization);
      });
      scope.get('/_emulator/clock', async () => clockState(clock));
      scope.put('/_emulator/clock', async (request) => {
        const body = (request.body ?? {}) as Record<string, unknown>;
        const keys = Object.keys(body);
        if (keys.length !== 1 || !['now', 'offsetSeconds'].includes(keys[0]!)) {
          throw errors.invalidField(
            'clock',
            "Send exactly one of 'now' (ISO 8601 date-time) or 'offsetSeconds' (number).",
          );
        }
        if ('now' in body) {
          const ms = typeof body['now'] === 'string' ? Date.parse(body['now']) : Number.NaN;
          if (Number.isNaN(ms)) throw errors.invalidField('clock', "'now' must be an ISO 8601 date-time string.");
          clock.set(ms);
        } else {
          const seconds = body['offsetSeconds'];
          if (typeof seconds !== 'number' || !Number.isFinite(seconds)) {
            throw errors.invalidField('clock', "'offsetSeconds' must be a number.");
          }
          clock.setOffset(seconds * 1000);
        }
        return clockState(clock);
      });
      scope.delete('/_emulator/clock', async () => {
        clock.reset();
        return clockState(clock);
      });
    });
  };
}
