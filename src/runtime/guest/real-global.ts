/**
 * The real global object. The bundler binds the identifiers `globalThis` and `global` to the
 * app's build-time view of it (guest/web.ts) in every bundled file, thaw's own included; the
 * guest reaches the real one through here (a Function body is not bundled code).
 */
export const realGlobal: Record<string, any> = Function('return this')();

/**
 * Node's own web fetch classes, read in a restored process just before the values the app
 * defined over them while building (@hono/node-server's Request and Response, subclasses of
 * the stand-ins) are put on the real global: stand-ins re-parent onto these, not onto the
 * app's subclasses of themselves.
 */
export const webOriginals = new Map<string, unknown>();

export function webOriginal(name: string): unknown {
  return webOriginals.has(name) ? webOriginals.get(name) : realGlobal[name];
}
