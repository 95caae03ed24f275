/**
 * Node 22's snapshot builder crashes (std::length_error) on an Error whose stack was captured
 * but never formatted (node-features.ts 'unformatted-error-stack-aborts'); graphql keeps one
 * from module load. At the checkpoint every reachable Error gets its stack formatted, found
 * through the in-process inspector (Runtime.queryObjects on Error.prototype, which answers
 * synchronously on the same thread), and the session is closed again before the heap is written.
 */
import { applies } from '../node-features.js';
import { pair } from './session.js';

export function formatErrorStacks(): void {
  if (!applies('unformatted-error-stack-aborts', process.version)) return;
  pair(
    'error stacks',
    () => {
      const inspector = (process as any).getBuiltinModule('node:inspector') as typeof import('node:inspector');
      const session = new inspector.Session();
      session.connect();
      try {
        session.post('Runtime.evaluate', { expression: 'Error.prototype', objectGroup: 'thaw' }, (err, proto) => {
          if (err || !proto.result.objectId) return;
          session.post('Runtime.queryObjects', { prototypeObjectId: proto.result.objectId, objectGroup: 'thaw' }, (err2, found: any) => {
            if (err2 || !found?.objects?.objectId) return;
            session.post('Runtime.callFunctionOn', { objectId: found.objects.objectId, functionDeclaration: 'function () { for (const e of this) { try { void e.stack; } catch {} } }', objectGroup: 'thaw' }, () => undefined);
          });
        });
        session.post('Runtime.releaseObjectGroup', { objectGroup: 'thaw' }, () => undefined);
      } finally {
        session.disconnect();
      }
    },
    undefined,
  );
}
