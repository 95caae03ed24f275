/**
 * Injected by the bundler (esbuild `inject`, with `define` binding the identifiers `globalThis`
 * and `global` to `__thaw_global`): what the app's free references to the web fetch globals and
 * to the global object mean while building. Live bindings: they follow what the app assigns to
 * the global object, and the global object itself in a restored process (see guest/web.ts).
 */
export { appGlobal as __thaw_global, fetch, Request, Response, Headers, FormData, WebSocket, EventSource, MessageEvent, CloseEvent, ErrorEvent } from './web.js';
